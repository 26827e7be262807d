using System.Diagnostics;

namespace LiveSeg.Metrics;

/// <summary>One finished frame: its index in the source and its stage timings.</summary>
internal readonly record struct FrameRecord(int Index, StageTicks Ticks);

/// <summary>
/// Keeps finished frames' records. A file run keeps every record, in a buffer sized once from the expected frame
/// count (it doubles only if a source delivers more frames than it announced). A bounded recorder (live mode, which
/// may run for days) keeps the newest <c>capacity</c> records in a ring, so its memory never grows. Written by one
/// thread (the last stage); <see cref="Count"/> may be read from any thread for progress.
/// </summary>
internal sealed class MetricsRecorder
{
    private readonly bool _bounded;
    private FrameRecord[] _records;
    private int _count;
    private long _startTimestamp;
    private long _endTimestamp;

    public MetricsRecorder(int expectedFrames) => _records = new FrameRecord[Math.Max(16, expectedFrames)];

    private MetricsRecorder(int capacity, bool bounded)
        : this(capacity) => _bounded = bounded;

    /// <summary>A recorder that keeps only the newest <paramref name="capacity"/> records (for runs of unknown length).</summary>
    public static MetricsRecorder Bounded(int capacity) => new(capacity, bounded: true);

    /// <summary>Frames recorded since the start (a bounded recorder holds only the newest of them).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The records held: all of them, or for a bounded recorder the newest (in ring order).</summary>
    public ReadOnlySpan<FrameRecord> Records => _records.AsSpan(0, Math.Min(_count, _records.Length));

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
        if (_count == _records.Length && !_bounded)
            Array.Resize(ref _records, _records.Length * 2);
        _records[_count % _records.Length] = new FrameRecord(index, timing.Ticks);
        Volatile.Write(ref _count, _count + 1);
    }
}
