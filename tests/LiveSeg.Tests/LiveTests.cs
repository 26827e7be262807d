using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>Latest-wins scheduling (the mailboxes between live mode's threads) with a slow consumer.</summary>
public class MailboxTests
{
    private sealed class Item
    {
        public long Stamp;
        public int Index;
    }

    [Fact]
    public void SlowConsumer_GetsTheNewestItem_LatencyStaysBounded_DropsAreCounted()
    {
        var box = new Mailbox<Item>(new Item());
        bool stop = false;
        var producer = new Thread(() =>
        {
            var mine = new Item();
            for (int i = 0; !Volatile.Read(ref stop); i++)
            {
                mine.Stamp = Stopwatch.GetTimestamp();
                mine.Index = i;
                mine = box.Publish(mine);
                Thread.Sleep(5); // a 200 fps source
            }
        });
        producer.Start();
        var item = new Item();
        var ages = new List<double>();
        int lastIndex = -1;
        while (ages.Count < 30)
        {
            Assert.True(box.WaitTake(ref item, 1000), "no item within a second");
            Assert.True(item.Index > lastIndex, "items must only move forward");
            lastIndex = item.Index;
            ages.Add(Stopwatch.GetElapsedTime(item.Stamp).TotalMilliseconds);
            Thread.Sleep(30); // a slow segmenter: 6x slower than the source
        }
        Volatile.Write(ref stop, true);
        producer.Join();
        // A FIFO would be ~25 ms further behind per item (≈ 750 ms at the end); latest-wins stays about one period old.
        Assert.True(ages.Max() < 100, $"latency grew: max {ages.Max():F1} ms");
        Assert.True(box.Dropped >= box.Published - 31 - 1, $"published {box.Published}, dropped {box.Dropped}");
        Assert.True(box.Dropped > 100, $"only {box.Dropped} drops counted");
    }

    [Fact]
    public void SourceThatStopsAndResumes_IsSurvived()
    {
        var box = new Mailbox<Item>(new Item());
        var producer = new Thread(() =>
        {
            var mine = new Item();
            for (int i = 0; i < 60; i++)
            {
                if (i == 20)
                    Thread.Sleep(400); // the camera stops delivering for a while
                mine.Stamp = Stopwatch.GetTimestamp();
                mine.Index = i;
                mine = box.Publish(mine);
                Thread.Sleep(5);
            }
            box.Close();
        });
        producer.Start();
        var item = new Item();
        int timeouts = 0, afterResume = 0;
        while (!box.IsClosed || box.HasFresh)
        {
            if (!box.WaitTake(ref item, 100))
            {
                timeouts++;
                continue;
            }
            if (item.Index >= 20)
                afterResume++;
        }
        producer.Join();
        Assert.True(timeouts >= 2, $"the consumer should have waited through the gap ({timeouts} timeouts)");
        Assert.True(afterResume >= 5, $"only {afterResume} items after the source resumed");
        Assert.Equal(59, item.Index);
    }
}

/// <summary>The live window, through the real executable under a virtual X display (xvfb-run).</summary>
public sealed class LiveCliTests : IDisposable
{
    private const int Width = 640, Height = 480;
    private readonly TempDir _dir = new();

    [Fact]
    public void Live_ScreenshotShowsTheEffectWhereTheMaskSays_AndTheHud()
    {
        // A still scene (every frame the same), so whichever frame is last on screen the expected image is known.
        string input = _dir.File("still.mkv");
        using (var writer = new VideoWriter(input, FourCC.FromString("FFV1"), 30, new Size(Width, Height)))
        using (var still = Synthetic.Frame(20, Width, Height))
        {
            for (int i = 0; i < 40; i++)
                writer.Write(still);
        }
        string model = Synthetic.ColorKeyModel(_dir);
        string bgPath = _dir.File("bg.png");
        using (var bg = new Mat(Height, Width, MatType.CV_8UC3, new Scalar(0, 200, 0)))
            Cv2.ImWrite(bgPath, bg);
        string shot = _dir.File("shot.png");
        var r = Cli.Run(XvfbRun("live", "--input", input, "--model", model, "--effect", "replace", "--background", bgPath,
            "--smooth", "0", "--sync", "--no-vsync", "--frames", "20", "--screenshot", shot));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.True(r.Stdout.Contains("shown 20 frames", StringComparison.Ordinal), r.Stdout);

        using var screenshot = Cv2.ImRead(shot);
        Assert.Equal((Width, Height), (screenshot.Width, screenshot.Height));
        using var expected = Reference(input, model, bgPath);
        var hud = new Rect(8, 8, HudStage.Width, HudStage.Height);
        int worst = 0, hudChanged = 0;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                Vec3b a = screenshot.At<Vec3b>(y, x), b = expected.At<Vec3b>(y, x);
                int d = Math.Max(Math.Abs(a.Item0 - b.Item0), Math.Max(Math.Abs(a.Item1 - b.Item1), Math.Abs(a.Item2 - b.Item2)));
                if (hud.Contains(x, y))
                    hudChanged += d > 20 ? 1 : 0;
                else
                    worst = Math.Max(worst, d);
            }
        }
        Assert.True(worst <= 1, $"outside the HUD the window differs from the CPU reference by {worst} LSB");
        Assert.True(hudChanged > hud.Width * hud.Height / 2, $"HUD not drawn: only {hudChanged} pixels changed in its rectangle");
        // The effect is really there: the square stays red, the background turned green (outside the HUD).
        Rect sq = Synthetic.SquareAt(20, Width, Height);
        Assert.True(screenshot.At<Vec3b>(sq.Bottom - 10, sq.X + sq.Width / 2).Item2 > 240);
        Assert.True(screenshot.At<Vec3b>(Height - 5, Width - 5).Item1 > 190);
    }

    [Fact]
    public void Live_ScreenshotWithAnUnknownExtension_IsAUserErrorBeforeTheWindowOpens()
    {
        string model = Synthetic.ColorKeyModel(_dir);
        var r = Cli.Run(XvfbRun("live", "--input", model, "--model", model, "--screenshot", _dir.File("x.bmpx"), "--frames", "1"));
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains("--screenshot", r.Stderr);
        Assert.Contains("must end in .png", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void Live_WithoutDisplay_SaysSoAndSuggestsVideo()
    {
        var psi = new ProcessStartInfo(Cli.Executable) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in new[] { "live", "--input", "x.mp4" })
            psi.ArgumentList.Add(a);
        psi.Environment.Remove("DISPLAY");
        psi.Environment.Remove("WAYLAND_DISPLAY");
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("DISPLAY", stderr);
        Assert.Contains("liveseg video", stderr);
    }

    /// <summary>The same frame and mask through the CPU compositor: what the window must show outside the HUD.</summary>
    private static Mat Reference(string input, string model, string background)
    {
        using var source = new VideoFileSource(input);
        using var seg = new OnnxSegmenter(ModelSpec.FromFile(model, null), DeviceChoice.Cpu);
        using var slot = new FrameSlot(seg.MaskWidth, seg.MaskHeight);
        Assert.True(source.Read(slot.Image));
        var timing = new LiveSeg.Metrics.FrameTiming();
        seg.Segment(slot.Image, slot.Mask, ref timing);
        using var bg = Cv2.ImRead(background);
        using var cpu = new CpuCompositor(Width, Height, seg.MaskWidth, seg.MaskHeight, new EffectSettings { Effect = EffectKind.Replace, Smoothing = 0 }, bg);
        cpu.Submit(slot);
        cpu.Complete(slot);
        return slot.Output.Clone();
    }

    /// <summary>liveseg under xvfb-run (apt package xvfb, installed by scripts/install-deps).</summary>
    private static string[] XvfbRun(params string[] args)
    {
        Assert.True(File.Exists("/usr/bin/xvfb-run"), "xvfb-run is missing: run scripts/install-deps (apt package xvfb)");
        return ["-a", "-s", "-screen 0 1024x768x24", Cli.Executable, .. args];
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>The live loop in-process with a fake camera that stops delivering and comes back (needs a display: ./test runs under xvfb-run).</summary>
public sealed class LiveLoopTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>A 100 fps camera; the first one "unplugs" after <paramref name="framesBeforeUnplug"/> frames.</summary>
    private sealed class FakeCamera(int framesBeforeUnplug) : IFrameSource
    {
        private readonly Mat _frame = Synthetic.Frame(5, 320, 240);
        private int _reads;

        public int Width => 320;

        public int Height => 240;

        public double Fps => 100;

        public int FrameCount => 0;

        public bool Read(Mat destination)
        {
            Thread.Sleep(10);
            if (++_reads > framesBeforeUnplug)
                return false;
            _frame.CopyTo(destination);
            return true;
        }

        public void Dispose() => _frame.Dispose();
    }

    [SkippableFact]
    public void CameraThatStopsAndResumes_IsSurvived()
    {
        Skip.If(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")), "needs an X display: run ./test (it runs the tests under xvfb-run)");
        int opened = 0;
        var options = new LiveOptions
        {
            OpenSource = () => ++opened == 1 ? new FakeCamera(15) : new FakeCamera(int.MaxValue),
            SourceName = "fake camera",
            IsCamera = true,
            Models = [ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null)],
            Device = DeviceChoice.Cpu,
            Effect = new EffectSettings { Effect = EffectKind.Tint },
            VSync = false,
            MaxFrames = 40,
        };
        var clock = Stopwatch.StartNew();
        LiveResult result;
        using (var loop = new LiveLoop(options))
            result = loop.Run(CancellationToken.None);
        Assert.Equal(40, result.Displayed);
        Assert.True(opened >= 2, "the camera was never reopened");
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), "the loop should have waited for the camera to come back");
        Assert.True(result.Stages[(int)LiveSeg.Metrics.Stage.EndToEnd].P50 < 200, "latency grew");
    }

    public void Dispose() => _dir.Dispose();
}
