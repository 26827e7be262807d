using System.Text.RegularExpressions;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Issue 10: 'video/bench/eval --report DIR' write PNG plots that decode, have the expected size and are not blank,
/// and an index.html that shows them; redirected progress is plain text.
/// </summary>
[Slow]
public sealed class ReportTests : IDisposable
{
    private const int Width = 160, Height = 120, Frames = 24;
    private readonly TempDir _dir = new();
    private readonly string _input;
    private readonly string _model;

    public ReportTests()
    {
        _input = _dir.File("in.mkv");
        Synthetic.WriteVideo(_input, Frames, Width, Height, 12);
        _model = Synthetic.ColorKeyModel(_dir);
    }

    /// <summary>The PNG decodes, is 960x540 and is a drawing (many colours, not one flat fill).</summary>
    private static void AssertPlot(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing");
        using var image = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(image.Empty(), $"{path} does not decode");
        Assert.Equal((960, 540), (image.Width, image.Height));
        using var gray = image.CvtColor(ColorConversionCodes.BGR2GRAY);
        Cv2.MeanStdDev(gray, out _, out Scalar stddev);
        Assert.True(stddev.Val0 > 5, $"{path} is (nearly) blank: stddev {stddev.Val0}");
        using var dark = new Mat();
        Cv2.Threshold(gray, dark, 128, 255, ThresholdTypes.BinaryInv);
        Assert.True(Cv2.CountNonZero(dark) > 2000, $"{path} has almost nothing drawn on it");
    }

    private static void AssertIndexShows(string folder, params string[] images)
    {
        string html = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.StartsWith("<!DOCTYPE html>", html);
        foreach (string image in images)
            Assert.Contains($"<img src=\"{image}\"", html);
    }

    [Fact]
    public void Video_Report_WritesThreePlotsAndAnIndex()
    {
        string report = _dir.File("report");
        var r = Cli.Run("video", _input, "-o", _dir.File("out.mkv"), "--model", _model, "--report", report);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"report: {Path.Combine(report, "index.html")}", r.Stdout);
        foreach (string png in new[] { "stages.png", "latency.png", "fps.png" })
            AssertPlot(Path.Combine(report, png));
        AssertIndexShows(report, "stages.png", "latency.png", "fps.png");
        string html = File.ReadAllText(Path.Combine(report, "index.html"));
        Assert.Contains(_input, html);           // the run's settings
        Assert.Contains("<td>end_to_end</td>", html); // the summary table
        Assert.Empty(Directory.GetFiles(report, ".*")); // no temporary file left (every file written atomically)
    }

    [Fact]
    public void Bench_Report_HasFpsPerRoundOfBothModes()
    {
        string report = _dir.File("bench-report");
        var r = Cli.Run("bench", _input, "--model", _model, "--rounds", "2", "--frames", "12", "--report", report);
        Assert.True(r.ExitCode == 0, r.Stderr);
        foreach (string png in new[] { "stages.png", "latency.png", "fps.png" })
            AssertPlot(Path.Combine(report, png));
        AssertIndexShows(report, "stages.png", "latency.png", "fps.png");
        string html = File.ReadAllText(Path.Combine(report, "index.html"));
        Assert.Contains("<h2>sequential:", html);
        Assert.Contains("<h2>pipelined:", html);
    }

    [Fact]
    public void Eval_Report_AddsADiceHistogramAndTheWorstImages()
    {
        Directory.CreateDirectory(_dir.File("data/images"));
        Directory.CreateDirectory(_dir.File("data/masks"));
        var lines = new List<string> { "id,split" };
        for (int i = 0; i < 5; i++)
        {
            using var image = new Mat(120, 160, MatType.CV_8UC3, Synthetic.Blue);
            using var mask = new Mat(120, 160, MatType.CV_8UC1, Scalar.Black);
            Cv2.Circle(image, new Point(80, 60), 20 + 4 * i, Synthetic.Red, -1);
            Cv2.Circle(mask, new Point(80 + 6 * i, 60), 20 + 4 * i, Scalar.White, -1); // shifted truth: Dice falls with i
            Cv2.ImWrite(_dir.File($"data/images/E{i}.png"), image);
            Cv2.ImWrite(_dir.File($"data/masks/E{i}.png"), mask);
            lines.Add($"E{i},test");
        }
        File.WriteAllLines(_dir.File("data/split.csv"), lines);
        string report = _dir.File("eval-report");
        var r = Cli.Run("eval", "--model", _model, "--data", _dir.File("data"), "--report", report);
        Assert.True(r.ExitCode == 0, r.Stderr);
        AssertPlot(Path.Combine(report, "dice-histogram.png"));
        AssertIndexShows(report, "dice-histogram.png", "E4.png", "E0.png");
        string html = File.ReadAllText(Path.Combine(report, "index.html"));
        Assert.True(html.IndexOf("E4.png", StringComparison.Ordinal) < html.IndexOf("E0.png", StringComparison.Ordinal), "the worst image comes first");
    }

    [Fact]
    public void Report_IntoTheInputVideo_IsRefusedBeforeAnyWork()
    {
        var r = Cli.Run("video", _input, "-o", _dir.File("out.mkv"), "--model", _model, "--report", _input);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("liveseg: error: report folder", r.Stderr);
        Assert.False(File.Exists(_dir.File("out.mkv")));
        var e = Cli.Run("eval", "--model", _model, "--data", _dir.Path, "--report", _dir.Path);
        Assert.Equal(2, e.ExitCode);
    }

    [Fact]
    public void RedirectedProgress_IsPlainLines_WithoutControlCharacters()
    {
        var r = Cli.Run("video", _input, "-o", _dir.File("out.mkv"), "--model", _model);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("progress:", r.Stderr);
        Assert.True(r.Stderr.Split('\n').Any(Progress.Started), r.Stderr);
        foreach (string text in new[] { r.Stderr, r.Stdout })
        {
            var control = text.Where(c => char.IsControl(c) && c != '\n').Select(c => $"U+{(int)c:X4}").Distinct().ToArray();
            Assert.True(control.Length == 0, $"control characters {string.Join(", ", control)} in:\n{text}");
        }
        Assert.Matches(new Regex(@"^progress:\s+\d+/24\s+\d+\.\d%\s+\d+\.\d fps  ETA \d+:\d\d$", RegexOptions.Multiline), r.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}
