using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Rendering;

namespace LiveSeg.Pipeline;

/// <summary>Everything a live session needs, as given by the user.</summary>
public sealed record LiveOptions
{
    /// <summary>Opens the source (camera or file); called again to reconnect a camera or loop a file.</summary>
    public required Func<IFrameSource> OpenSource { get; init; }

    /// <summary>"camera 0" or the file name, for messages.</summary>
    public required string SourceName { get; init; }

    public bool IsCamera { get; init; }

    /// <summary>File input: deliver frames at the file's frame rate, dropping when behind (like a camera).</summary>
    public bool Realtime { get; init; }

    /// <summary>File input: start again at the end.</summary>
    public bool Loop { get; init; }

    /// <summary>Show each frame only with its own mask (more latency, no misalignment).</summary>
    public bool Sync { get; init; }

    /// <summary>Models that M cycles through; the first runs at start.</summary>
    public required IReadOnlyList<ModelSpec> Models { get; init; }

    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>ONNX Runtime intra-op threads (0 = ONNX Runtime's default).</summary>
    public int InferenceThreads { get; init; }

    public EffectSettings Effect { get; init; } = new();

    /// <summary>Background images that B cycles through (the built-in gradient comes after them).</summary>
    public IReadOnlyList<string> Backgrounds { get; init; } = [];

    public bool VSync { get; init; } = true;

    /// <summary>Exit after this many displayed frames (0 = run until closed).</summary>
    public int MaxFrames { get; init; }

    /// <summary>Save the window (with HUD) as PNG when the loop ends.</summary>
    public string? ScreenshotPath { get; init; }

    /// <summary>Where S and R put screenshots and recordings.</summary>
    public string OutputFolder { get; init; } = ".";
}
