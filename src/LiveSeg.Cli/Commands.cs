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
          liveseg image IMAGE|DIR... -o OUTDIR      still images: overlay with outline, mask PNG, area
          liveseg eval --model M --data DIR         Dice / Jaccard / accuracy on a labelled split (PH2 layout)
          liveseg train --data DIR --arch unet      train a lesion model (TorchSharp; ./liveseg train builds it)
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
            "image" => ImageCommand.Run(rest),
            "eval" => EvalCommand.Run(rest),
            "train" => Train(rest),
            "cameras" => Cameras(),
            "models" => ModelsCommand.Run(rest),
            _ => throw new LiveSegException($"unknown command '{args[0]}': use video, live, cameras, image, eval, train, bench or models (liveseg --help)."),
        };
    }

    /// <summary>
    /// Training lives in its own program (liveseg-train: TorchSharp is ~1 GB and stays out of the runtime app). Runs it
    /// when it is built beside this program or in this checkout; otherwise says how to get it.
    /// </summary>
    private static int Train(string[] args)
    {
        string? exe = new[] { Path.Combine(AppContext.BaseDirectory, "liveseg-train") }
            .Concat(LiveSeg.Models.ModelCatalogue.SearchFolders().Select(f => Path.Combine(f, "..", "src", "LiveSeg.Training", "bin", "Release", "net10.0", "linux-x64", "liveseg-train")))
            .FirstOrDefault(File.Exists);
        if (exe is null)
            throw new LiveSegException("the training program is not built: run './liveseg train ...' from the checkout (it builds src/LiveSeg.Training), or 'dotnet build src/LiveSeg.Training -c Release'.");
        var psi = new System.Diagnostics.ProcessStartInfo(exe) { UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static int Cameras()
    {
        foreach (string line in LiveSeg.Capture.CameraSource.Describe())
            Console.WriteLine(line);
        return ExitCodes.Ok;
    }
}
