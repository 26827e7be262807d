using System.CommandLine;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Models;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary>--model and --manifest, for every command that runs a model (video, live, bench, image, eval).</summary>
internal sealed class ModelOptions
{
    public ModelOptions(string defaultModel, string names)
    {
        Model = Opt.TextOr("--model", $"{names}, or an .onnx file", "NAME|FILE", defaultModel, "-m");
        // Evaluated on Tab only, so building the command tree (every start) does not touch the catalogue.
        Model.CompletionSources.Add(_ => ModelCatalogue.Entries.Keys);
    }

    public Option<string> Model { get; }

    public Option<string?> Manifest { get; } = Opt.Text("--manifest", "the model's manifest (default: FILE.json beside FILE.onnx)", "FILE.json");

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Manifest);
    }

    /// <summary>Finds the model and reads its manifest (file errors are one-line user errors).</summary>
    public ModelSpec Resolve(ParseResult r) =>
        ModelCatalogue.Resolve(r.GetValue(Model)!, r.GetValue(Manifest), message => Console.Error.WriteLine($"liveseg: {message}"));
}

/// <summary>--device and --threads: where inference runs.</summary>
internal sealed class DeviceOptions
{
    private static readonly int s_maxThreads = 4 * Environment.ProcessorCount;

    public Option<string> Device { get; } = Opt.Checked("--device", "auto: TensorRT → CUDA → CPU, the first that works", "auto|cpu|cuda|tensorrt",
        v => ExecutionProviders.Parse(v), "auto", ["auto", "cpu", "cuda", "tensorrt"]);

    public Option<int> Threads { get; } = Opt.Int("--threads", "ONNX Runtime intra-op threads", 0, 0, s_maxThreads,
        $"0 = auto: one per core, or 1 in a pipelined run on ≤ {LiveSeg.Pipeline.ThreadBudget.FewCores} cores; up to {s_maxThreads}");

    public DeviceChoice Read(ParseResult r) => ExecutionProviders.Parse(r.GetValue(Device)!);

    public void AddTo(Command command, bool threads = true)
    {
        command.Add(Device);
        if (threads)
            command.Add(Threads);
    }
}

/// <summary>
/// The effect and its settings (video, live, bench): one definition, one set of ranges. The effect names and each
/// effect's number settings (option, range, default) come from the engine's effect registry.
/// </summary>
internal sealed class EffectOptions
{
    public EffectOptions()
    {
        foreach (EffectNumber n in EffectRegistry.Numbers)
        {
            Option option = n.Whole
                ? Opt.Int(n.Option, n.Description, (int)n.Default, (int)n.Min, (int)n.Max, n.RangeText)
                : Opt.Float(n.Option, n.Description, n.Default, n.Min, n.Max, n.RangeText);
            _numbers.Add((n, option));
        }
    }

    private readonly List<(EffectNumber Setting, Option Option)> _numbers = [];

    public Option<string> Effect { get; } = Opt.Checked("--effect", "how the mask is used (alpha, video only: the person over a transparent background)",
        string.Join('|', [.. EffectRegistry.Names, "alpha"]),
        v => IsAlphaName(v) ? EffectKind.Mask : EffectSettings.ParseEffect(v), "blur", [.. EffectRegistry.Names, "alpha"], "-e");

    private static bool IsAlphaName(string v) => v.Trim().Equals("alpha", StringComparison.OrdinalIgnoreCase);

    /// <summary>--effect alpha: the frame with the mask as its alpha channel (composited as the mask effect, written as BGRA).</summary>
    public bool IsAlpha(ParseResult r) => IsAlphaName(r.GetValue(Effect)!);

    /// <summary>A command that shows or streams frames cannot keep alpha: a one-line error there.</summary>
    public void RefuseAlpha(ParseResult r, string command)
    {
        if (IsAlpha(r))
            Throw.User($"--effect alpha writes a transparent background to a file, which 'liveseg {command}' does not: use 'liveseg video IN -o out.mov --effect alpha', or --effect mask here.");
    }

    public Option<string> Color { get; } = Opt.Checked("--color", "tint/outline colour (default #20e080)", "#RRGGBB", v => Rgb.Parse(v), null, []);

    /// <summary>The option of an effect's number setting, by its name ("--blur").</summary>
    public Option Number(string option) => _numbers.Single(n => n.Option.Name == option).Option;

    public Option<float> Smooth { get; } = Opt.Float("--smooth", "temporal smoothing: weight of the previous mask where the picture is still (none where it moves)", 0.95f, 0f, 0.98f, "0 = off .. 0.98");

    public Option<string> Refine { get; } = RefineOption.Create();

    public Option<string?> Background { get; } = Opt.Text("--background",
        "replace: background image or video (looped, at the output's timing), scaled to cover (default: a soft gradient); live takes FILE[,FILE] and B cycles them", "IMAGE|VIDEO");

    public void AddTo(Command command)
    {
        command.Add(Effect);
        command.Add(Color);
        foreach (var (_, option) in _numbers)
            command.Add(option);
        command.Add(Smooth);
        command.Add(Refine);
        command.Add(Background);
    }

    public EffectSettings Read(ParseResult r)
    {
        var settings = new EffectSettings
        {
            Effect = IsAlpha(r) ? EffectKind.Mask : EffectSettings.ParseEffect(r.GetValue(Effect)!),
            Color = r.GetValue(Color) is { } color ? Rgb.Parse(color) : null,
            Refine = EffectSettings.ParseRefine(r.GetValue(Refine)!),
        };
        foreach (var (n, option) in _numbers)
            settings = n.With(settings, option is Option<int> whole ? r.GetValue(whole) : r.GetValue((Option<float>)option));
        return settings.Validated();
    }

    public MaskSettings ReadMask(ParseResult r) => new MaskSettings { Smoothing = r.GetValue(Smooth) }.Validated();
}

/// <summary>--renderer and --render-threads (video, bench, live): which compositor draws the effect.</summary>
internal static class RenderOptions
{
    public static Option<string> Renderer { get; } = Opt.Checked("--renderer",
        "which compositor draws the effect: auto (OpenGL on a GPU; the CPU renderer where OpenGL is software, or for video and bench missing), gl (OpenGL shaders), cpu (the CPU renderer; live mode still shows its frames through OpenGL)",
        "auto|gl|cpu", v => RendererChoice.Parse(v), "auto", ["auto", "gl", "cpu"]);

    public static Option<int> Threads { get; } = Opt.Int("--render-threads", "the CPU renderer's threads", 0, 0, 64,
        $"0 = auto: one per core (at most 4), or 1 in a pipelined run on ≤ {LiveSeg.Pipeline.ThreadBudget.FewCores} cores; up to 64");

    public static void AddTo(Command command)
    {
        command.Add(Renderer);
        command.Add(Threads);
        command.Validators.Add(r =>
        {
            if (string.Equals(r.GetValue(Renderer), "gl", StringComparison.OrdinalIgnoreCase) && r.GetValue(Threads) is > 0 and int n)
                r.AddError($"--render-threads {n} sets the CPU renderer's threads, but --renderer gl draws with OpenGL: drop one of them.");
        });
    }
}

/// <summary>--refine: one definition for the compositing commands and for image / eval (which must measure what video shows).</summary>
internal static class RefineOption
{
    public static Option<string> Create() => Opt.Checked("--refine", "mask edges guided by the frame: auto (bilateral on a GPU, off on software OpenGL; image/eval: bilateral), joint bilateral, fast guided filter, or off (bilinear)",
        "auto|bilateral|guided|off", v => EffectSettings.ParseRefine(v), "auto", ["auto", "bilateral", "guided", "off"]);
}

/// <summary>The options video, bench and live share: model, effect, device and threads, defined once.</summary>
internal sealed class SharedOptions
{
    public ModelOptions Model { get; } = new("body", "body, body-landscape, nevus");

    public EffectOptions Effect { get; } = new();

    public DeviceOptions Device { get; } = new();

    public void AddTo(Command command)
    {
        Model.AddTo(command);
        Effect.AddTo(command);
        Device.AddTo(command);
    }

    /// <summary>The validated values of a parse (model resolved: its file is read here).</summary>
    /// <summary>The model (with device and inference threads), the mask smoothing and the effect, validated.</summary>
    public sealed record Values(ModelSettings Model, MaskSettings Mask, EffectSettings Effect);

    public Values Read(ParseResult r) =>
        new(new ModelSettings(Model.Resolve(r), Device.Read(r), r.GetValue(Device.Threads)), Effect.ReadMask(r), Effect.Read(r));
}
