using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using LiveSeg.Threading;

namespace LiveSeg.Live;

/// <summary>Everything a live session needs, as given by the user, in small groups of settings.</summary>
internal sealed record LiveOptions
{
    /// <summary>Camera or file, paced, looped.</summary>
    public required SourceOptions Source { get; init; }

    /// <summary>The model at start, with the device and inference threads every model uses.</summary>
    public required ModelSettings Model { get; init; }

    /// <summary>Models that M cycles through (the first is <see cref="Model"/>'s).</summary>
    public IReadOnlyList<ModelSpec> Models { get; init; } = [];

    public MaskSettings Mask { get; init; } = new();

    public EffectSettings Effect { get; init; } = new();

    /// <summary>Background images and videos that B cycles through (the built-in gradient comes after them).</summary>
    public IReadOnlyList<string> Backgrounds { get; init; } = [];

    /// <summary>Which compositor draws the effect (auto: shaders on a GPU, the CPU renderer where OpenGL is software).</summary>
    public RendererKind Renderer { get; init; }

    /// <summary>The CPU renderer's threads (0: <see cref="RendererChoice.DefaultCpuThreads"/>).</summary>
    public int RenderThreads { get; init; }

    /// <summary>
    /// The people stage (<c>--person</c>, any value, all included): runs on the inference thread after segmentation; the
    /// HUD shows the people's ids, a click locks one person, A keeps all again. Null: no people stage (clicks say how to get one).
    /// </summary>
    public People.PeopleSettings? People { get; init; }

    /// <summary>Show each frame only with its own mask (more latency, no misalignment).</summary>
    public bool Sync { get; init; }

    public bool VSync { get; init; } = true;

    /// <summary>Warp an older mask to the newer frame it is drawn over (auto: in latest-wins mode); the steadiness meter runs unless off.</summary>
    public MotionCompMode MotionComp { get; init; }

    /// <summary>No window (<c>--no-window</c>): a headless EGL context; the frames go only to the outputs.</summary>
    public bool Headless { get; init; }

    /// <summary>
    /// Opens the outputs besides the window (stream, virtual camera) once the source's width, height and frame rate are
    /// known; they run the whole session. Null: none.
    /// </summary>
    public Func<int, int, double, IReadOnlyList<IFrameSink>>? OpenOutputs { get; init; }

    /// <summary>The HUD's figures for readers off the GL thread (the stream's page), updated twice a second when there are outputs.</summary>
    public LiveStatus Status { get; init; } = new();

    /// <summary>Exit after this many displayed frames (0 = run until closed).</summary>
    public int MaxFrames { get; init; }

    /// <summary>Save the window (with HUD) as PNG when the loop ends.</summary>
    public string? ScreenshotPath { get; init; }

    /// <summary>Where S and R put screenshots and recordings.</summary>
    public string OutputFolder { get; init; } = ".";

    /// <summary>Show the HUD at start (H toggles it).</summary>
    public bool ShowHud { get; init; } = true;

    /// <summary>Start recording with the first frame (as if R were pressed at once).</summary>
    public bool RecordFromStart { get; init; }

    /// <summary>The clock pacing and reconnection wait on, and the stream page's figures are refreshed by (a fake one in tests).</summary>
    public IClock Clock { get; init; } = SystemClock.Instance;
}
