using System.CommandLine;
using LiveSeg;
using LiveSeg.Cli;

// liveseg: real-time segmentation. System.CommandLine parses (help, --version, @response files, [suggest] completion);
// user errors are one line on stderr, exit code 2; --verbose adds stack traces.
bool verbose = args.Contains("--verbose") || args.Contains("-v");
NativeLogs.Quiet(verbose);
LiveSeg.OutputWarnings.Sink = message => Console.Error.WriteLine($"liveseg: warning: {message}");
try
{
    // The training program parses its own options: its arguments go to it untouched.
    if (args.Length > 0 && args[0] == "train")
        return Commands.RunTraining(args[1..]);
    if (args.Length == 0)
    {
        Commands.Build(args).Parse(["--help"]).Invoke();
        return ExitCodes.BadInput;
    }
    // Response files are LiveSeg's own (bounded: ResponseFiles), and a [suggest:N] directive is checked, before the library parses.
    args = Commands.Prepare(args);
    RootCommand root = Commands.Build(args);
    ParseResult parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
    verbose |= parse.GetValue(Commands.Verbose);
    if (parse.Errors.Count > 0 && parse.Action is System.CommandLine.Invocation.ParseErrorAction)
    {
        Console.Error.WriteLine($"liveseg: error: {ParseErrors.Describe(parse)}");
        return ExitCodes.BadInput;
    }
    // Synchronous actions; SIGINT/SIGTERM are LiveSeg's own (Interrupts), so the library's termination handling is off.
    return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
}
catch (LiveSegException e)
{
    Console.Error.WriteLine($"liveseg: error: {SettingFlags.Describe(e)}");
    if (verbose)
        Console.Error.WriteLine(e.InnerException?.ToString() ?? e.StackTrace);
    return e.ExitCode;
}
catch (Exception e)
{
    Console.Error.WriteLine($"liveseg: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    Console.Error.WriteLine(verbose ? e.ToString() : "(run again with --verbose for the stack trace, and report it)");
    return ExitCodes.Internal;
}
