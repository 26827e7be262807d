using System.Net;
using System.Text.Json;
using LiveSeg.Live;
using LiveSeg.Metrics;
using LiveSeg.Output;

namespace LiveSeg.Tests;

/// <summary>
/// The stream page's figures, refreshed by the loop twice a second: the refresh (the outputs' summary and the JSON)
/// allocates nothing on the loop's thread; readers on other threads get the last complete JSON, one string per rewrite.
/// </summary>
public sealed class LiveStatusTests
{
    /// <summary>An output whose drops the test sets.</summary>
    private sealed class CountingSink : IFrameSink
    {
        public string Name => "counting";

        public long Delivered => 0;

        public long Dropped { get; set; }

        public Exception? Failure => null;

        public void Offer(OpenCvSharp.Mat frame, long captureTimestamp)
        {
        }

        public void Dispose()
        {
        }
    }

    private static void Update(LiveStatus status, RollingStats stats, long captured, ReadOnlySpan<char> outputs, MotionComp? motion = null,
        SteadinessMeter? steadiness = null) =>
        status.Update(stats, "model", "cpu", "blur r12", captured, 3, outputs, motion, steadiness);

    [Fact]
    public void Refresh_NewFiguresEachTime_AllocatesNothing()
    {
        using var stream = new MjpegStreamSink(new IPEndPoint(IPAddress.Loopback, 0), 80, 0, () => "{}");
        var other = new CountingSink();
        var summary = new OutputsSummary([stream, other]);
        var status = new LiveStatus();
        var stats = new RollingStats();
        var motion = new MotionComp(MotionCompMode.Auto, sync: false, 96, 64, 30);
        var steadiness = new SteadinessMeter(96, 64);
        void Refresh(int i)
        {
            other.Dropped = i; // the text changes at every refresh
            stats.Compute();
            Update(status, stats, 1000 + i, summary.Refresh(), motion, steadiness);
        }
        for (int i = 0; i < 20; i++)
            Refresh(i);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 20; i < 70; i++)
            Refresh(i);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} B for 50 refreshes");
        using var json = JsonDocument.Parse(status.Json);
        Assert.Equal(1069, json.RootElement.GetProperty("captured").GetInt64());
        Assert.Equal("outputs dropped: stream 0 69", json.RootElement.GetProperty("outputs").GetString());
        Assert.Equal(motion.Describe(), json.RootElement.GetProperty("motion_comp").GetString());
        Assert.Equal(JsonValueKind.Object, json.RootElement.GetProperty("steadiness").ValueKind);
    }

    [Fact]
    public void OutputsSummary_TheDrops_HudStringMadeOnlyAfterAChange()
    {
        var (a, b) = (new CountingSink { Dropped = 2 }, new CountingSink());
        var summary = new OutputsSummary([a, b]);
        Assert.Null(summary.Text); // before the first refresh: no line on the HUD
        Assert.Equal("outputs dropped: 2 0", summary.Refresh().ToString());
        string first = summary.Text!;
        Assert.Equal("outputs dropped: 2 0", first);
        summary.Refresh();
        Assert.Same(first, summary.Text);
        b.Dropped = long.MaxValue;
        summary.Refresh();
        Assert.Equal($"outputs dropped: 2 {long.MaxValue}", summary.Text);
        Assert.True(new OutputsSummary([]).Refresh().IsEmpty);
    }

    [Fact]
    public void Json_OneStringPerRewrite_UnchangedFiguresKeepIt()
    {
        var status = new LiveStatus();
        Assert.Equal("{}", status.Json); // before the first refresh
        var stats = new RollingStats();
        stats.Compute();
        Update(status, stats, 10, "");
        string first = status.Json;
        Assert.Same(first, status.Json);
        Update(status, stats, 10, "");
        Assert.Same(first, status.Json);
        Update(status, stats, 11, "");
        Assert.NotSame(first, status.Json);
        Assert.Equal(11, JsonDocument.Parse(status.Json).RootElement.GetProperty("captured").GetInt64());
    }

    [Fact]
    public void Json_ReadWhileRewritten_AlwaysComplete_NeverOlderThanBefore()
    {
        var status = new LiveStatus();
        var stats = new RollingStats();
        stats.Compute();
        Update(status, stats, 0, "");
        const int Rewrites = 20_000;
        using var done = new ManualResetEventSlim(false);
        using var reading = new ManualResetEventSlim(false);
        Exception? failure = null;
        var reader = new Thread(() =>
        {
            try
            {
                long last = 0;
                do
                {
                    // The outputs' text grows with the figure, so a torn copy would not parse or would not match.
                    using var json = JsonDocument.Parse(status.Json);
                    long captured = json.RootElement.GetProperty("captured").GetInt64();
                    Assert.Equal(new string('x', (int)(captured % 300)), json.RootElement.GetProperty("outputs").GetString());
                    Assert.True(captured >= last, $"read {captured} after {last}");
                    last = captured;
                    reading.Set();
                }
                while (!done.IsSet);
            }
            catch (Exception e)
            {
                failure = e;
                reading.Set();
            }
        });
        reader.Start();
        Assert.True(reading.Wait(TimeSpan.FromSeconds(60)), "hang guard: the reader never read");
        for (int i = 1; i <= Rewrites && failure is null; i++)
            Update(status, stats, i, new string('x', i % 300));
        done.Set();
        reader.Join();
        Assert.True(failure is null, $"the reader: {failure}");
        Assert.Equal(Rewrites, JsonDocument.Parse(status.Json).RootElement.GetProperty("captured").GetInt64());
    }
}
