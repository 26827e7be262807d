using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The live window, through the real executable under a virtual X display (xvfb-run).</summary>
[Slow]
public sealed class LiveCliTests : IDisposable
{
    private const int Width = 640, Height = 480;
    private readonly TempDir _dir = new();

    [Fact]
    public void Live_AndBench_TakeAnImageSequencePattern_LikeVideo()
    {
        // Before: live and bench checked the pattern as a file name ("does not exist") before the decoder saw it.
        string folder = Directory.CreateDirectory(_dir.File("seq")).FullName;
        for (int i = 1; i <= 2; i++)
        {
            using var f = Synthetic.Frame(i, 160, 120);
            Cv2.ImWrite(Path.Combine(folder, $"f{i:D4}.png"), f);
        }
        string pattern = Path.Combine(folder, "f%04d.png"), model = Synthetic.ColorKeyModel(_dir), shot = _dir.File("s.png");
        var live = Cli.Run("live", "--input", pattern, "--loop", "--model", model, "--no-window", "--frames", "5", "--screenshot", shot, "--device", "cpu");
        Assert.True(live.ExitCode == 0, live.Stdout + live.Stderr);
        Assert.Contains("shown 5 frames", live.Stdout + live.Stderr);
        Assert.True(File.Exists(shot));
        var bench = Cli.Run("bench", pattern, "--model", model, "--rounds", "1", "--device", "cpu");
        Assert.True(bench.ExitCode == 0, bench.Stdout + bench.Stderr);
    }

    [Fact]
    public void Live_RecordingOfAFileWithoutSync_HoldsEveryFrame_FirstOnesIncluded_AtTheFilesRate()
    {
        // Before: the frames shown before the first mask existed were used up unseen (13 in, 11 recorded) and a full
        // encoder pool dropped frames that a file could have waited for.
        string input = _dir.File("moving.mkv");
        Synthetic.WriteVideo(input, 13, 320, 240, 5);
        string folder = Directory.CreateDirectory(_dir.File("rec")).FullName;
        var r = Cli.Run("live", "--input", input, "--model", Synthetic.ColorKeyModel(_dir), "--effect", "mask", "--no-window",
            "--record", "--output-folder", folder, "--device", "cpu");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("recorded 13 frames (2.6 s, 0 dropped)", r.Stdout + r.Stderr);
        string recording = Directory.GetFiles(folder, "liveseg-*.mp4").Single();
        var probe = Synthetic.Probe(recording);
        Assert.Equal((13, 5.0), (probe.Frames, probe.Fps));
        // Frame k of the recording shows input frame k: the mask's square starts where frame 0's does.
        using var first = Synthetic.ReadFrame(recording, 0);
        var square = Synthetic.SquareAt(0, 320, 240);
        Assert.True(first.At<Vec3b>(square.Y + square.Height / 2, square.X + 1).Item1 > 128, "frame 0's square is in the first recorded frame");
        Assert.True(first.At<Vec3b>(square.Y + square.Height / 2, square.X + square.Width + 3).Item1 < 128, "and ends where frame 0's ends");
    }

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
            "--smooth", "0", "--refine", "off", "--sync", "--no-vsync", "--frames", "20", "--screenshot", shot));
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
    public void Live_HudShowsTheMasksAge_AndTheSummarySaysIt()
    {
        string input = _dir.File("moving.mkv");
        Synthetic.WriteVideo(input, 30, Width, Height, 30);
        string shot = _dir.File("hud.png");
        var r = Cli.Run(XvfbRun("live", "--input", input, "--model", Synthetic.ColorKeyModel(_dir), "--no-vsync", "--frames", "20",
            "--motion-comp", "on", "--screenshot", shot));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Matches(@"mask age when drawn: [\d.]+ / [\d.]+ frames, [\d.]+ / [\d.]+ ms p50/p95; motion comp on", r.Stdout);
        Assert.Matches(@"(?m)^motion\s+\d", r.Stdout); // its own stage in the latency table
        using var screenshot = Cv2.ImRead(shot);
        using var hud = new Mat(screenshot, new Rect(8, 8, HudStage.Width, HudStage.Height));
        // The HUD's words are found in the screenshot where drawn; a phrase it does not show is not (the check can fail).
        Assert.True(HudText.Score(hud, "mask age") > 0.8, $"no 'mask age' line in the HUD (score {HudText.Score(hud, "mask age"):F2})");
        Assert.True(HudText.Score(hud, "motion comp") > 0.8, "no motion compensation line in the HUD");
        Assert.True(HudText.Score(hud, "zebra quux") < 0.6, "a phrase the HUD does not show matched");
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
        using var cpu = new CpuCompositor(Width, Height, new EffectSettings { Effect = EffectKind.Replace, Refine = RefineKind.Off }, bg);
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
