using System.Diagnostics;

namespace LiveSeg.Output;

/// <summary>
/// Turns frames that arrive at irregular times into a constant-rate stream that plays at true speed: output frame k
/// shows at k / fps seconds after the first frame, and each arriving frame fills the output frames from the last one
/// written up to its own time — duplicated across a gap (a stall, a dropped frame), skipped when it comes before its
/// slot is due (more frames than the rate). Pure arithmetic on timestamps, so tests drive it with made-up times.
/// </summary>
internal sealed class ConstantRate(double fps, long frequency)
{
    private long _first = -1;

    public ConstantRate(double fps)
        : this(fps, Stopwatch.Frequency)
    {
    }

    public double Fps { get; } = fps;

    /// <summary>Output frames so far.</summary>
    public long Written { get; private set; }

    /// <summary>Arrived frames that were not written (they came before their slot).</summary>
    public long Skipped { get; private set; }

    /// <summary>Extra copies written to fill gaps.</summary>
    public long Duplicated { get; private set; }

    /// <summary>How many times to write the frame captured at <paramref name="timestamp"/> (0: skip it).</summary>
    public int Copies(long timestamp)
    {
        if (_first < 0)
            _first = timestamp;
        long slot = (long)Math.Round((timestamp - _first) / (double)frequency * Fps);
        int copies = (int)Math.Max(0, slot + 1 - Written);
        if (copies == 0)
            Skipped++;
        else
            Duplicated += copies - 1;
        Written += copies;
        return copies;
    }

    /// <summary>Copies of the last frame that make the stream last until <paramref name="endTimestamp"/> (the stop).</summary>
    public int Tail(long endTimestamp)
    {
        if (_first < 0)
            return 0;
        long total = (long)Math.Round((endTimestamp - _first) / (double)frequency * Fps);
        int copies = (int)Math.Max(0, total - Written);
        Written += copies;
        Duplicated += copies;
        return copies;
    }
}
