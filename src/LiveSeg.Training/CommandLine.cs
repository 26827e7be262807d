using System.Globalization;

namespace LiveSeg.Training;

/// <summary>
/// A small, strict argument parser: positionals plus --long/-s options, each declared with whether it takes a value.
/// Unknown options and missing values are user errors that name the option and point to --help.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly string _command;

    public CommandLine(string command, IEnumerable<string> args, IReadOnlyDictionary<string, bool> options)
    {
        _command = command;
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string arg = e.Current;
            if (arg.StartsWith('-') && arg.Length > 1 && !IsNumber(arg))
            {
                string name = arg;
                string? inline = null;
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0 && arg.StartsWith("--", StringComparison.Ordinal))
                    (name, inline) = (arg[..eq], arg[(eq + 1)..]);
                if (!options.TryGetValue(name, out bool takesValue))
                    throw Error($"unknown option '{name}'");
                string canonical = Canonical(name);
                if (takesValue)
                {
                    if (inline is null && !e.MoveNext())
                        throw Error($"option '{name}' needs a value");
                    _values[canonical] = inline ?? e.Current;
                }
                else
                {
                    _values[canonical] = null;
                }
            }
            else
            {
                Positionals.Add(arg);
            }
        }
    }

    public List<string> Positionals { get; } = [];

    public bool Has(string option) => _values.ContainsKey(option);

    public string? Get(string option) => _values.TryGetValue(option, out string? v) ? v : null;

    public string Get(string option, string fallback) => Get(option) ?? fallback;

    public int GetInt(string option, int fallback) => GetNumber(option, fallback, NumberStyles.Integer, "a whole number");

    public float GetFloat(string option, float fallback) => GetNumber(option, fallback, NumberStyles.Float, "a number");

    private T GetNumber<T>(string option, T fallback, NumberStyles style, string what) where T : System.Numerics.INumber<T>
    {
        string? v = Get(option);
        if (v is null)
            return fallback;
        if (!T.TryParse(v, style, CultureInfo.InvariantCulture, out T? result))
            throw Error($"option '{option}' needs {what}, not '{v}'");
        return result;
    }

    public LiveSegException Error(string what) =>
        new($"{what}: see '{_command} --help'.");

    /// <summary>Short aliases map to their long names.</summary>
    private static string Canonical(string name) => name switch
    {
        "-o" => "--output",
        "-m" => "--model",
        "-e" => "--effect",
        "-h" => "--help",
        "-v" => "--verbose",
        _ => name,
    };

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
