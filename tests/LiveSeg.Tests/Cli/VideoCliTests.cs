using System.Text.RegularExpressions;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>End to end through the real executable: a video the test writes → liveseg video → the output checked.</summary>
[Slow]
public sealed class VideoCliTests : IDisposable
{
    private const int Width = 160, Height = 120, Frames = 24;
    private const double Fps = 12;
    private readonly TempDir _dir = new();
    private readonly string _input;
    private readonly string _model;

    public VideoCliTests()
    {
        _input = _dir.File("input.mkv");
        Synthetic.WriteVideo(_input, Frames, Width, Height, Fps);
        _model = Synthetic.ColorKeyModel(_dir);
    }

    [Fact]
    public void Parity_CpuAgainstCpu_IsExact_AndSaysSo()
    {
        var r = Cli.Run("parity", _input, "--model", _model, "--device", "cpu", "--frames", "5", "--json");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        Assert.Equal(5, doc.RootElement.GetProperty("frames").GetInt32());
        Assert.Equal(0.0, doc.RootElement.GetProperty("max_abs_diff").GetDouble());
        Assert.Equal(1.0, doc.RootElement.GetProperty("worst_iou").GetDouble());
        Assert.True(doc.RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public void Quality_PrintsFlickerForEachMaskAndTheLag()
    {
        var r = Cli.Run("quality", _input, "--model", _model, "--frames", "12", "--json");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout.Trim());
        var q = doc.RootElement;
        Assert.Equal(12, q.GetProperty("frames").GetInt32());
        foreach (string name in new[] { "flicker_raw", "flicker_smoothed", "flicker_refined", "flicker_refined_smoothed" })
            Assert.InRange(q.GetProperty(name).GetDouble(), 0, 1);
        // 12 frames are too few for the lag (it needs 2 x 6 + 2): null, not NaN (which JSON cannot hold).
        Assert.Equal(System.Text.Json.JsonValueKind.Null, q.GetProperty("lag_frames").ValueKind);
        Assert.Equal("bilateral", q.GetProperty("refine").GetString()); // auto, for a measurement without OpenGL
    }

    [Fact]
    public void Quality_MaskAge_GivesStaleAndWarpedIouForMasks1To3FramesOld()
    {
        var r = Cli.Run("quality", _input, "--model", _model, "--frames", "12", "--json");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout.Trim());
        var ages = doc.RootElement.GetProperty("mask_age").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 3], ages.Select(a => a.GetProperty("frames").GetInt32()));
        double previous = 1;
        foreach (var a in ages)
        {
            double stale = a.GetProperty("iou_stale").GetDouble(), warped = a.GetProperty("iou_warped").GetDouble();
            Assert.InRange(stale, 0.5, 0.999); // the square moves 2 px a frame: an older mask is off, never wholly
            Assert.InRange(warped, 0, 1);
            Assert.True(warped > stale, $"{a}: the warped mask should overlap the frame's own better than the stale one");
            Assert.True(stale < previous, $"{a}: an older mask should overlap less");
            previous = stale;
        }
    }

    [Fact]
    public void Video_MaskEffect_SameGeometryAndMaskWhereTheSquareIs()
    {
        string output = _dir.File("mask.mkv");
        var r = Cli.Run("video", _input, "-o", output, "--model", _model, "--effect", "mask", "--smooth", "0",
            "--metrics", _dir.File("m.json"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal((Frames, Fps, Width, Height), Synthetic.Probe(output));
        Assert.Contains($"done: {Frames} frames", r.Stdout);
        foreach (string stage in new[] { "decode", "preprocess", "inference", "postprocess", "upload", "refine", "composite", "readback", "encode", "end_to_end" })
            Assert.Matches($@"(?m)^{stage}\s+\d", r.Stdout);
        foreach (int i in new[] { 0, Frames / 2, Frames - 1 })
        {
            using var frame = Synthetic.ReadFrame(output, i);
            Rect sq = Synthetic.SquareAt(i, Width, Height);
            Assert.True(frame.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2).Item1 > 240, $"frame {i}: square centre should be white");
            Assert.True(frame.At<Vec3b>(3, 3).Item1 < 15, $"frame {i}: background corner should be black");
        }
        Assert.True(File.Exists(_dir.File("m.json")));
    }

    [Fact]
    public void Video_ReplaceEffect_BackgroundReplacedPersonKept()
    {
        string bgPath = _dir.File("bg.png");
        using (var bg = new Mat(50, 50, MatType.CV_8UC3, new Scalar(0, 255, 0)))
            Cv2.ImWrite(bgPath, bg);
        string output = _dir.File("replace.mkv");
        var r = Cli.Run("video", _input, "-o", output, "--model", _model, "--effect", "replace", "--background", bgPath, "--smooth", "0", "--codec", "ffv1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var frame = Synthetic.ReadFrame(output, 5);
        Rect sq = Synthetic.SquareAt(5, Width, Height);
        var inside = frame.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2);
        var outside = frame.At<Vec3b>(3, 3);
        Assert.True(inside.Item2 > 240 && inside.Item1 < 15, $"square stays red, got {inside}");
        Assert.True(outside.Item1 > 240 && outside.Item0 < 15 && outside.Item2 < 15, $"background becomes green, got {outside}");
    }

    [Fact]
    public void Video_SequentialAndPipelined_GiveIdenticalFrames()
    {
        string a = _dir.File("seq.mkv"), b = _dir.File("pipe.mkv");
        Assert.Equal(0, Cli.Run("video", _input, "-o", a, "--model", _model, "--effect", "blur", "--sequential").ExitCode);
        Assert.Equal(0, Cli.Run("video", _input, "-o", b, "--model", _model, "--effect", "blur").ExitCode);
        using var ca = new VideoCapture(a);
        using var cb = new VideoCapture(b);
        using Mat fa = new(), fb = new(), diff = new();
        int n = 0;
        while (ca.Read(fa) && cb.Read(fb) && !fa.Empty())
        {
            Cv2.Absdiff(fa, fb, diff);
            Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
            n++;
        }
        Assert.Equal(Frames, n);
    }

    public static TheoryData<string, string[], string> BadInputs() => new()
    {
        { "missing input", ["video", "{dir}/nope.mp4", "-o", "{dir}/o.mp4", "--model", "{model}"], "input video '{dir}/nope.mp4' does not exist" },
        { "folder as input", ["video", "{dir}", "-o", "{dir}/o.mp4", "--model", "{model}"], "is a folder, not a file" },
        { "not a video", ["video", "{dir}/colorkey.json", "-o", "{dir}/o.mp4", "--model", "{model}"], "is a text file, not a video" },
        { "zero frames", ["video", "{dir}/empty.avi", "-o", "{dir}/o.mp4", "--model", "{model}"], "input video '{dir}/empty.avi' has no frames" },
        { "output folder missing", ["video", "{input}", "-o", "{dir}/no/such/o.mp4", "--model", "{model}"], "folder '{dir}/no/such' does not exist" },
        { "output folder unwritable", ["video", "{input}", "-o", "/proc/o.mp4", "--model", "{model}"], "folder '/proc' cannot be written" },
        { "no codec", ["video", "{input}", "-o", "{dir}/o.xyz", "--model", "{model}"], "no video container for the extension '.xyz'" },
        { "missing model", ["video", "{input}", "-o", "{dir}/o.mp4", "--model", "{dir}/none.onnx"], "model '{dir}/none.onnx' does not exist" },
        { "malformed manifest", ["video", "{input}", "-o", "{dir}/o.mp4", "--model", "{model}", "--manifest", "{dir}/bad.json"], "model manifest '{dir}/bad.json' is not valid JSON" },
        { "shape contradicts manifest", ["video", "{input}", "-o", "{dir}/o.mp4", "--model", "{model}", "--manifest", "{dir}/wrong.json"], "but its manifest says 1x3x64x64" },
        { "unknown effect", ["video", "{input}", "-o", "{dir}/o.mp4", "--model", "{model}", "--effect", "sparkle"], "unknown effect 'sparkle'" },
        { "unknown device", ["video", "{input}", "-o", "{dir}/o.mp4", "--model", "{model}", "--device", "tpu"], "unknown device 'tpu'" },
        { "unknown option", ["video", "{input}", "-o", "{dir}/o.mp4", "--fast"], "unknown option '--fast'" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Video_BadInput_OneLineErrorAndExitCode2(string name, string[] args, string expected)
    {
        File.WriteAllText(_dir.File("bad.json"), "{ \"input\": ");
        File.WriteAllText(_dir.File("wrong.json"), File.ReadAllText(_dir.File("colorkey.json")).Replace("128", "64", StringComparison.Ordinal));
        if (!File.Exists(_dir.File("empty.avi")))
        {
            using var w = new VideoWriter(_dir.File("empty.avi"), FourCC.FromString("MJPG"), 10, new Size(8, 8));
        }
        string Sub(string s) => s.Replace("{dir}", _dir.Path, StringComparison.Ordinal).Replace("{input}", _input, StringComparison.Ordinal).Replace("{model}", _model, StringComparison.Ordinal);
        var r = Cli.Run(args.Select(Sub).ToArray());
        Assert.True(r.ExitCode == 2, $"{name}: exit {r.ExitCode}, stderr: {r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{name}: expected one line, got:\n{r.Stderr}");
        Assert.StartsWith("liveseg: error: ", lines[0]);
        Assert.Contains(Sub(expected), lines[0]);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(File.Exists(_dir.File("o.mp4")), $"{name}: no output file may be left behind");
    }

    [Fact]
    public void Video_Interrupted_LeavesPlayableFileWithTheFramesDone()
    {
        string longInput = _dir.File("long.mkv");
        Synthetic.WriteVideo(longInput, 1500, 320, 240, 25);
        string output = _dir.File("partial.mp4");
        using var run = Cli.StartHeld(600, "video", longInput, "-o", output, "--model", _model, "--effect", "blur");
        run.WaitForLine(Progress.Started);
        Assert.False(File.Exists(output), "the output appears only when complete (written to a temporary file first)");
        run.Signal("INT");
        var r = run.WaitForExit();
        Assert.True(r.ExitCode == 130, $"exit {r.ExitCode}: {r.Stderr}");
        Match m = Regex.Match(r.Stdout, @"interrupted: (\d+) frames");
        Assert.True(m.Success, r.Stdout);
        int done = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(done, 1, 600);
        Assert.Contains($"holds the {done} frames processed before the stop and is playable", r.Stderr);
        var probe = Synthetic.Probe(output);
        Assert.Equal((done, 320, 240), (probe.Frames, probe.Width, probe.Height));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".*tmp*"));
    }

    public void Dispose() => _dir.Dispose();
}
