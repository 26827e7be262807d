using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace LiveSeg.Cli;

/// <summary>
/// Typed options whose range is declared once: the parser checks it (a one-line error naming the option and the range)
/// and the generated help shows it, so help and checks cannot drift apart.
/// </summary>
internal static class Opt
{
    /// <summary>A whole-number option in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max,
        string? rangeText = null, string helpName = "N", params string[] aliases)
    {
        string range = rangeText ?? string.Create(CultureInfo.InvariantCulture, $"{min}..{max}");
        return new Option<int>(name, aliases)
        {
            Description = $"{description} ({range})",
            HelpName = helpName,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => Number(r, name, min, max, range, NumberStyles.Integer, "a whole number", defaultValue),
        };
    }

    /// <summary>A number option in <paramref name="min"/>..<paramref name="max"/> (finite).</summary>
    public static Option<float> Float(string name, string description, float defaultValue, float min, float max, string? rangeText = null)
    {
        string range = rangeText ?? string.Create(CultureInfo.InvariantCulture, $"{min}..{max}");
        return new Option<float>(name)
        {
            Description = $"{description} ({range})",
            HelpName = "X",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => Number(r, name, min, max, range, NumberStyles.Float, "a number", defaultValue),
        };
    }

    /// <summary>A text option (a path, a name) without a default.</summary>
    public static Option<string?> Text(string name, string description, string helpName, params string[] aliases) =>
        new(name, aliases) { Description = description, HelpName = helpName };

    /// <summary>A text option with a default shown in help.</summary>
    public static Option<string> TextOr(string name, string description, string helpName, string defaultValue, params string[] aliases) =>
        new(name, aliases) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue };

    /// <summary>An on/off switch.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>
    /// A name option checked by the engine's own parser (effect, device, colour): its LiveSegException message becomes
    /// the parse error, word for word. The value stays text (help shows the default as written); read it with the parser.
    /// </summary>
    public static Option<string> Checked(string name, string description, string helpName, Func<string, object> parse, string? defaultValue,
        string[] completions, params string[] aliases)
    {
        var option = new Option<string>(name, aliases) { Description = description, HelpName = helpName };
        if (defaultValue is not null)
            option.DefaultValueFactory = _ => defaultValue;
        option.Validators.Add(r =>
        {
            try
            {
                if (r.Tokens.Count > 0)
                    parse(r.Tokens[0].Value);
            }
            catch (LiveSegException e)
            {
                r.AddError(SettingFlags.Describe(e));
            }
        });
        option.CompletionSources.Add(completions);
        return option;
    }

    /// <summary>An argument that takes one of <paramref name="names"/> (completed on Tab; anything else is an error naming them).</summary>
    public static Argument<string> OneOf(string name, string what, string description, params string[] names)
    {
        var argument = new Argument<string>(name) { Description = description, HelpName = string.Join('|', names) };
        argument.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && !names.Contains(r.Tokens[0].Value, StringComparer.Ordinal))
                r.AddError($"unknown {what} '{r.Tokens[0].Value}': use {string.Join(" or ", names)}.");
        });
        argument.CompletionSources.Add(names);
        return argument;
    }

    private static T Number<T>(ArgumentResult r, string name, T min, T max, string range, NumberStyles style, string what, T fallback)
        where T : System.Numerics.INumber<T>
    {
        if (r.Tokens.Count == 0)
            return fallback;
        string text = r.Tokens[0].Value;
        if (!T.TryParse(text, style, CultureInfo.InvariantCulture, out T? value) || !T.IsFinite(value))
        {
            r.AddError($"option '{name}' needs {what}, not '{text}'");
            return fallback;
        }
        if (value < min || value > max)
            r.AddError($"{name} {text} is out of range: use {range}");
        return value;
    }
}
