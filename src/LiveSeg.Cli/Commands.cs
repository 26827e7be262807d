namespace LiveSeg.Cli;

/// <summary>The command table and the top-level help.</summary>
public static class Commands
{
    public const string Usage = """
        liveseg — real-time segmentation: camera/video frames → ONNX Runtime masks → OpenGL effects.

        Usage:
          liveseg video INPUT -o OUTPUT [options]   segment every frame of a video file into a new video
          liveseg live [options]                    a window: webcam (or --input FILE) segmented live, keys, HUD
          liveseg cameras                           video devices and what they deliver
          liveseg bench INPUT [options]             time sequential vs pipelined on a video (fps, per-stage latency)
          liveseg models list                       built-in model names and where they are looked up
          liveseg models synth NAME -o FILE.onnx    write a project-built test model (colorkey, convnet) + manifest

        Run 'liveseg COMMAND --help' for a command's options.
        Common: --verbose (stack traces on errors), --version.
        Exit codes: 0 done, 1 internal error, 2 bad input or usage, 130 interrupted (output kept).
        """;

    public static int Dispatch(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        if (args[0] == "--version")
        {
            Console.WriteLine($"liveseg {typeof(Commands).Assembly.GetName().Version?.ToString(3)}");
            return ExitCodes.Ok;
        }
        string[] rest = args[1..];
        return args[0] switch
        {
            "video" => VideoCommand.Run(rest),
            "bench" => BenchCommand.Run(rest),
            "live" => LiveCommand.Run(rest),
            "cameras" => Cameras(),
            "models" => ModelsCommand.Run(rest),
            _ => throw new LiveSegException($"unknown command '{args[0]}': use video, live, cameras, bench or models (liveseg --help)."),
        };
    }

    private static int Cameras()
    {
        foreach (string line in LiveSeg.Capture.CameraSource.Describe())
            Console.WriteLine(line);
        return ExitCodes.Ok;
    }
}
