using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LiveSeg.Cli;

/// <summary>The command tree (System.CommandLine): every command, its options and its help, built in one place.</summary>
public static class Commands
{
    /// <summary>Shown under each command's generated help: what a table of options cannot say.</summary>
    private static readonly Dictionary<Command, string> s_notes = [];

    /// <summary>The options video, bench and live share (model, effect, device, threads), defined once.</summary>
    internal static SharedOptions Shared { get; } = new();

    /// <summary>--model/--manifest of image and eval (default: the lesion model).</summary>
    internal static ModelOptions StillImageModel { get; } = new("nevus", "nevus, body, body-landscape");

    /// <summary>--verbose / -v: stack traces on errors (every command).</summary>
    internal static Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "stack traces on errors (and native libraries' own logs)", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("liveseg — real-time segmentation: camera/video frames → ONNX Runtime masks → OpenGL effects.");
        root.Add(Verbose);
        root.Add(VideoCommand.Build());
        root.Add(LiveCommand.Build());
        root.Add(Cameras());
        root.Add(BenchCommand.Build());
        root.Add(ImageCommand.Build());
        root.Add(EvalCommand.Build());
        root.Add(Train());
        root.Add(ModelsCommand.Build());
        Note(root, """
            Run 'liveseg COMMAND --help' for a command's options. Arguments can come from a response file: liveseg @args.rsp
            (split at spaces and line ends; "quotes" keep spaces; # starts a comment). Tab completion: README, 'Tab completion'.
            Exit codes: 0 done, 1 internal error, 2 bad input or usage, 130 interrupted (output kept).
            """);
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is SynchronousCommandLineAction generated)
            help.Action = new HelpWithNotes(generated);
        return root;
    }

    /// <summary>Adds free text under a command's generated help.</summary>
    internal static T Note<T>(T command, string text) where T : Command
    {
        s_notes[command] = text;
        return command;
    }

    /// <summary>The generated help, then the command's note (examples, keys, exit codes).</summary>
    private sealed class HelpWithNotes(SynchronousCommandLineAction generated) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int result = generated.Invoke(parseResult);
            if (s_notes.TryGetValue(parseResult.CommandResult.Command, out string? text))
                parseResult.InvocationConfiguration.Output.WriteLine(text.TrimEnd() + Environment.NewLine);
            return result;
        }
    }

    private static Command Cameras()
    {
        var command = new Command("cameras", "video devices (/dev/video*) and what they deliver");
        command.SetAction(_ =>
        {
            Ui.Listing("camera", LiveSeg.Capture.CameraSource.Describe());
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// 'liveseg train' is its own program (liveseg-train: TorchSharp is ~1 GB and stays out of the runtime app). Its
    /// arguments are forwarded untouched (Program.cs hands them over before parsing); this entry is for the help list.
    /// </summary>
    private static Command Train()
    {
        var command = new Command("train", "train a lesion model (TorchSharp; its own program: 'liveseg train --help' lists its options)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(r => RunTraining([.. r.UnmatchedTokens]));
        return command;
    }

    /// <summary>Runs liveseg-train (beside this program or in this checkout) with <paramref name="args"/> as they are.</summary>
    public static int RunTraining(string[] args)
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
}
