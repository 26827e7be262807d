using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Rendering;

namespace LiveSeg.Pipeline;

/// <summary>Everything a video run needs, as given by the user, in small groups of settings.</summary>
internal sealed record VideoSettings
{
    public required string Input { get; init; }

    public required string Output { get; init; }

    /// <summary>Model, execution provider, inference threads.</summary>
    public required ModelSettings Model { get; init; }

    /// <summary>Temporal smoothing of the mask.</summary>
    public MaskSettings Mask { get; init; } = new();

    public EffectSettings Effect { get; init; } = new();

    public string? BackgroundPath { get; init; }

    /// <summary>Which people the mask keeps, and how they are found (null: everyone, no detection).</summary>
    public LiveSeg.People.PeopleSettings? People { get; init; }

    /// <summary>Which compositor draws the effect (auto: OpenGL on a GPU, the CPU renderer where OpenGL is software).</summary>
    public RendererKind Renderer { get; init; }

    /// <summary>The CPU renderer's threads (0: <see cref="RendererChoice.DefaultCpuThreads"/>).</summary>
    public int RenderThreads { get; init; }

    /// <summary>Run every stage on one thread, one frame at a time (the baseline for the pipelined mode).</summary>
    public bool Sequential { get; init; }

    /// <summary>Stop after this many frames (0 = all).</summary>
    public int MaxFrames { get; init; }

    /// <summary>Codec, encoder, quality and sound of the output.</summary>
    public LiveSeg.Media.EncodeSettings Encode { get; init; } = new();

    /// <summary>Write the person over a transparent background (the frame with the mask as its alpha) instead of an effect.</summary>
    public bool Alpha { get; init; }

    /// <summary>Also write the mask itself (8-bit grey, frame size, lossless by default) to this file, frame for frame.</summary>
    public string? MattePath { get; init; }

    /// <summary>An image-sequence input with a gap is read up to the gap with a warning (false: an error before any work).</summary>
    public bool AllowGaps { get; init; }

    /// <summary>The frames to process, 0-based (default: all); frames before the start are read and smoothed first (<see cref="WarmUp"/>).</summary>
    public LiveSeg.Capture.FrameRange Range { get; init; } = LiveSeg.Capture.FrameRange.All;

    /// <summary>
    /// Frames before <see cref="Range"/>'s start that are segmented (not drawn or written), so that the smoothed masks —
    /// and so every output frame — equal a run from the first frame (<see cref="TemporalSmoother.WarmUpFrames"/>).
    /// </summary>
    public int WarmUp => Range.Start == 0 ? 0 : Math.Min(Range.Start, TemporalSmoother.WarmUpFrames(Mask.Smoothing, EdgeGain(Effect)));

    /// <summary>The steepest slope of the mapping from mask to picture: a feathered matte's smoothstep, the outline's 0.4..0.6 step.</summary>
    private static double EdgeGain(EffectSettings e) =>
        Math.Max(e.Feather > 0 ? 0.75 / e.Feather : 1.0, e.Effect == EffectKind.Outline ? 7.5 : 1.0);

    /// <summary>Every file the run reads, for the same-file checks of everything it writes (output, metrics, reports).</summary>
    public IEnumerable<LiveSeg.IO.InputFile> Inputs =>
    [
        new(Input, "input video"), new(Model.Model.OnnxPath, "model"), new(Model.Model.ManifestPath, "model manifest"),
        new(BackgroundPath, "background image"), new(People?.DetectorPath, "face detector"),
    ];
}
