using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace LiveSeg.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into LiveSeg's contract: one line that names the option or argument and
/// says what to do (exit code 2). Suggestions for a misspelt command or option come from the library's own typo
/// corrections.
/// </summary>
internal static class ParseErrors
{
    public static string Describe(ParseResult r)
    {
        var command = r.CommandResult.Command;
        string path = CommandPath(r.CommandResult);
        string help = $"see '{path} --help'";
        if (r.UnmatchedTokens.Count > 0)
        {
            string token = r.UnmatchedTokens[0];
            string suggestion = Suggestion(r, token);
            string hint = suggestion.Length > 0 ? $" (did you mean '{suggestion}'?)" : "";
            if (token.StartsWith('-') && token.Length > 1 && !double.TryParse(token, System.Globalization.CultureInfo.InvariantCulture, out _))
                return $"unknown option '{token}'{hint}: {help}.";
            if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
                return $"unknown command '{token}'{hint}: use {Names(command)}: {help}.";
            return $"unexpected argument '{token}'{hint}: {help}.";
        }
        // A value the option's own parser or range check refused: its message already says what to do.
        var valueError = r.Errors.FirstOrDefault(e => e.SymbolResult is OptionResult { Tokens.Count: > 0 } or ArgumentResult { Tokens.Count: > 0 });
        if (valueError is not null)
            return Finish(valueError.Message, help);
        foreach (var e in r.Errors)
        {
            if (e.SymbolResult is OptionResult { Tokens.Count: 0, IdentifierToken: { } id })
                return $"option '{id.Value}' needs a value ({OptionOf(e)?.HelpName}): {help}.";
        }
        foreach (var option in command.Options.Where(o => o.Required && r.GetResult(o) is not { IdentifierToken: not null }))
            return $"missing {Usage(option)}: {help}.";
        foreach (var argument in command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0 && r.GetResult(a) is not { Tokens.Count: > 0 }))
            return $"missing {argument.HelpName ?? argument.Name}: {help}.";
        if (command.Subcommands.Count > 0 && command.Action is null)
            return $"'{path}' needs a command: use {Names(command)}: {help}.";
        return Finish(r.Errors[0].Message, help);
    }

    private static Option? OptionOf(ParseError e) => (e.SymbolResult as OptionResult)?.Option;

    private static string Usage(Option o) =>
        string.Join("/", o.Aliases.Where(a => a.Length == 2).Append(o.Name)) + (o.HelpName is { } h ? " " + h : "");

    private static string Names(Command command)
    {
        string[] names = [.. command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)];
        return names.Length == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
    }

    /// <summary>The library's message as one sentence that ends with where to look.</summary>
    private static string Finish(string message, string help)
    {
        string m = message.ReplaceLineEndings(" ").Trim();
        if (m.EndsWith('.'))
            return m;
        return $"{m}: {help}.";
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? s = result; s is not null; s = s.Parent)
        {
            if (s is CommandResult c)
                names.Add(c.Command is RootCommand ? "liveseg" : c.Command.Name);
        }
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>
    /// The closest name to <paramref name="token"/>, as System.CommandLine's typo correction finds it (it prints its
    /// suggestions as lines; they are captured and the first one is used), or "" when it has none.
    /// </summary>
    private static string Suggestion(ParseResult r, string token)
    {
        if (r.Action is not ParseErrorAction action)
            return "";
        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        using var output = new StringWriter();
        using var error = new StringWriter();
        r.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int at = Array.FindIndex(lines, l => l.Contains($"'{token}'", StringComparison.Ordinal));
        return at >= 0 && at + 1 < lines.Length && !lines[at + 1].Contains('\'', StringComparison.Ordinal) ? lines[at + 1] : "";
    }
}
