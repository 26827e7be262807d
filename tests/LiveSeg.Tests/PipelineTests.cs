using LiveSeg.Metrics;
using LiveSeg.Threading;

namespace LiveSeg.Tests;

public class BoundedQueueTests
{
    [Fact]
    public void Queue_AcrossThreads_KeepsOrderAndDropsNothing()
    {
        var q = new BoundedQueue<string>(2);
        var producer = new Thread(() =>
        {
            for (int i = 0; i < 1000; i++)
                q.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            q.Complete();
        });
        producer.Start();
        var got = new List<string>();
        while (q.TryTake(out var s))
            got.Add(s);
        producer.Join();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), got);
    }

    [Fact]
    public void Abort_ReleasesBlockedAdd()
    {
        var q = new BoundedQueue<string>(1);
        q.Add("a");
        bool? added = null;
        var t = new Thread(() => added = q.Add("b"));
        t.Start();
        // Wait until the adder is blocked in the full queue (a condition, not a guessed delay).
        Assert.True(SpinWait.SpinUntil(() => (t.ThreadState & ThreadState.WaitSleepJoin) != 0, 60_000));
        q.Abort();
        t.Join();
        Assert.False(added);
        Assert.False(q.TryTake(out _));
    }
}

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

public class MaskScoresTests
{
    private static byte[] Mask(string rows) => rows.Where(c => c is '#' or '.').Select(c => c == '#' ? (byte)255 : (byte)0).ToArray();

    [Fact]
    public void Of_HandMadeMasks_GivesDiceJaccardAccuracy()
    {
        byte[] truth = Mask("####.... ####.... ........ ........"); // 8 px
        byte[] pred = Mask("..####.. ..####.. ........ ........");  // 8 px, 4 overlap
        var s = LiveSeg.Evaluation.MaskScores.Of(pred, truth);
        Assert.Equal(2.0 * 4 / (8 + 8), s.Dice, 12);
        Assert.Equal(4.0 / 12, s.Jaccard, 12);
        Assert.Equal(24.0 / 32, s.Accuracy, 12);
        Assert.Equal((8L, 8L, 32L), (s.Predicted, s.Truth, s.Pixels));
    }

    [Fact]
    public void Of_IdenticalAndBothEmpty_ArePerfect_DisjointIsZero()
    {
        byte[] a = Mask("##.. ##..");
        Assert.Equal(1.0, LiveSeg.Evaluation.MaskScores.Of(a, a).Dice);
        byte[] empty = Mask(".... ....");
        var e = LiveSeg.Evaluation.MaskScores.Of(empty, empty);
        Assert.Equal((1.0, 1.0, 1.0), (e.Dice, e.Jaccard, e.Accuracy));
        var d = LiveSeg.Evaluation.MaskScores.Of(a, Mask("..## ..##"));
        Assert.Equal((0.0, 0.0, 0.0), (d.Dice, d.Jaccard, d.Accuracy));
    }
}
