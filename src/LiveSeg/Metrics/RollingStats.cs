using System.Diagnostics;

namespace LiveSeg.Metrics;

/// <summary>
/// The last <see cref="Capacity"/> displayed frames (timings + display time), for a live HUD: per-stage p50/p95 over
/// the last second, frames per second, and a history of end-to-end latencies for a graph. Buffers are allocated once;
/// <see cref="Add"/> and <see cref="Compute"/> allocate nothing.
/// </summary>
internal sealed class RollingStats
{
    public const int Capacity = 240;
    private readonly StageTicks[] _ticks = new StageTicks[Capacity];
    private readonly long[] _shownAt = new long[Capacity];
    private readonly double[] _scratch = new double[Capacity];
    private int _next;
    private int _count;

    /// <summary>Per-stage p50 of the frames shown in the last second (ms), valid after <see cref="Compute"/>.</summary>
    public double[] P50 { get; } = new double[StageInfo.Count];

    /// <summary>Per-stage p95 of the frames shown in the last second (ms).</summary>
    public double[] P95 { get; } = new double[StageInfo.Count];

    /// <summary>Frames shown in the last second.</summary>
    public double Fps { get; private set; }

    public long Total { get; private set; }

    public void Add(StageTicks ticks, long shownAt)
    {
        _ticks[_next] = ticks;
        _shownAt[_next] = shownAt;
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
        Total++;
    }

    /// <summary>End-to-end latency (ms) of the i-th most recent frame, i = 0 the newest; NaN past the history.</summary>
    public double RecentLatency(int i) =>
        i < _count ? StageInfo.TicksToMs(_ticks[(_next - 1 - i + Capacity) % Capacity][(int)Stage.EndToEnd]) : double.NaN;

    public void Compute()
    {
        long now = Stopwatch.GetTimestamp();
        long window = Stopwatch.Frequency;
        int n = 0;
        for (int s = 0; s < StageInfo.Count; s++)
        {
            n = 0;
            for (int k = 0; k < _count; k++)
            {
                int i = (_next - 1 - k + Capacity) % Capacity;
                if (now - _shownAt[i] > window)
                    break;
                _scratch[n++] = StageInfo.TicksToMs(_ticks[i][s]);
            }
            Span<double> values = _scratch.AsSpan(0, n);
            values.Sort();
            P50[s] = n == 0 ? 0 : Percentile(values, 50);
            P95[s] = n == 0 ? 0 : Percentile(values, 95);
        }
        Fps = n;
    }

    /// <summary>Percentile <paramref name="p"/> (0..100) of sorted values, interpolated between ranks.</summary>
    internal static double Percentile(Span<double> sorted, double p)
    {
        double rank = p / 100.0 * (sorted.Length - 1);
        int lo = (int)rank;
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
