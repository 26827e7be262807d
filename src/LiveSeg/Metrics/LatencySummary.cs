namespace LiveSeg.Metrics;

/// <summary>Mean and percentiles of one stage, in milliseconds.</summary>
internal readonly record struct StageStats(string Stage, double Mean, double P50, double P95, double P99, double Max);

/// <summary>Per-stage latency statistics over a set of frames (computed once, at the end of a run).</summary>
internal static class LatencySummary
{
    public static StageStats[] Compute(ReadOnlySpan<FrameRecord> records)
    {
        var result = new StageStats[StageInfo.Count];
        var values = new double[records.Length];
        for (int s = 0; s < StageInfo.Count; s++)
        {
            for (int i = 0; i < records.Length; i++)
                values[i] = StageInfo.TicksToMs(records[i].Ticks[s]);
            result[s] = Of(StageInfo.Names[s], values);
        }
        return result;
    }

    /// <summary>Statistics of <paramref name="values"/> (sorted in place). Percentiles use linear interpolation between ranks.</summary>
    public static StageStats Of(string stage, double[] values)
    {
        if (values.Length == 0)
            return new StageStats(stage, 0, 0, 0, 0, 0);
        Array.Sort(values);
        double sum = 0;
        foreach (double v in values)
            sum += v;
        return new StageStats(stage, sum / values.Length, Percentile(values, 50), Percentile(values, 95),
            Percentile(values, 99), values[^1]);
    }

    /// <summary>Percentile <paramref name="p"/> (0..100) of sorted values, interpolating linearly between closest ranks.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 1)
            return sorted[0];
        double rank = p / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }

    /// <summary>A fixed-width table: stage, mean, p50, p95, p99, max (ms).</summary>
    public static string FormatTable(StageStats[] stats)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("stage            mean      p50      p95      p99      max   (ms)");
        foreach (var s in stats)
            sb.AppendLine($"{s.Stage,-12} {s.Mean,8:F2} {s.P50,8:F2} {s.P95,8:F2} {s.P99,8:F2} {s.Max,8:F2}");
        return sb.ToString();
    }
}
