using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LiveSeg.Metrics;

/// <summary>The stages of one frame's path, in order. <see cref="EndToEnd"/> is capture stamp → encoded (or shown).</summary>
internal enum Stage
{
    Decode,
    Preprocess,
    Inference,
    Postprocess,

    /// <summary>The people stage: instances split, tracked and the chosen people kept (--person).</summary>
    People,

    /// <summary>Live mode's motion compensation: motion estimated between the mask's frame and the shown one, the mask warped.</summary>
    Motion,
    Upload,
    Refine,
    Composite,
    Readback,

    /// <summary>Auto-framing's crop of the finished picture, scaled back to the frame's size (--autoframe).</summary>
    Crop,
    Encode,
    EndToEnd,
}

/// <summary>Per-stage durations of one frame, in <see cref="Stopwatch"/> ticks; a value type so timing allocates nothing.</summary>
[InlineArray(StageInfo.Count)]
internal struct StageTicks
{
    private long _element0;
}

internal static class StageInfo
{
    public const int Count = 13;

    /// <summary>Column names used in reports and metrics files (snake_case, stable).</summary>
    public static readonly string[] Names =
        ["decode", "preprocess", "inference", "postprocess", "people", "motion", "upload", "refine", "composite", "readback", "crop", "encode", "end_to_end"];

    public static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Timing record carried with a frame through the pipeline.</summary>
internal struct FrameTiming
{
    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the frame was captured (before decode started).</summary>
    public long CaptureTimestamp;

    public StageTicks Ticks;

    public void Reset(long captureTimestamp)
    {
        CaptureTimestamp = captureTimestamp;
        ((Span<long>)Ticks).Clear();
    }

    /// <summary>Adds the time since <paramref name="start"/> to <paramref name="stage"/> and returns now (the next stage's start).</summary>
    public long Add(Stage stage, long start)
    {
        long now = Stopwatch.GetTimestamp();
        Ticks[(int)stage] += now - start;
        return now;
    }
}
