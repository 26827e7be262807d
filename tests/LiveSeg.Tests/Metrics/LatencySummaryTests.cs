using LiveSeg.Metrics;

namespace LiveSeg.Tests;

public class LatencySummaryTests
{
    [Fact]
    public void Of_KnownValues_GivesInterpolatedPercentiles()
    {
        double[] v = Enumerable.Range(1, 101).Select(i => (double)i).Reverse().ToArray(); // 1..101
        var s = LatencySummary.Of("x", v);
        Assert.Equal(51, s.Mean, 9);
        Assert.Equal(51, s.P50, 9);
        Assert.Equal(96, s.P95, 9);
        Assert.Equal(100, s.P99, 9);
        Assert.Equal(101, s.Max, 9);
    }

    [Fact]
    public void MetricsWriter_CsvAndJson_HoldEveryFrameAndTheSummary()
    {
        using var dir = new TempDir();
        var rec = new MetricsRecorder(2);
        rec.Start();
        for (int i = 0; i < 3; i++)
        {
            var t = new FrameTiming();
            t.Reset(System.Diagnostics.Stopwatch.GetTimestamp());
            t.Ticks[(int)Stage.Inference] = System.Diagnostics.Stopwatch.Frequency / 1000 * (i + 1); // 1, 2, 3 ms
            rec.Add(i, ref t);
        }
        rec.Stop();
        var info = new RunInfo("in", "out", "m", "CPU", "blur", "pipelined", 4, 4, 30, 3, 1, 3, false);
        MetricsWriter.Write(dir.File("m.csv"), info, rec.Records);
        string[] lines = File.ReadAllLines(dir.File("m.csv"));
        Assert.Equal(1 + 3 + 5, lines.Length);
        Assert.StartsWith("kind,frame,decode_ms", lines[0]);
        Assert.StartsWith("frame,2,", lines[3]);
        Assert.Contains(",2.0000,", lines[4]); // mean inference = 2 ms
        MetricsWriter.Write(dir.File("m.json"), info, rec.Records);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("m.json")));
        Assert.Equal(3, doc.RootElement.GetProperty("frames").GetArrayLength());
        Assert.Equal(3.0, doc.RootElement.GetProperty("summary_ms").GetProperty("inference").GetProperty("max").GetDouble(), 3);
        Assert.Equal("pipelined", doc.RootElement.GetProperty("run").GetProperty("mode").GetString());
    }
}
