using LiveSeg;
using LiveSeg.Cli;

// liveseg: real-time segmentation. Dispatches to one command; user errors are one line, exit code 2.
bool verbose = args.Contains("--verbose") || args.Contains("-v");
NativeLogs.Quiet(verbose);
try
{
    return Commands.Dispatch(args);
}
catch (LiveSegException e)
{
    Console.Error.WriteLine($"liveseg: error: {e.Message}");
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
