using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Masks;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Video backgrounds (issue 25): <c>--effect replace --background clip</c> loops the clip, scaled to cover, at the
/// output's timing — the background of output time t is the clip's frame at t mod its duration — in the decoder on
/// its own (<see cref="BackgroundVideo"/>), in both compositors of a video run, and behind live mode's B key.
/// The clip's frames are solid colours, so a background pixel says which clip frame is behind it.
/// </summary>
[Slow]
public sealed class BackgroundVideoTests : IDisposable
{
    private const int Width = 96, Height = 64;
    private static readonly Scalar[] s_colours = [new(40, 60, 220), new(30, 210, 60), new(220, 120, 30), new(200, 200, 200)];
    private readonly TempDir _dir = new();
    private readonly string _clip;
    private readonly long[] _clipTimes;
    private readonly long _loop;

    public BackgroundVideoTests()
    {
        // 4 frames at 3 fps (another size and aspect than the output's: covered, cropped), FFV1: the colours are exact.
        _clip = _dir.File("bg.mkv");
        using (var writer = new VideoWriter(_clip, FourCC.FromString("FFV1"), 3, new Size(64, 48)))
        {
            foreach (var colour in s_colours)
            {
                using var frame = new Mat(48, 64, MatType.CV_8UC3, colour);
                writer.Write(frame);
            }
        }
        using var source = new VideoFileSource(_clip);
        var times = new List<long>();
        using var m = new Mat();
        while (source.Read(m))
            times.Add(source.FrameTimeNs - times.FirstOrDefault(source.FrameTimeNs));
        _clipTimes = [.. times];
        _loop = _clipTimes[^1] + (long)Math.Round(1e9 / source.FrameRate);
    }

    /// <summary>The clip frame behind output time t: the last whose time is at most t mod the clip's duration.</summary>
    private int ClipFrameAt(long t) => Array.FindLastIndex(_clipTimes, c => c <= t % _loop);

    private static bool Near(Vec3b px, Scalar colour, int tolerance = 2) =>
        Math.Abs(px.Item0 - colour.Val0) <= tolerance && Math.Abs(px.Item1 - colour.Val1) <= tolerance && Math.Abs(px.Item2 - colour.Val2) <= tolerance;

    [Fact]
    public void Decoder_GivesTheClipsFrameAtTModItsDuration_AcrossLoops_AndWhenTimeGoesBack()
    {
        Assert.Equal(4, _clipTimes.Length);
        using var video = new BackgroundVideo(_clip, Width, Height, waitForFrames: true);
        Vec3b shown = default;
        void Set(Mat frame)
        {
            Assert.Equal((Width, Height), (frame.Width, frame.Height));
            shown = frame.At<Vec3b>(Height - 1, Width - 1);
        }
        // Three passes through the clip, then back to the start (a looped input), then on again.
        long[] times = [.. Enumerable.Range(0, 40).Select(i => i * 100_000_000L), 200_000_000L, 2_500_000_000L, 0, 5_000_000_000L];
        foreach (long t in times)
        {
            video.Update(t, Set);
            int expected = ClipFrameAt(t);
            Assert.True(Near(shown, s_colours[expected]), $"t = {t / 1e6} ms: {shown}, expected clip frame {expected} {s_colours[expected]}");
            Assert.Equal(_clipTimes[expected], video.ShownClipTimeNs);
        }
        Assert.Equal(_loop, video.LoopNs);
    }

    [Theory]
    [InlineData(RendererKind.Cpu)]
    [InlineData(RendererKind.Gl)]
    public void VideoRun_ReplaceWithAVideo_EachOutputFramesBackgroundIsTheClipsFrameAtItsTime(RendererKind renderer)
    {
        string input = _dir.File("in.mkv");
        Synthetic.WriteVideo(input, 30, Width, Height, 10); // 3 s: more than two passes of the 1.33 s clip
        Directory.CreateDirectory(_dir.File("out"));
        var job = new VideoSettings
        {
            Input = input,
            Output = _dir.File("out/%05d.png"),
            Model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null), DeviceChoice.Cpu, 1),
            Effect = new EffectSettings { Effect = EffectKind.Replace, Refine = RefineKind.Off },
            BackgroundPath = _clip,
            Renderer = renderer,
        };
        using (var pipeline = new VideoPipeline(job))
            Assert.True(pipeline.Run(CancellationToken.None));
        using var source = new VideoFileSource(input);
        using var frame = new Mat();
        for (int i = 0; source.Read(frame); i++)
        {
            using var output = Cv2.ImRead(_dir.File($"out/{i:D5}.png"));
            var px = output.At<Vec3b>(Height - 3, 2); // bottom-left: background (blue in the input), far from the red square
            int expected = ClipFrameAt(source.FrameTimeNs);
            Assert.True(Near(px, s_colours[expected]), $"frame {i} at {source.FrameTimeNs / 1e6} ms: {px}, expected clip frame {expected} {s_colours[expected]}");
        }
    }

    [DisplayFact]
    public void LiveBKey_CyclesImagesAndVideos_AndTheVideoMovesBehindThePerson()
    {
        string input = _dir.File("in.mkv");
        Synthetic.WriteVideo(input, 30, Width, Height, 10);
        string image = _dir.File("still.png");
        using (var still = new Mat(Height, Width, MatType.CV_8UC3, new Scalar(0, 200, 0)))
            Cv2.ImWrite(image, still);
        var spec = ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null);
        using var loop = new LiveLoop(new LiveOptions
        {
            Source = new SourceOptions { Open = () => FrameSources.Open(input), Name = "clip", Loop = true },
            Model = new ModelSettings(spec, DeviceChoice.Cpu, 1),
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = new EffectSettings { Effect = EffectKind.Replace, Refine = RefineKind.Off },
            Renderer = RendererKind.Cpu,
            Backgrounds = [image, _clip],
            Sync = true,
            VSync = false,
            ShowHud = false,
            OutputFolder = _dir.Path,
        });
        loop.Start();
        void Show(int frames)
        {
            for (int target = loop.Recorder.Count + frames, guard = 0; loop.Recorder.Count < target; guard++)
                Assert.True(loop.Step() && guard < 100_000, "no new frame was shown");
        }
        Show(2);
        Assert.Null(loop.Controls.BackgroundVideo);
        loop.Press(KeyMap.Of(LiveAction.NextBackground).Keys[0]);
        Show(1);
        var video = loop.Controls.BackgroundVideo;
        Assert.NotNull(video);
        // The clip's frames follow the shown frames' time: within the 30 frames (3 s) of the input, every clip frame shows.
        var seen = new HashSet<long>();
        for (int i = 0; i < 30 && seen.Count < 4; i++)
        {
            Show(1);
            seen.Add(video.ShownClipTimeNs);
        }
        Assert.Equal(4, seen.Count);
        loop.Press(KeyMap.Of(LiveAction.Screenshot).Keys[0]);
        Show(1);
        long clipTime = video.ShownClipTimeNs;
        string shot = Directory.GetFiles(_dir.Path, "liveseg-*.png").Single();
        using (var screenshot = Cv2.ImRead(shot))
        {
            int expected = Array.IndexOf(_clipTimes, clipTime);
            var px = screenshot.At<Vec3b>(screenshot.Height - 3, 2);
            Assert.True(Near(px, s_colours[expected]), $"screenshot background {px}, expected clip frame {expected} {s_colours[expected]}");
        }
        loop.Press(KeyMap.Of(LiveAction.NextBackground).Keys[0]);
        Show(1);
        Assert.Null(loop.Controls.BackgroundVideo); // then the gradient
        Assert.Equal(-1, loop.Controls.BackgroundIndex);
        loop.Finish();
    }

    public void Dispose() => _dir.Dispose();
}
