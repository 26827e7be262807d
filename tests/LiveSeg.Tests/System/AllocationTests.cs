using System.Net;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;

namespace LiveSeg.Tests;

/// <summary>
/// The compositions allocate nothing per frame once running: the managed bytes their own threads allocate
/// (<see cref="ThreadAllocations"/>, each thread counting itself) for 2N frames minus N frames — set-up and teardown
/// cancel out, what is left is N frames' worth. (Counted per thread, because the whole process also holds the test
/// runner's timers and the JIT's background compiler, which allocate at their own pace.)
/// </summary>
[Slow]
public class AllocationTests
{
    private const int N = 40;

    [Theory]
    [InlineData(true, RendererKind.Gl)]
    [InlineData(false, RendererKind.Gl)]
    [InlineData(true, RendererKind.Cpu)]
    [InlineData(false, RendererKind.Cpu)]
    [InlineData(false, RendererKind.Gl, true)]
    [InlineData(false, RendererKind.Cpu, true)]
    [InlineData(false, RendererKind.Cpu, false, true)]
    [InlineData(true, RendererKind.Gl, false, true)]
    public void VideoPipelineRun_AllocatesNothingPerFrame(bool sequential, RendererKind renderer, bool videoBackground = false, bool autoFrame = false)
    {
        using var dir = new TempDir();
        string video = dir.File("in.mkv");
        Synthetic.WriteVideo(video, 2 * N, 96, 64, 10);
        string background = dir.File("bg.mkv");
        Synthetic.WriteVideo(background, 7, 64, 48, 4); // replace with a video background: a frame handed over before each frame
        var model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(dir), null), DeviceChoice.Cpu, 1);

        long Run(int frames, string output)
        {
            var job = new VideoSettings { Input = video, Output = dir.File(output), Model = model, Sequential = sequential, MaxFrames = frames, Renderer = renderer, RenderThreads = 3 };
            if (videoBackground)
                job = job with { Effect = new Effects.EffectSettings { Effect = Effects.EffectKind.Replace }, BackgroundPath = background };
            if (autoFrame) // everyone kept, the crop follows the mask's square; the matte and alpha output cropped too
                job = job with { People = AutoFrame(), Alpha = true, Output = dir.File(Path.ChangeExtension(output, ".mov")), MattePath = dir.File("matte-" + output) };
            using var pipeline = new VideoPipeline(job);
            Assert.True(pipeline.Run(CancellationToken.None));
            Assert.Equal(frames, pipeline.Recorder.Count);
            return pipeline.AllocatedBytes; // the CPU renderer's band threads included
        }

        Run(N, "warm.mkv"); // JIT, first-use buffers
        Run(2 * N, "warm2.mkv");
        long small = Run(N, "a.mkv"), large = Run(2 * N, "b.mkv");
        double perFrame = (large - small) / (double)N;
        Assert.True(perFrame <= 0, $"{perFrame:F1} bytes per frame ({small} B for {N} frames, {large} B for {2 * N})");
    }

    /// <summary>Auto-framing of everyone with the face detector as fetched (the synthetic clip shows no face: the crop follows the mask).</summary>
    private static People.PeopleSettings AutoFrame()
    {
        string folder = Models.ModelFetcher.Fetch(People.FaceModels.Package, _ => { });
        var spec = People.FaceModels.Full;
        return new People.PeopleSettings(People.PersonChoice.All, spec, Path.Combine(folder, spec.Name + ".onnx"), AutoFrame: 0.6f);
    }

    /// <param name="people">with --person (the people stage on two people, each frame detected; the click lock's per-frame part)</param>
    /// <param name="autoFrame">
    /// with --autoframe on person 1 and a recording: the people smaller, so the camera moves in; each shown frame read
    /// back for the outputs and cropped as the window shows it
    /// </param>
    /// <param name="serve">
    /// with a --serve stream (on 127.0.0.1, any free port) and the loop's clock moved on a second before each step, so
    /// the stream page's figures (<see cref="LiveStatus"/>) are refreshed at every drawn step, not twice a second
    /// </param>
    [DisplayTheory]
    [InlineData(false)]
    [InlineData(true)]
    [InlineData(true, true)]
    [InlineData(false, false, true)]
    public void LiveStep_AllocatesNothingPerFrame(bool people, bool autoFrame = false, bool serve = false)
    {
        using var dir = new TempDir();
        string video = dir.File("in.mkv");
        if (people)
        {
            using var scene = autoFrame ? TwoPeopleScene.Make(personHeight: 0.45f) : TwoPeopleScene.Make();
            scene.WriteClip(video, 30);
        }
        else
        {
            Synthetic.WriteVideo(video, 300, 96, 64, 30);
        }
        var clock = new FakeClock(); // the file is played at processing speed: the clock paces nothing here
        var status = new LiveStatus();
        var options = new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(video), Name = "clip", Loop = true },
            Model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(dir), null), DeviceChoice.Cpu, 1),
            VSync = false,
            People = people ? new LiveSeg.People.PeopleSettings(autoFrame ? LiveSeg.People.PersonChoice.Parse("1") : LiveSeg.People.PersonChoice.All, LiveSeg.People.FaceModels.Full, TwoPeopleScene.FaceDetector, DetectEvery: 1,
                AutoFrame: autoFrame ? 0.6f : 0) : null,
            RecordFromStart = autoFrame,
            OutputFolder = dir.Path,
            Clock = clock,
            Status = status,
            OpenOutputs = serve ? (_, _, _) => [new MjpegStreamSink(new IPEndPoint(IPAddress.Loopback, 0), 80, 0, () => status.Json)] : null,
        };
        using var loop = new LiveLoop(options);
        loop.Controls.Do(LiveAction.Hud); // the HUD redraws its text 4 times a second (strings): measured without it
        loop.Start();
        string threads = "";
        long Frames(int n)
        {
            long before = loop.AllocatedBytes;
            long[] each = [loop.Allocations[0], loop.Allocations[1], loop.Allocations[2]];
            for (int target = loop.Recorder.Count + n; loop.Recorder.Count < target;)
            {
                clock.Advance(TimeSpan.FromSeconds(1)); // with an output, each drawn step refreshes the figures
                Assert.True(loop.Step());
            }
            threads += $" [{loop.Allocations[0] - each[0]}, {loop.Allocations[1] - each[1]}, {loop.Allocations[2] - each[2]}]";
            return loop.AllocatedBytes - before;
        }
        Frames(LiveLoop.WarmUpFrames + N); // past the one resident-memory sample (a /proc read) at frame 100
        // Two measurements, the smaller kept: an allocation per frame shows in both; a one-off (an X event, a status
        // message when the loaded machine makes a frame late) lands in one window only.
        long small = Frames(N), large = Frames(2 * N);
        long small2 = Frames(N), large2 = Frames(2 * N);
        if (serve)
        {
            // The figures the page was given are the loop's own: the frames counted, the stream's drops.
            using var json = System.Text.Json.JsonDocument.Parse(status.Json);
            Assert.True(json.RootElement.GetProperty("captured").GetInt64() >= LiveLoop.WarmUpFrames + 7 * N);
            Assert.StartsWith("outputs dropped: stream ", json.RootElement.GetProperty("outputs").GetString(), StringComparison.Ordinal);
        }
        loop.Finish();
        (small, large) = large2 - small2 < large - small ? (small2, large2) : (small, large);
        double perFrame = (large - small) / (double)N;
        // Any allocation per frame is at least one object (24 B or more). What is left is GLFW's event polling, which
        // now and then allocates a few bytes for an X event (about 100 B in a window of frames, whatever its length).
        Assert.True(perFrame < 4, $"{perFrame:F1} bytes per frame ({small} B for {N} frames, {large} B for {2 * N}); capture, inference, GL threads:{threads}");
    }
}
