namespace LiveSeg.Metrics;

/// <summary>
/// How old the mask was when each newly shown frame was drawn, in frames (shown frame's index − the mask's frame's)
/// and milliseconds (the two frames' timestamps apart), over the newest <see cref="Capacity"/> shown frames: p50/p95
/// of the newest <see cref="RecentCount"/> for the HUD, of all kept for the summary. Arrays are made once;
/// <see cref="Add"/> and the percentiles allocate nothing. One thread (the GL loop).
/// </summary>
internal sealed class MaskAgeStats
{
    public const int Capacity = 4096;

    /// <summary>Shown frames the HUD's figures cover (about two seconds at 30 fps).</summary>
    public const int RecentCount = 60;

    private readonly double[] _frames = new double[Capacity];
    private readonly double[] _ms = new double[Capacity];
    private readonly double[] _scratch = new double[Capacity];
    private int _next;

    public int Count { get; private set; }

    public void Add(int frames, double ms)
    {
        _frames[_next] = frames;
        _ms[_next] = ms;
        _next = (_next + 1) % Capacity;
        Count = Math.Min(Count + 1, Capacity);
    }

    /// <summary>p50 and p95 of the age in frames over the newest <paramref name="newest"/> (all kept: <see cref="Capacity"/>); 0 before any.</summary>
    public (double P50, double P95) Frames(int newest = Capacity) => Percentiles(_frames, newest);

    /// <summary>p50 and p95 of the age in milliseconds over the newest <paramref name="newest"/>.</summary>
    public (double P50, double P95) Milliseconds(int newest = Capacity) => Percentiles(_ms, newest);

    private (double, double) Percentiles(double[] values, int newest)
    {
        int n = Math.Min(newest, Count);
        if (n == 0)
            return (0, 0);
        for (int k = 0; k < n; k++)
            _scratch[k] = values[(_next - 1 - k + Capacity) % Capacity];
        Span<double> sorted = _scratch.AsSpan(0, n);
        sorted.Sort();
        return (RollingStats.Percentile(sorted, 50), RollingStats.Percentile(sorted, 95));
    }
}
