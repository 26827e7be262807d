using System.CommandLine;
using LiveSeg.Cli;

namespace LiveSeg.Tests;

/// <summary>
/// Issue 10: every command's options, ranges and errors through the real parser (the System.CommandLine tree the
/// program builds, and its error translation), generated help, a response file; and the contract through the executable.
/// </summary>
public sealed class CliParsingTests : IDisposable
{
    private static readonly RootCommand s_root = Commands.Build();
    private readonly TempDir _dir = new();

    private static ParseResult Parse(params string[] args) => s_root.Parse(args);

    /// <summary>The one line the program prints after "liveseg: error: " for a parse that failed.</summary>
    private static string Error(params string[] args)
    {
        var r = Parse(args);
        Assert.True(r.Errors.Count > 0, $"'{string.Join(' ', args)}' should not parse");
        string message = ParseErrors.Describe(r);
        Assert.DoesNotContain('\n', message);
        return message;
    }

    private static Command Find(params string[] path)
    {
        Command c = s_root;
        foreach (string name in path)
            c = c.Subcommands.Single(s => s.Name == name);
        return c;
    }

    private static string Help(params string[] path)
    {
        using var output = new StringWriter();
        int rc = Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = output });
        Assert.Equal(0, rc);
        return output.ToString();
    }

    public static TheoryData<string[]> HelpPaths() =>
    [
        [], ["video"], ["live"], ["cameras"], ["bench"], ["image"], ["eval"], ["models"], ["models", "list"], ["models", "fetch"],
        ["models", "import"], ["models", "inspect"], ["models", "verify"], ["models", "synth"],
    ];

    [Theory]
    [MemberData(nameof(HelpPaths))]
    public void Help_IsGeneratedForEveryCommand_AndListsEachOfItsOptions(string[] path)
    {
        string help = Help(path);
        Assert.Contains("Usage:", help);
        var command = Find(path);
        foreach (var option in command.Options.Where(o => !o.Hidden))
            Assert.Contains(option.Name, help);
        foreach (var sub in command.Subcommands)
            Assert.Contains(sub.Name, help);
    }

    [Fact]
    public void Help_OfModels_ListsEveryAction_AndLiveShowsTheHudKeys()
    {
        string models = Help("models");
        foreach (string action in new[] { "list", "fetch", "import", "inspect", "verify", "synth", "flip-average" })
            Assert.Contains(action, models);
        string live = Help("live");
        foreach (var binding in LiveSeg.Live.KeyMap.Bindings)
            Assert.Contains(binding.Description, live); // the key map drives the help: it cannot drift
        Assert.Contains("(1..32) [default: 12]", Help("video")); // the range and default come from the option itself
    }

    [Fact]
    public void SharedOptions_AreOneDefinition_AcrossCommands()
    {
        foreach (string name in new[] { "--model", "--effect", "--blur", "--smooth", "--device", "--threads", "--background" })
        {
            var options = new[] { "video", "live", "bench" }.Select(c => Find(c).Options.Single(o => o.Name == name)).ToArray();
            Assert.All(options, o => Assert.Same(options[0], o));
        }
        var devices = new[] { "video", "live", "bench", "image", "eval" }.Select(c => Find(c).Options.Single(o => o.Name == "--device")).ToArray();
        Assert.All(devices, o => Assert.Same(devices[0], o));
        Assert.Same(Find("image").Options.Single(o => o.Name == "--model"), Find("eval").Options.Single(o => o.Name == "--model"));
    }

    [Fact]
    public void EveryVideoOption_ParsesToItsTypedValue()
    {
        var s = Commands.Shared;
        var r = Parse("video", "in.mp4", "-o", "out.mkv", "-m", "m.onnx", "--manifest", "m.json", "-e", "tint", "--color", "#ff0000",
            "--strength", "0.25", "--blur", "5", "--outline-width", "7", "--smooth", "0", "--device", "cpu", "--threads", "1",
            "--background", "bg.png", "--metrics", "t.csv", "--report", "rep", "--sequential", "--frames", "9", "-v");
        Assert.Empty(r.Errors);
        Assert.Equal("m.onnx", r.GetValue(s.Model.Model));
        Assert.Equal("m.json", r.GetValue(s.Model.Manifest));
        var effect = s.Effect.Read(r);
        Assert.Equal((LiveSeg.Effects.EffectKind.Tint, 0.25f, 5, 7, 0f), (effect.Effect, effect.TintStrength, effect.BlurRadius, effect.OutlineWidth, s.Effect.ReadMask(r).Smoothing));
        Assert.Equal(new LiveSeg.Effects.Rgb(1, 0, 0), effect.Color);
        Assert.Equal(LiveSeg.Inference.DeviceChoice.Cpu, s.Device.Read(r));
        Assert.Equal(1, r.GetValue(s.Device.Threads));
        Assert.Equal(9, r.GetValue<int>("--frames"));
        Assert.True(r.GetValue<bool>("--sequential"));
        Assert.Equal("rep", r.GetValue<string>("--report"));
        Assert.True(r.GetValue(Commands.Verbose));
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var r = Parse("video", "in.mp4", "-o", "out.mp4");
        Assert.Empty(r.Errors);
        var effect = Commands.Shared.Effect.Read(r);
        Assert.Equal((LiveSeg.Effects.EffectKind.Blur, 0.5f, 12, 3, 0.95f), (effect.Effect, effect.TintStrength, effect.BlurRadius, effect.OutlineWidth, Commands.Shared.Effect.ReadMask(r).Smoothing));
        Assert.Equal((LiveSeg.Effects.RefineKind.Auto, 0.3f, 0f), (effect.Refine, effect.LightWrap, effect.Feather));
        Assert.Equal(new LiveSeg.Masks.MaskSettings().Smoothing, Commands.Shared.Effect.ReadMask(r).Smoothing);
        Assert.Equal(new LiveSeg.Effects.EffectSettings().Refine, effect.Refine);
        Assert.Equal("body", r.GetValue(Commands.Shared.Model.Model));
        Assert.Equal("nevus", Parse("eval", "--data", "d").GetValue<string>("--model"));
        Assert.Equal("nevus", Parse("image", "a.png", "-o", "out").GetValue<string>("--model"));
    }

    [Theory]
    [InlineData("live --camera 1 --size 640x480 --fps 15 --input a.mp4 --realtime --loop --sync --no-vsync --frames 3 --screenshot s.png --output-folder . -e mask")]
    [InlineData("bench a.mp4 --rounds 3 --frames 10 --metrics m.json --report r -m body --effect outline --threads 2")]
    [InlineData("image a.png dir -o out -m nevus --manifest n.json --device auto")]
    [InlineData("eval --data d --split test --report r --json -m nevus --device cpu")]
    [InlineData("models fetch body --force")]
    [InlineData("models import a.tflite -o a.onnx")]
    [InlineData("models inspect a.tflite -v")]
    [InlineData("models verify --videos v --frames 3")]
    [InlineData("models synth colorkey -o a.onnx")]
    [InlineData("models flip-average a.onnx -o b.onnx --flips all")]
    [InlineData("video in.mp4 -o o.mp4 --renderer cpu --render-threads 2")]
    [InlineData("video in.mp4 -o o.mp4 --renderer auto --render-threads 2")]
    [InlineData("models list")]
    [InlineData("cameras")]
    [InlineData("video in.mp4 --frames -0 -o o.avi")]
    public void EveryCommand_AcceptsItsOptions(string line)
    {
        var r = Parse(line.Split(' '));
        Assert.True(r.Errors.Count == 0, string.Join("; ", r.Errors.Select(e => e.Message)));
    }

    [Theory]
    [InlineData("video in.mp4 -o o.mp4 --blur 0", "--blur 0 is out of range: use 1..32")]
    [InlineData("video in.mp4 -o o.mp4 --blur 33", "--blur 33 is out of range: use 1..32")]
    [InlineData("video in.mp4 -o o.mp4 --blur abc", "option '--blur' needs a whole number, not 'abc'")]
    [InlineData("video in.mp4 -o o.mp4 --outline-width 40", "--outline-width 40 is out of range")]
    [InlineData("video in.mp4 -o o.mp4 --smooth 0.99", "--smooth 0.99 is out of range")]
    [InlineData("video in.mp4 -o o.mp4 --strength 1.5", "--strength 1.5 is out of range: use 0..1")]
    [InlineData("video in.mp4 -o o.mp4 --strength NaN", "option '--strength' needs a number, not 'NaN'")]
    [InlineData("video in.mp4 -o o.mp4 --threads 100000", "--threads 100000 is out of range")]
    [InlineData("video in.mp4 -o o.mp4 --frames -1", "--frames -1 is out of range")]
    [InlineData("video in.mp4 -o o.mp4 --effect sparkle", "unknown effect 'sparkle': use mask, tint, blur, replace, outline or pixelate.")]
    [InlineData("video in.mp4 -o o.mp4 --block 1", "--block 1 is out of range: use 2..64")]
    [InlineData("live --block 65", "--block 65 is out of range: use 2..64")]
    [InlineData("video in.mp4 -o o.mp4 --device tpu", "unknown device 'tpu'")]
    [InlineData("video in.mp4 -o o.mp4 --color red", "colour 'red' is not #RRGGBB")]
    [InlineData("bench in.mp4 --rounds 0", "--rounds 0 is out of range")]
    [InlineData("live --camera 64", "--camera 64 is out of range")]
    [InlineData("live --fps 0", "--fps 0 is out of range")]
    [InlineData("live --size 12", "--size '12' is not WIDTHxHEIGHT")]
    [InlineData("models synth sparkle -o a.onnx", "unknown test model 'sparkle': use colorkey or convnet")]
    [InlineData("models synth colorkey -o a.txt", "output 'a.txt' must end in .onnx")]
    [InlineData("models fetch hand", "unknown model to fetch 'hand'")]
    [InlineData("models verify --frames 0", "--frames 0 is out of range")]
    [InlineData("models flip-average a.onnx -o b.onnx --flips diagonal", "unknown --flips 'diagonal': use lr or all.")]
    [InlineData("video in.mp4 -o o.mp4 --renderer gl --render-threads 2", "--render-threads 2 sets the CPU renderer's threads, but --renderer gl draws with OpenGL")]
    [InlineData("live --renderer gl --render-threads 3", "--render-threads 3 sets the CPU renderer's threads")]
    [InlineData("bench in.mp4 --renderer gl --render-threads 1", "--renderer gl draws with OpenGL: drop one of them.")]
    [InlineData("video in.mp4 -o o.mp4 --renderer GL --render-threads 2", "--renderer gl draws with OpenGL")]
    public void OutOfRangeOrUnknownValues_AreOneLineNamingTheOption(string line, string expected) =>
        Assert.Contains(expected, Error(line.Split(' ')));

    [Theory]
    [InlineData("video in.mp4 -o o.mp4 --threds 2", "unknown option '--threds' (did you mean '--threads'?): see 'liveseg video --help'.")]
    [InlineData("video in.mp4 -o o.mp4 --zzzzzz", "unknown option '--zzzzzz': see 'liveseg video --help'.")]
    [InlineData("bench in.mp4 --round 2", "unknown option '--round' (did you mean '--rounds'?)")]
    [InlineData("vidoe in.mp4", "unknown command 'vidoe' (did you mean 'video'?)")]
    [InlineData("models lsit", "unknown command 'lsit' (did you mean 'list'?)")]
    [InlineData("live extra.mp4", "unexpected argument 'extra.mp4'")]
    [InlineData("video a.mp4 b.mp4 -o o.mp4", "unexpected argument 'b.mp4'")]
    public void UnknownOptionsAndCommands_AreNamed_WithTheLibrarysSuggestion(string line, string expected) =>
        Assert.Contains(expected, Error(line.Split(' ')));

    [Theory]
    [InlineData("video in.mp4", "missing -o/--output FILE: see 'liveseg video --help'.")]
    [InlineData("video -o o.mp4", "missing INPUT: see 'liveseg video --help'.")]
    [InlineData("video in.mp4 -o", "option '-o' needs a value")]
    [InlineData("bench", "missing INPUT")]
    [InlineData("image a.png", "missing -o/--output OUTDIR")]
    [InlineData("image -o out", "missing IMAGE|DIR")]
    [InlineData("eval --split test", "missing --data DIR")]
    [InlineData("models synth colorkey", "missing -o/--output FILE.onnx")]
    [InlineData("models", "'liveseg models' needs a command: use list, fetch, import, inspect, verify, synth or flip-average")]
    public void MissingRequiredArgumentsAndOptions_AreNamed(string line, string expected) =>
        Assert.Contains(expected, Error(line.Split(' ')));

    [Fact]
    public void ResponseFile_SuppliesArguments()
    {
        string rsp = _dir.File("args.rsp");
        File.WriteAllLines(rsp, ["video", "\"in put.mp4\"", "-o out.mkv", "--blur 7", "# a comment", "--effect", "outline"]);
        var r = Parse($"@{rsp}", "--frames", "4");
        Assert.True(r.Errors.Count == 0, string.Join("; ", r.Errors.Select(e => e.Message)));
        Assert.Equal("video", r.CommandResult.Command.Name);
        Assert.Equal(7, r.GetValue<int>("--blur"));
        Assert.Equal(4, r.GetValue<int>("--frames"));
        Assert.Equal(LiveSeg.Effects.EffectKind.Outline, Commands.Shared.Effect.Read(r).Effect);
        Assert.Equal("in put.mp4", r.GetValue<string>("INPUT"));
    }

    [Fact]
    public void Completion_ListsValuesOfAnOption()
    {
        const string line = "video in.mp4 --effect ";
        var completions = s_root.Parse(line).GetCompletions(line.Length).Select(c => c.Label).ToArray();
        Assert.Equal([.. LiveSeg.Effects.EffectRegistry.Names.Append("alpha").Order(StringComparer.Ordinal)], completions.Order(StringComparer.Ordinal)); // every registered effect
    }

    [Fact]
    public void Executable_ParseError_IsOneLineExit2_WithSuggestion_AndNoStackTrace()
    {
        var r = Cli.Run("video", "in.mp4", "-o", "o.mp4", "--smoth", "0.2");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("liveseg: error: unknown option '--smoth' (did you mean '--smooth'?): see 'liveseg video --help'.", r.Stderr.TrimEnd('\n'));
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void Executable_HelpVersionAndResponseFile()
    {
        var help = Cli.Run("--help");
        Assert.Equal(0, help.ExitCode);
        foreach (string command in new[] { "video", "live", "cameras", "bench", "image", "eval", "train", "models" })
            Assert.Contains(command, help.Stdout);
        var version = Cli.Run("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Stdout);
        Assert.Equal(2, Cli.Run().ExitCode); // no command: the help, and exit 2
        File.WriteAllLines(_dir.File("bad.rsp"), ["video", "in.mp4", "-o", "o.mp4", "--blur", "99"]);
        var rsp = Cli.Run($"@{_dir.File("bad.rsp")}");
        Assert.Equal(2, rsp.ExitCode);
        Assert.StartsWith("liveseg: error: --blur 99 is out of range", rsp.Stderr);
        Assert.Equal("video", Cli.Run("[suggest:11]", "liveseg vid").Stdout.Trim());
    }

    public void Dispose() => _dir.Dispose();
}
