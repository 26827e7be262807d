using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Masks;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The loop and its outputs in-process, headless: a stalled output never stalls the loop; under auto-framing every
/// output (a sink as --serve and --virtual-camera get frames, and the recording) gets the crop the window shows.
/// </summary>
public sealed class OutputLoopTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>An output whose work blocks until the test lets it go, as a client that stopped reading would.</summary>
    private sealed class StalledSink : LatestFrameSink
    {
        public readonly ManualResetEventSlim Release = new(false);
        public readonly ManualResetEventSlim Entered = new(false);
        public int Consumed;

        public StalledSink() : base("test-stalled")
        {
        }

        public override string Name => "stalled";

        protected override bool Consume(Mat frame, long captureTimestamp)
        {
            Consumed++;
            Entered.Set();
            Release.Wait();
            return true;
        }
    }

    /// <summary>Keeps a copy of every frame it gets.</summary>
    private sealed class CollectingSink : IFrameSink
    {
        public readonly List<Mat> Frames = [];

        public string Name => "collect";

        public long Delivered => Frames.Count;

        public long Dropped => 0;

        public Exception? Failure => null;

        public void Offer(Mat frame, long captureTimestamp) => Frames.Add(frame.Clone());

        public void Dispose()
        {
            foreach (var f in Frames)
                f.Dispose();
        }
    }

    [Fact]
    public void StalledOutput_DoesNotStallTheLoop_ItsFramesAreDropped_OthersGetEveryFrame()
    {
        string clip = _dir.File("c.mkv");
        Synthetic.WriteVideo(clip, 30, 160, 120, 30);
        var stalled = new StalledSink();
        var collect = new CollectingSink();
        var options = new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(clip), Name = clip },
            Model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null), DeviceChoice.Cpu),
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off },
            Sync = true,
            Headless = true,
            VSync = false,
            OpenOutputs = (_, _, _) => [stalled, collect],
        };
        LiveResult result;
        using var loop = new LiveLoop(options);
        try
        {
            Assert.Contains("no window", loop.RendererDescription);
            result = loop.Run(CancellationToken.None);
            Assert.True(stalled.Entered.Wait(120_000), "the stalled output never got a frame"); // a hang guard, not a timing check
            // Every frame of the file was shown while the output sat in its first frame.
            Assert.Equal(30, result.Displayed);
            Assert.Equal(1, stalled.Consumed);
            Assert.True(stalled.Dropped >= 27, $"only {stalled.Dropped} frames counted as dropped by the stalled output");
            Assert.Equal(30, collect.Frames.Count);
            // The frames the outputs got are the composited ones: the mask effect, white where the red square is.
            var square = Synthetic.SquareAt(29, 160, 120);
            var last = collect.Frames[^1];
            Assert.True(last.At<Vec3b>(square.Y + square.Height / 2, square.X + square.Width / 2).Item1 > 200);
            Assert.True(last.At<Vec3b>(2, 2).Item1 < 50);
        }
        finally
        {
            stalled.Release.Set(); // the loop's end disposes its outputs: the stalled one must be able to finish
        }
    }

    /// <summary>
    /// Two people (a generated scene), person 1 kept, auto-framing on and off, everything else the same and
    /// deterministic (--sync, a file at processing speed). After <paramref name="frames"/> frames the window shows the
    /// camera's crop: the frame offered to the outputs and the one the recording holds are that same picture at the
    /// input's size (not the whole frame); without --autoframe both are the whole frame, as the window shows it.
    /// </summary>
    private (Mat Output, Mat Window, Mat Recorded) RunTwoPeople(string clip, bool autoFrame, int frames)
    {
        var collect = new CollectingSink();
        var people = new LiveSeg.People.PeopleSettings(LiveSeg.People.PersonChoice.Parse("1"), LiveSeg.People.FaceModels.Full,
            TwoPeopleScene.FaceDetector, DetectEvery: 1, AutoFrame: autoFrame ? 0.6f : 0);
        string folder = _dir.File(autoFrame ? "autoframe" : "whole");
        Directory.CreateDirectory(folder);
        var options = new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(clip), Name = clip, Loop = true },
            Model = new ModelSettings(ModelSpec.FromFile(TwoPeopleScene.BodyModel, null), DeviceChoice.Cpu, 1),
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = new EffectSettings { Effect = EffectKind.Blur, Refine = RefineKind.Off },
            People = people,
            Sync = true,
            Headless = true,
            VSync = false,
            ShowHud = false,
            RecordFromStart = true,
            OutputFolder = folder,
            OpenOutputs = (_, _, _) => [collect],
        };
        using var loop = new LiveLoop(options);
        loop.Start();
        while (loop.Recorder.Count < frames - 1)
            Assert.True(loop.Step(), "the loop ended early");
        string shot = Path.Combine(folder, "window.png");
        loop.Controls.PendingScreenshot = shot;
        while (loop.Recorder.Count < frames)
            Assert.True(loop.Step(), "the loop ended early");
        loop.Finish();
        Assert.Equal(frames, collect.Frames.Count);
        Mat output = collect.Frames[^1].Clone(); // (the loop disposes its outputs, the collected frames with them)
        string recording = Assert.Single(Directory.GetFiles(folder, "*.mp4"));
        return (output, Cv2.ImRead(shot), Synthetic.ReadFrame(recording, frames - 1));
    }

    private static double MeanDifference(Mat a, Mat b)
    {
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        var mean = Cv2.Mean(diff);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }

    [Slow]
    [Fact]
    public void AutoFraming_EveryOutputAndTheRecording_GetTheWindowsCrop_WithoutItTheWholeFrame()
    {
        using var scene = TwoPeopleScene.Make(personHeight: 0.45f); // small enough that the camera moves in
        string clip = _dir.File("two.mkv");
        scene.WriteClip(clip, 60);
        const int Frames = 40; // the camera has moved in on person 1 (at most 0.03 of the frame a frame)
        var (wholeOut, wholeWindow, wholeRec) = RunTwoPeople(clip, autoFrame: false, Frames);
        var (cropOut, cropWindow, cropRec) = RunTwoPeople(clip, autoFrame: true, Frames);
        using (wholeOut) using (wholeWindow) using (wholeRec) using (cropOut) using (cropWindow) using (cropRec)
        {
            foreach (var m in new[] { wholeOut, wholeRec, cropOut, cropRec, cropWindow })
                Assert.Equal((TwoPeopleScene.Width, TwoPeopleScene.Height), (m.Width, m.Height));
            // Without auto-framing: the outputs get the whole frame the window shows.
            double whole = MeanDifference(wholeOut, wholeWindow);
            Assert.True(whole < 1, $"without --autoframe the output differs from the window by {whole:F2} a pixel");
            // With it the window shows a crop (it differs from the whole frame) ...
            double framed = MeanDifference(cropWindow, wholeWindow);
            Assert.True(framed > 10, $"the window under --autoframe differs from the whole frame by only {framed:F2} a pixel: no crop to test");
            // ... and the outputs get that crop: as the window shows it (the window's blit takes the crop's whole pixels,
            // the crop stage its exact edges: a fraction of a pixel apart), not the whole frame.
            double output = MeanDifference(cropOut, cropWindow), stale = MeanDifference(cropOut, wholeOut);
            Assert.True(output < 3, $"the output under --autoframe differs from the window by {output:F2} a pixel");
            Assert.True(stale > 10, $"the output under --autoframe is the whole frame (differs by {stale:F2} a pixel)");
            // The recording holds the same pictures (encoded, 4:2:0: within a few levels), the crop under --autoframe.
            double recorded = MeanDifference(cropRec, cropOut), recordedWhole = MeanDifference(cropRec, wholeOut), plain = MeanDifference(wholeRec, wholeOut);
            Assert.True(recorded < 8 && recordedWhole > 10, $"the recording under --autoframe differs from the crop by {recorded:F2} a pixel, from the whole frame by {recordedWhole:F2}");
            Assert.True(plain < 8, $"without --autoframe the recording differs from the output by {plain:F2} a pixel");
        }
    }

    public void Dispose() => _dir.Dispose();
}
