using System.Text;

namespace LiveSeg;

/// <summary>
/// Response files: an argument <c>@FILE</c> is replaced by the arguments FILE holds — split at spaces and line ends,
/// <c>"double quotes"</c> keep spaces (<c>\"</c> and <c>\\</c> inside them are a quote and a backslash), and a
/// <c>#</c> that starts an argument starts a comment to the end of the line. A response file may name others, up to
/// <see cref="MaxDepth"/> deep; each file is at most <see cref="MaxBytes"/>, text (no NUL byte), and all of them
/// together give at most <see cref="MaxArguments"/> arguments. A file that includes itself, directly or through
/// others, a missing file and a file over a limit are one-line <see cref="LiveSegException"/>s.
/// </summary>
internal static class ResponseFiles
{
    public const int MaxDepth = 8;
    public const int MaxBytes = 1 << 20;
    public const int MaxArguments = 100_000;

    /// <summary>The arguments with every <c>@FILE</c> expanded, reading files with <paramref name="read"/> (default: the file system, bounded).</summary>
    public static string[] Expand(IReadOnlyList<string> args, Func<string, string>? read = null)
    {
        read ??= ReadFile;
        var result = new List<string>(args.Count);
        var including = new List<string>();
        foreach (string a in args)
            Add(a, result, including, read);
        return [.. result];
    }

    private static void Add(string arg, List<string> result, List<string> including, Func<string, string> read)
    {
        if (arg.Length < 2 || arg[0] != '@')
        {
            if (result.Count >= MaxArguments)
                Throw.User($"response files give more than {MaxArguments} arguments: is one of them the wrong file?");
            result.Add(arg);
            return;
        }
        string path = arg[1..];
        string key = Path.GetFullPath(path);
        if (including.Contains(key, StringComparer.Ordinal))
        {
            string chain = string.Join(" → ", including.Append(key).SkipWhile(k => k != key).Select(Path.GetFileName));
            Throw.User($"response file '{path}' includes itself ({chain}): remove the @ line that names it.");
        }
        if (including.Count >= MaxDepth)
            Throw.User($"response file '{path}' is nested more than {MaxDepth} deep ({string.Join(" → ", including.Select(Path.GetFileName))}): flatten the response files.");
        string text = read(path);
        if (text.Contains('\0', StringComparison.Ordinal))
            Throw.User($"response file '{path}' holds a NUL byte: a response file is text, one or more arguments a line.");
        including.Add(key);
        foreach (string token in Tokenize(text, $"response file '{path}'"))
            Add(token, result, including, read);
        including.RemoveAt(including.Count - 1);
    }

    /// <summary>The arguments of one response file's text (see the class summary for the rules); <paramref name="label"/> names it in errors.</summary>
    public static List<string> Tokenize(string text, string label = "a response file")
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        bool inToken = false, quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\')
                    current.Append(text[++i]);
                else if (c == '"')
                    quoted = false;
                else
                    current.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inToken)
                    tokens.Add(current.ToString());
                current.Clear();
                inToken = false;
                continue;
            }
            if (c == '#' && !inToken)
            {
                while (i + 1 < text.Length && text[i + 1] != '\n')
                    i++;
                continue;
            }
            inToken = true;
            if (c == '"')
                quoted = true;
            else
                current.Append(c);
        }
        if (quoted)
            Throw.User($"{label} has a \" that is never closed: close the quote.");
        if (inToken)
            tokens.Add(current.ToString());
        return tokens;
    }

    /// <summary>A response file's text, read up to <see cref="MaxBytes"/> (so that @/dev/zero or a huge file cannot exhaust memory).</summary>
    private static string ReadFile(string path)
    {
        Throw.IfFileUnreadable(path, "response file");
        var buffer = new byte[MaxBytes + 1];
        int length = 0;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            for (int n; length < buffer.Length && (n = stream.Read(buffer, length, buffer.Length - length)) > 0;)
                length += n;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Throw.User($"response file '{path}' cannot be read ({e.Message}): check the path and its permissions.", e);
        }
        if (length > MaxBytes)
            Throw.User($"response file '{path}' is larger than {MaxBytes / (1 << 20)} MiB: a response file holds arguments, not data.");
        return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetString(buffer, 0, length).TrimStart('\uFEFF');
    }
}
