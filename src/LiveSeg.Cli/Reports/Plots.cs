using System.Globalization;
using LiveSeg.Metrics;
using ScottPlot;

namespace LiveSeg.Cli.Reports;

/// <summary>The report's figures (ScottPlot, drawn by SkiaSharp), as PNG bytes of <see cref="Width"/> x <see cref="Height"/>.</summary>
internal static class Plots
{
    public const int Width = 960, Height = 540;

    private static readonly IPalette s_palette = new ScottPlot.Palettes.Category10();

    /// <summary>
    /// A plot in DejaVu Sans (Debian's fonts-dejavu-core, installed by scripts/install-deps): ScottPlot's SkiaSharp
    /// natives (the NoDependencies build) find fonts under /usr/share/fonts, not through fontconfig.
    /// </summary>
    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        return plot;
    }

    /// <summary>Each stage's time per frame, stacked (so the top edge is the frame's total work), over the run.</summary>
    public static byte[] StagesOverRun(FrameRecord[] records, string title)
    {
        var plot = NewPlot();
        // Long runs are averaged into at most 400 points: every frame still counts, the plot stays readable.
        int n = records.Length, points = Math.Min(n, 400);
        double[] xs = new double[points];
        var lower = new double[points];
        for (int p = 0; p < points; p++)
            xs[p] = (p * n / points + ((p + 1) * n / points) - 1) / 2.0;
        for (int s = 0; s < (int)Stage.EndToEnd; s++)
        {
            var upper = new double[points];
            bool any = false;
            for (int p = 0; p < points; p++)
            {
                int from = p * n / points, to = Math.Max(from + 1, (p + 1) * n / points);
                double sum = 0;
                for (int i = from; i < to; i++)
                    sum += StageInfo.TicksToMs(records[i].Ticks[s]);
                upper[p] = lower[p] + sum / (to - from);
                any |= upper[p] > lower[p];
            }
            if (!any)
                continue;
            var fill = plot.Add.FillY(xs, lower, upper);
            fill.FillColor = s_palette.GetColor(s).WithAlpha(0.85);
            fill.LineWidth = 0;
            fill.LegendText = StageInfo.Names[s];
            lower = upper;
        }
        plot.Title(title);
        plot.XLabel(points < n ? $"frame (mean of every {n / (double)points:0.#} frames)" : "frame");
        plot.YLabel("ms per frame, stages stacked");
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>A histogram of <paramref name="values"/> with vertical lines at the given percentiles.</summary>
    public static byte[] Histogram(double[] values, string title, string xLabel, string unit, Alignment legend, params double[] percentiles)
    {
        var plot = NewPlot();
        double[] sorted = [.. values.Order()];
        double min = sorted[0], max = sorted[^1];
        if (max - min < 1e-9)
            (min, max) = (min - 0.5, max + 0.5);
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(Math.Clamp(sorted.Length / 4, 10, 60), min, max);
        histogram.AddRange(sorted);
        var bars = plot.Add.Bars(histogram.Bins, histogram.Counts);
        foreach (var bar in bars.Bars)
        {
            bar.Size = histogram.FirstBinSize;
            bar.LineWidth = 0;
            bar.FillColor = s_palette.GetColor(0).WithAlpha(0.8);
        }
        for (int i = 0; i < percentiles.Length; i++)
        {
            double v = LatencySummary.Percentile(sorted, percentiles[i]);
            var line = plot.Add.VerticalLine(v, 2, s_palette.GetColor(i + 1), LinePattern.Dashed);
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"p{percentiles[i]:0} = {v.ToString(unit.Length > 0 ? "0.0" : "0.000", CultureInfo.InvariantCulture)} {unit}").TrimEnd();
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("count");
        plot.ShowLegend(legend);
        plot.Axes.Margins(bottom: 0);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Frames per second of each run, grouped by round, one colour per mode (sequential, pipelined).</summary>
    public static byte[] FpsPerRound(IReadOnlyList<ReportRun> runs)
    {
        var plot = NewPlot();
        string[] modes = [.. runs.Select(r => r.Mode).Distinct()];
        int rounds = runs.Max(r => r.Round);
        var bars = new List<Bar>();
        foreach (var run in runs)
        {
            int m = Array.IndexOf(modes, run.Mode);
            bars.Add(new Bar
            {
                Position = (run.Round - 1) * (modes.Length + 1) + m,
                Value = run.Fps,
                FillColor = s_palette.GetColor(m),
                Label = run.Fps.ToString("F1", CultureInfo.InvariantCulture),
            });
        }
        plot.Add.Bars(bars);
        for (int m = 0; m < modes.Length; m++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = modes[m], FillColor = s_palette.GetColor(m) });
        double[] ticks = [.. Enumerable.Range(0, rounds).Select(r => r * (modes.Length + 1) + (modes.Length - 1) / 2.0)];
        string[] labels = [.. Enumerable.Range(1, rounds).Select(r => $"round {r}")];
        plot.Axes.Bottom.SetTicks(ticks, labels);
        plot.Axes.SetLimitsX(-1, Math.Max(3, bars.Max(b => b.Position) + 1));
        plot.Title(modes.Length > 1 ? "sequential vs pipelined: frames per second per round" : $"frames per second ({modes[0]})");
        plot.YLabel("frames per second");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0, top: 0.3);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }
}
