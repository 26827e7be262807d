using System.Diagnostics;

namespace LiveSeg.Metrics;

/// <summary>One finished frame: its index in the source and its stage timings.</summary>
public readonly record struct FrameRecord(int Index, StageTicks Ticks);

/// <summary>
/// Keeps every finished frame's record in a buffer sized once from the expected frame count (it doubles only if a
/// source delivers more frames than it announced). Written by one thread (the last stage); <see cref="Count"/> may be
/// read from any thread for progress.
/// </summary>
public sealed class MetricsRecorder
{
    private FrameRecord[] _records;
    private int _count;
    private long _startTimestamp;
    private long _endTimestamp;

    public MetricsRecorder(int expectedFrames) => _records = new FrameRecord[Math.Max(16, expectedFrames)];

    public int Count => Volatile.Read(ref _count);

    public ReadOnlySpan<FrameRecord> Records => _records.AsSpan(0, _count);

    public void Start() => _startTimestamp = Stopwatch.GetTimestamp();

    public void Stop() => _endTimestamp = Stopwatch.GetTimestamp();

    public double ElapsedSeconds =>
        ((_endTimestamp == 0 ? Stopwatch.GetTimestamp() : _endTimestamp) - _startTimestamp) / (double)Stopwatch.Frequency;

    /// <summary>Frames per second over the whole run (wall clock from <see cref="Start"/>).</summary>
    public double FramesPerSecond => Count / Math.Max(ElapsedSeconds, 1e-9);

    /// <summary>Records a finished frame; stamps end-to-end latency from its capture time to now.</summary>
    public void Add(int index, ref FrameTiming timing)
    {
        timing.Ticks[(int)Stage.EndToEnd] = Stopwatch.GetTimestamp() - timing.CaptureTimestamp;
        if (_count == _records.Length)
            Array.Resize(ref _records, _records.Length * 2);
        _records[_count] = new FrameRecord(index, timing.Ticks);
        Volatile.Write(ref _count, _count + 1);
    }
}
