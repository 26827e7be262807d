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
/// Every live-mode key, injected into the real loop in-process (a GLFW window under xvfb-run) and stepped by the test:
/// each key's effect on the loop's state, the screenshot's content and the recording's frames are asserted.
/// </summary>
[Slow]
public sealed class LiveKeysTests : IDisposable
{
    private const int Width = 160, Height = 120;
    private readonly TempDir _dir = new();
    private readonly string _input;
    private readonly string _model;
    private readonly string _background;

    public LiveKeysTests()
    {
        // A still scene: whichever frame is on screen, the expected image is known.
        _input = _dir.File("still.mkv");
        using (var writer = new VideoWriter(_input, FourCC.FromString("FFV1"), 30, new Size(Width, Height)))
        using (var still = Synthetic.Frame(10, Width, Height))
        {
            for (int i = 0; i < 30; i++)
                writer.Write(still);
        }
        _model = Synthetic.ColorKeyModel(_dir);
        _background = _dir.File("bg.png");
        using var bg = new Mat(Height, Width, MatType.CV_8UC3, new Scalar(0, 200, 0));
        Cv2.ImWrite(_background, bg);
    }

    private LiveLoop Open(EffectSettings effect, RendererKind renderer = RendererKind.Auto, string? input = null)
    {
        input ??= _input;
        var spec = ModelSpec.FromFile(_model, null);
        var loop = new LiveLoop(new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(input), Name = "still", Loop = true },
            Model = new ModelSettings(spec, DeviceChoice.Cpu, 1),
            Models = [spec, spec with { Manifest = spec.Manifest with { Name = "second" } }],
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = effect,
            Renderer = renderer,
            Backgrounds = [_background],
            Sync = true,
            VSync = false,
            OutputFolder = _dir.Path,
        });
        loop.Start();
        return loop;
    }

    /// <summary>Steps until <paramref name="frames"/> more frames were shown.</summary>
    private static void Show(LiveLoop loop, int frames)
    {
        for (int target = loop.Recorder.Count + frames, guard = 0; loop.Recorder.Count < target; guard++)
        {
            Assert.True(loop.Step(), "the loop ended early");
            Assert.True(guard < 100_000, "no new frame was shown");
        }
    }

    private static void Press(LiveLoop loop, LiveAction action, int argument = 0)
    {
        loop.Press(KeyMap.Of(action, argument).Keys[0]);
        Show(loop, 1);
    }

    [DisplayTheory]
    [InlineData(RendererKind.Gl)]
    [InlineData(RendererKind.Cpu)]
    public void EffectKeys_SwitchTheEffect_PlusMinusChangeItsSetting_AndSmoothingForMask(RendererKind renderer)
    {
        using var loop = Open(new EffectSettings { Effect = EffectKind.Blur, Refine = RefineKind.Off }, renderer);
        Show(loop, 2);
        foreach (Effect e in EffectRegistry.All)
        {
            Press(loop, LiveAction.Effect, (int)e.Kind);
            Assert.Equal(e.Kind, loop.Controls.Effect.Effect);
        }
        Press(loop, LiveAction.Effect, (int)EffectKind.Blur);
        Press(loop, LiveAction.Stronger);
        Assert.Equal(14, loop.Controls.Effect.BlurRadius);
        Press(loop, LiveAction.Effect, (int)EffectKind.Tint);
        Press(loop, LiveAction.Weaker);
        Assert.Equal(0.4f, loop.Controls.Effect.TintStrength, 3);
        Press(loop, LiveAction.Effect, (int)EffectKind.Outline);
        Press(loop, LiveAction.Stronger);
        Assert.Equal(4, loop.Controls.Effect.OutlineWidth);
        Press(loop, LiveAction.Effect, (int)EffectKind.Mask);
        Press(loop, LiveAction.Stronger);
        Assert.Equal(0.1f, loop.Segment.Smoothing, 3); // + on mask changes the smoothing the segment stage applies
        Assert.Equal(0.1f, loop.Controls.Smoothing, 3);
        loop.Finish();
    }

    [DisplayFact]
    public void ModelBackgroundHudHelpFullScreenAndQuitKeys()
    {
        using var loop = Open(new EffectSettings { Effect = EffectKind.Tint, Refine = RefineKind.Off });
        Show(loop, 2);
        Press(loop, LiveAction.NextModel);
        Show(loop, 2);
        Assert.Equal(1, loop.Controls.ModelIndex);
        Assert.Equal("second", loop.Segment.Segmenter.Manifest.Name); // loaded by the inference thread
        Assert.Equal(0, loop.Controls.BackgroundIndex);
        Press(loop, LiveAction.NextBackground);
        Assert.Equal(-1, loop.Controls.BackgroundIndex); // after the images, the gradient
        Assert.Equal(EffectKind.Replace, loop.Controls.Effect.Effect);
        Press(loop, LiveAction.Hud);
        Assert.False(loop.Controls.HudVisible);
        Press(loop, LiveAction.Help);
        Assert.True(loop.Controls.HelpVisible);
        bool full = loop.Window.IsFullScreen;
        Press(loop, LiveAction.FullScreen);
        Assert.NotEqual(full, loop.Window.IsFullScreen);
        Press(loop, LiveAction.FullScreen);
        Assert.Equal(full, loop.Window.IsFullScreen);
        loop.Press(KeyMap.Of(LiveAction.Quit).Keys[0]);
        Assert.True(loop.Step()); // the key is handled in this step
        Assert.True(loop.Controls.QuitRequested);
        Assert.False(loop.Step());
        loop.Finish();
    }

    [DisplayTheory]
    [InlineData(RendererKind.Gl)]
    [InlineData(RendererKind.Cpu)]
    public void ScreenshotKey_SavesExactlyTheFrameShown_ForEveryEffect(RendererKind renderer)
    {
        using var loop = Open(new EffectSettings { Effect = EffectKind.Replace, Refine = RefineKind.Off }, renderer);
        Assert.Equal(renderer == RendererKind.Cpu, loop.RendererDescription.Contains("CPU renderer", StringComparison.Ordinal));
        Press(loop, LiveAction.Hud); // no HUD: the whole window must equal the CPU reference
        Show(loop, 3);
        foreach (Effect effect in EffectRegistry.All) // every registered effect, through its key
        {
            Press(loop, LiveAction.Effect, (int)effect.Kind);
            Show(loop, 3);
            Press(loop, LiveAction.Screenshot);
            string shot = Directory.GetFiles(_dir.Path, "liveseg-*.png").Single();
            using (var image = Cv2.ImRead(shot))
            using (var expected = Reference(loop.Controls.Effect))
            using (var diff = new Mat())
            {
                Cv2.Absdiff(image, expected, diff);
                Cv2.MinMaxLoc(diff.Reshape(1), out double _, out double worst);
                Assert.True(worst <= 1, $"{effect.Name}: the screenshot differs from the frame shown by {worst} LSB");
            }
            File.Delete(shot);
        }
        loop.Finish();
    }

    [DisplayFact]
    public void RecordKey_RecordsOnlyNewFrames_AtAConstantRate()
    {
        using var loop = Open(new EffectSettings { Effect = EffectKind.Tint, Refine = RefineKind.Off });
        Show(loop, 2);
        Press(loop, LiveAction.Record);
        Assert.NotNull(loop.Controls.Recording);
        Show(loop, 20);
        Press(loop, LiveAction.Record);
        Assert.Null(loop.Controls.Recording);
        var (path, frames) = loop.Controls.LastRecording!.Value;
        loop.Finish();
        var probe = Synthetic.Probe(path);
        Assert.Equal((Width, Height), (probe.Width, probe.Height));
        Assert.Equal(frames, probe.Frames);
        Assert.True(frames > 0);
        // Decoded as a player does (H.264 tagged BT.709: OpenCV's decoder would read it with BT.601's matrix).
        using var first = FfmpegDecode.Frames(path)[0];
        using var expected = Reference(new EffectSettings { Effect = EffectKind.Tint, Refine = RefineKind.Off });
        using var diff = new Mat();
        Cv2.Absdiff(first, expected, diff);
        Assert.True(Cv2.Mean(diff).Val0 < 8, $"the recording holds the composited frame (H.264 4:2:0, lossy): mean difference {Cv2.Mean(diff).Val0:F2}");
    }

    [DisplayFact]
    public void Recording_OfAFilePlayedAtProcessingSpeed_HasEachShownFrameOnce_AtTheFilesRate()
    {
        // 5 fps in the file, shown as fast as the loop goes: before, the recording ran at the measured rate (tens of fps)
        // and placed frames by wall clock, so it neither had the file's rate nor one copy of each frame.
        string moving = _dir.File("moving.mkv");
        Synthetic.WriteVideo(moving, 40, Width, Height, 5);
        using var loop = Open(new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off }, input: moving);
        Show(loop, 2);
        Press(loop, LiveAction.Record);
        long shownBefore = loop.Recorder.Count;
        Show(loop, 12);
        long shownWhileRecording = loop.Recorder.Count - shownBefore + 1; // the frame shown with the key press is recorded too
        Press(loop, LiveAction.Record);
        var (path, frames) = loop.Controls.LastRecording!.Value;
        loop.Finish();
        var probe = Synthetic.Probe(path);
        Assert.Equal(5, probe.Fps, 3);
        Assert.Equal(frames, probe.Frames);
        Assert.InRange(probe.Frames, shownWhileRecording, shownWhileRecording + 1);
        // No frame twice: the square moves 2 px a frame, so each recorded frame differs from the one before.
        using var cap = new VideoCapture(path);
        using Mat previous = new(), current = new(), diff = new();
        Assert.True(cap.Read(previous));
        for (int i = 1; i < probe.Frames; i++)
        {
            Assert.True(cap.Read(current));
            Cv2.Absdiff(previous, current, diff);
            Assert.True(Cv2.Mean(diff).Val0 + Cv2.Mean(diff).Val1 + Cv2.Mean(diff).Val2 > 0.5, $"recorded frame {i} repeats frame {i - 1}");
            current.CopyTo(previous);
        }
    }

    /// <summary>The still frame through the CPU compositor with the first background: what the window shows.</summary>
    private Mat Reference(EffectSettings effect)
    {
        using var source = new VideoFileSource(_input);
        using var seg = new OnnxSegmenter(ModelSpec.FromFile(_model, null), DeviceChoice.Cpu);
        using var slot = new FrameSlot(seg.MaskWidth, seg.MaskHeight);
        Assert.True(source.Read(slot.Image));
        var timing = new LiveSeg.Metrics.FrameTiming();
        seg.Segment(slot.Image, slot.Mask, ref timing);
        using var bg = Cv2.ImRead(_background);
        using var cpu = new CpuCompositor(Width, Height, effect, bg);
        cpu.Submit(slot);
        cpu.Complete(slot);
        return slot.Output.Clone();
    }

    public void Dispose() => _dir.Dispose();
}
