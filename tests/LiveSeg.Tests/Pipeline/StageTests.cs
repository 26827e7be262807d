using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Output;
using LiveSeg.Masks;
using LiveSeg.Pipeline;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The shared stages on their own: source pacing and looping on a fake clock, the segment stage's smoothing and resets, the recording's constant rate.</summary>
public sealed class StageTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>A file-like source of <paramref name="frames"/> numbered frames (pixel (0,0) holds the number).</summary>
    private sealed class CountingSource(int frames, double fps = 30, bool live = false) : IFrameSource
    {
        private int _next;

        public int Width => 8;

        public int Height => 8;

        public double FrameRate => fps;

        public int FrameCount => frames;

        public bool IsLive => live;

        public bool Reconnects => live;

        public bool Read(Mat destination)
        {
            if (_next >= frames)
                return false;
            destination.Create(8, 8, MatType.CV_8UC3);
            destination.SetTo(Scalar.All(_next++ % 256));
            return true;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Realtime_WaitsForEachFrameOnTheClock_SkipsWhatIsLate()
    {
        var clock = new FakeClock();
        using var stage = new SourceStage(new SourceOptions { Open = () => new CountingSource(90), Name = "clip", Realtime = true }, clock, CancellationToken.None);
        using var slot = new FrameSlot(1, 1);
        clock.Advance(TimeSpan.FromSeconds(2)); // between opening and the first read (live mode's warm-up): no frame is late for it
        for (int i = 0; i < 30; i++)
            Assert.True(stage.Read(slot));
        // 30 frames at 30 fps: frame 29 is due at 29/30 s; reading on time skips nothing.
        Assert.InRange(clock.Waited.TotalSeconds, 29 / 30.0 - 1e-6, 29 / 30.0 + 1e-6);
        Assert.Equal(0, stage.Skipped);
        // The consumer falls half a second behind: the frames that are now more than a period late are skipped, counted.
        clock.Advance(TimeSpan.FromSeconds(0.51));
        Assert.True(stage.Read(slot));
        Assert.Equal(14, stage.Skipped);
        Assert.Equal(44, slot.Image.At<Vec3b>(0, 0).Item0);
        Assert.Equal(45, stage.Captured);
    }

    [Fact]
    public void Loop_RestartsTheFile_AndMarksEachNewSequence()
    {
        int opened = 0;
        using var stage = new SourceStage(new SourceOptions { Open = () => { opened++; return new CountingSource(10); }, Name = "clip", Loop = true }, new FakeClock(), CancellationToken.None);
        using var slot = new FrameSlot(1, 1);
        var starts = new List<int>();
        int previous = -1;
        for (int i = 0; i < 25; i++)
        {
            Assert.True(stage.Read(slot));
            Assert.Equal(i, slot.Index);
            Assert.Equal(i % 10, slot.Image.At<Vec3b>(0, 0).Item0);
            if (i == 0 || slot.Sequence != previous)
                starts.Add(i);
            previous = slot.Sequence;
        }
        Assert.Equal([0, 10, 20], starts);
        Assert.Equal(2, stage.Loops);
        Assert.Equal(3, opened);
    }

    [Theory]
    [InlineData("one.mkv")]
    [InlineData("one.avi")]
    public void Loop_OfAOneFrameFile_DeliversThatFrameAgainAndAgain_WithoutReopening(string name)
    {
        // Before the fix FFmpeg could not read again after seeking a one-frame file to 0: Read spun for ever.
        string file = _dir.File(name);
        Synthetic.WriteVideo(file, 1, 64, 48, 10);
        int opened = 0;
        using var stage = new SourceStage(new SourceOptions { Open = () => { opened++; return new VideoFileSource(file); }, Name = name, Loop = true }, new FakeClock(), CancellationToken.None);
        using var slot = new FrameSlot(1, 1);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(stage.Read(slot));
            Assert.Equal(i, slot.Sequence);
            var inside = slot.Image.At<Vec3b>(24, 16); // the red square of frame 0 (MJPG is lossy: near, not exact)
            var outside = slot.Image.At<Vec3b>(24, 48);
            Assert.True(inside.Item2 > 200 && inside.Item0 < 60 && outside.Item0 > 200 && outside.Item2 < 60, $"pass {i}: {inside} / {outside}");
        }
        Assert.Equal(4, stage.Loops);
        Assert.Equal(1, opened); // rewound in place (reopening leaks native memory per open)
    }

    [Fact]
    public void Loop_OfAFileThatGivesNothingAfterRestarting_Ends_RatherThanSpinning()
    {
        int opened = 0;
        using var stage = new SourceStage(new SourceOptions { Open = () => new CountingSource(++opened == 1 ? 2 : 0), Name = "clip", Loop = true }, new FakeClock(), CancellationToken.None);
        using var slot = new FrameSlot(1, 1);
        Assert.True(stage.Read(slot) && stage.Read(slot));
        Assert.False(stage.Read(slot));
        Assert.Equal(3, opened); // two restarts tried, then the end
    }

    [Fact]
    public void LostCamera_IsRetriedWithBackOff_AndComesBackAsANewSequence()
    {
        int opened = 0;
        var clock = new FakeClock();
        IFrameSource Open() => ++opened switch
        {
            1 => new CountingSource(5, live: true),                      // unplugged after 5 frames
            2 or 3 => throw new LiveSegException("camera 0 cannot be opened"), // still gone for two tries
            _ => new CountingSource(100, live: true),
        };
        using var stage = new SourceStage(new SourceOptions { Open = Open, Name = "camera 0", Reconnect = true }, clock, CancellationToken.None);
        using var slot = new FrameSlot(1, 1);
        for (int i = 0; i < 5; i++)
            Assert.True(stage.Read(slot));
        Assert.Equal(0, slot.Sequence);
        Assert.True(stage.Read(slot)); // blocks (on the fake clock) until the camera is back
        Assert.Equal(1, slot.Sequence);
        Assert.Equal(0, slot.Image.At<Vec3b>(0, 0).Item0);
        Assert.Equal(4, opened);
        Assert.Equal(TimeSpan.FromSeconds(0.5 + 1 + 2), clock.Waited); // waits doubling from half a second
        Assert.Equal(1, stage.Reconnections);
        Assert.Null(stage.Status);
    }

    [Fact]
    public void ThreadsLine_SaysRenderThreadsAskedFor_AreUnusedWhenOpenGLDraws()
    {
        Assert.Contains("--render-threads 3 unused: OpenGL draws", ThreadBudget.Describe(1, 3, pipelined: false, cpuRenderer: false, askedRender: 3));
        Assert.DoesNotContain("unused", ThreadBudget.Describe(1, 3, pipelined: false, cpuRenderer: true, askedRender: 3));
        Assert.Contains("3 render threads", ThreadBudget.Describe(1, 3, pipelined: false, cpuRenderer: true, askedRender: 3));
        Assert.DoesNotContain("render", ThreadBudget.Describe(2, 1, pipelined: false, cpuRenderer: false));
    }

    [Fact]
    public void NoLoop_EndsAtTheEndOfTheFile()
    {
        using var stage = new SourceStage(new SourceOptions { Open = () => new CountingSource(3), Name = "clip" }, new FakeClock(), CancellationToken.None);
        using var slot = new FrameSlot(1, 1);
        Assert.True(stage.Read(slot) && stage.Read(slot) && stage.Read(slot));
        Assert.False(stage.Read(slot));
    }

    [Fact]
    public void SegmentStage_SmoothsAcrossFrames_ResetsOnANewSequence_AndFollowsTheSmoothingSetting()
    {
        var model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null), DeviceChoice.Cpu, 1);
        using var stage = new SegmentStage(model, new MaskSettings { Smoothing = 0.5f });
        using var slot = new FrameSlot(stage.MaskWidth, stage.MaskHeight);
        int centre = stage.MaskHeight / 2 * stage.MaskWidth + stage.MaskWidth / 2;
        float Run(Scalar colour, bool startsSequence)
        {
            slot.Image.Create(128, 128, MatType.CV_8UC3);
            slot.Image.SetTo(colour);
            slot.Sequence += startsSequence ? 1 : 0;
            stage.Segment(slot);
            return slot.Mask.Data[centre];
        }
        // Blue with red's luma: background to the colour-key model, but a still picture to the motion-aware smoother.
        var stillBlue = new Scalar(255, 81, 0);
        Assert.True(Run(Synthetic.Red, true) > 0.99f); // red = foreground
        Assert.InRange(Run(stillBlue, false), 0.49f, 0.51f); // picture still: half of the previous mask kept
        Run(Synthetic.Red, false);
        Assert.True(Run(Synthetic.Blue, false) < 0.01f, "where the picture changed, nothing is kept (no lag)");
        Run(Synthetic.Red, false);
        Assert.True(Run(stillBlue, true) < 0.01f, "a new sequence starts without history");
        stage.Smoothing = 0;
        Run(Synthetic.Red, false);
        Assert.True(Run(stillBlue, false) < 0.01f, "smoothing 0 keeps nothing");
        stage.Smoothing = 5;
        Assert.Equal(MaskSettings.MaxSmoothing, stage.Smoothing);
    }

    [Fact]
    public void ConstantRate_OnTime_WritesEachFrameOnce()
    {
        long f = Stopwatch.Frequency;
        var rate = new ConstantRate(30, f);
        long written = 0;
        for (int i = 0; i < 1800; i++)
            written += rate.Copies(1000 + i * f / 30);
        written += rate.Tail(1000 + 1800 * f / 30);
        Assert.Equal(1800, written); // 60 s at 30 fps
        Assert.Equal((0, 0), (rate.Skipped, rate.Duplicated));
    }

    [Fact]
    public void ConstantRate_FillsAStall_AndSkipsFramesThatComeTooFast()
    {
        var rate = new ConstantRate(10, 1000); // 10 fps, timestamps in ms
        Assert.Equal(1, rate.Copies(0));
        Assert.Equal(1, rate.Copies(100));
        Assert.Equal(5, rate.Copies(600)); // a half-second stall: slots 2..6 show this frame
        Assert.Equal(0, rate.Copies(620)); // before its slot: skipped
        Assert.Equal(1, rate.Copies(700));
        Assert.Equal(2, rate.Tail(1000)); // the last frame lasts until the stop
        Assert.Equal(10, rate.Written); // 1 s at 10 fps
        Assert.Equal((1, 6), (rate.Skipped, rate.Duplicated));
    }

    public void Dispose() => _dir.Dispose();
}
