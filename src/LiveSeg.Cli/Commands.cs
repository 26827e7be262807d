using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace LiveSeg.Cli;

/// <summary>The command tree (System.CommandLine): every command, its options and its help, built in one place.</summary>
internal static class Commands
{
    /// <summary>Shown under each command's generated help: what a table of options cannot say.</summary>
    private static readonly Dictionary<Command, string> s_notes = [];

    /// <summary>The options video, bench and live share (model, effect, device, threads), defined once.</summary>
    internal static SharedOptions Shared => Options.Shared;

    /// <summary>--model/--manifest of image and eval (default: the lesion model).</summary>
    internal static ModelOptions StillImageModel => Options.StillImageModel;

    /// <summary>--verbose / -v: stack traces on errors (every command).</summary>
    internal static Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "stack traces on errors (and native libraries' own logs)", Recursive = true };

    private const string CamerasSummary = "video devices (/dev/video*) and what they deliver";
    private const string TrainSummary = "train a lesion model (TorchSharp; its own program: 'liveseg train --help' lists its options)";

    private static readonly (string Name, string Summary, Func<Command> Build)[] s_commands =
    [
        ("video", VideoCommand.Summary, VideoCommand.Build), ("batch", BatchCommand.Summary, BatchCommand.Build),
        ("concat", ConcatCommand.Summary, ConcatCommand.Build), ("live", LiveCommand.Summary, LiveCommand.Build),
        ("cameras", CamerasSummary, Cameras), ("bench", BenchCommand.Summary, BenchCommand.Build),
        ("image", ImageCommand.Summary, ImageCommand.Build), ("eval", EvalCommand.Summary, EvalCommand.Build),
        ("quality", QualityCommand.Summary, QualityCommand.Build), ("doctor", DoctorCommand.Summary, DoctorCommand.Build),
        ("parity", ParityCommand.Summary, ParityCommand.Build),
        ("train", TrainSummary, Train), ("models", ModelsCommand.Summary, ModelsCommand.Build),
    ];

    /// <summary>The whole tree: every command with all its options.</summary>
    public static RootCommand Build() => Build(null);

    /// <summary>
    /// The tree for <paramref name="args"/>: the command they name is built in full, the others as their name and
    /// summary only (all the root help and the typo suggestions need), so that a start builds one command's options,
    /// not eight. A response file (@FILE) or a directive ([suggest]) may name anything: every command is built.
    /// </summary>
    public static RootCommand Build(IReadOnlyList<string>? args)
    {
        bool all = args is null;
        string? named = null;
        foreach (string a in args ?? [])
        {
            if (a.StartsWith('@') || a.StartsWith('['))
            {
                all = true;
                break;
            }
            if (!a.StartsWith('-'))
            {
                named = a;
                break;
            }
        }
        var root = new RootCommand("liveseg — real-time segmentation: camera/video frames → ONNX Runtime masks → OpenGL effects.");
        root.Add(Verbose);
        foreach (var (name, summary, build) in s_commands)
            root.Add(all || name == named ? build() : new Command(name, summary));
        Note(root, """
            Run 'liveseg COMMAND --help' for a command's options. Arguments can come from a response file: liveseg @args.rsp
            (split at spaces and line ends; "quotes" keep spaces; # starts a comment). Tab completion: docs/cli.md, 'The command line'.
            Exit codes: 0 done, 1 internal error, 2 bad input or usage, 3 a batch input failed (the others done), 130 interrupted (output kept).
            """);
        var help = root.Options.OfType<HelpOption>().Single();
        if (help.Action is HelpAction generated)
        {
            // The width is given: left to itself, the help asks the console for it, and a redirected console answers
            // with an exception (about 30 ms of every 'liveseg --help > file').
            generated.MaxWidth = Console.IsOutputRedirected ? 120 : Math.Max(60, Console.WindowWidth);
            help.Action = new HelpWithNotes(generated);
        }
        return root;
    }

    /// <summary>
    /// The arguments as the parser gets them: every @FILE expanded (<see cref="ResponseFiles"/>: depth, size and
    /// self-inclusion checked), and a leading <c>[suggest:N]</c> directive (tab completion) checked: N is a cursor
    /// position, 0 or more; one past the end of the command line is moved to its end.
    /// </summary>
    public static string[] Prepare(string[] args)
    {
        bool directive = args.Length > 0 && args[0].StartsWith("[suggest", StringComparison.Ordinal);
        string[] rest = ResponseFiles.Expand(directive ? args[1..] : args);
        if (!directive)
            return rest;
        string d = args[0];
        if (d == "[suggest]")
            return [d, .. rest];
        int length = string.Join(' ', rest).Length;
        if (!d.StartsWith("[suggest:", StringComparison.Ordinal) || !d.EndsWith(']')
            || !int.TryParse(d.AsSpan(9, d.Length - 10), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int position))
            throw new LiveSegException($"directive '{d}' is not [suggest] or [suggest:N] (N: the cursor position, 0..{length}): see docs/cli.md, 'The command line'.");
        return [$"[suggest:{Math.Min(position, length)}]", .. rest];
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
        var command = new Command("cameras", CamerasSummary);
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
        var command = new Command("train", TrainSummary)
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

    /// <summary>Made on first use (a nested class's statics), so a start that builds no command with them does not make them.</summary>
    private static class Options
    {
        public static readonly SharedOptions Shared = new();
        public static readonly ModelOptions StillImageModel = new("nevus", "nevus, body, body-landscape");
    }
}
