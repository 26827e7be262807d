using LiveSeg.Inference;
using LiveSeg.Rendering;

namespace LiveSeg.Pipeline;

/// <summary>Everything a video run needs, as given by the user.</summary>
public sealed record VideoJob
{
    public required string Input { get; init; }

    public required string Output { get; init; }

    public required ModelSpec Model { get; init; }

    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    public EffectSettings Effect { get; init; } = new();

    public string? BackgroundPath { get; init; }

    /// <summary>Run every stage on one thread, one frame at a time (the baseline for the pipelined mode).</summary>
    public bool Sequential { get; init; }

    /// <summary>ONNX Runtime intra-op threads (0 = ONNX Runtime's default: one per physical core).</summary>
    public int InferenceThreads { get; init; }

    /// <summary>Stop after this many frames (0 = all).</summary>
    public int MaxFrames { get; init; }
}
