using System.Text.Json;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>liveseg image and liveseg eval through the real executable, on generated images with known masks.</summary>
[Slow]
public sealed class ImageCliTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _model;

    public ImageCliTests()
    {
        _model = Synthetic.ColorKeyModel(_dir); // red = foreground, so a red disc is the "lesion"
        Directory.CreateDirectory(_dir.File("data/images"));
        Directory.CreateDirectory(_dir.File("data/masks"));
        var lines = new List<string> { "id,split" };
        for (int i = 0; i < 4; i++)
        {
            int w = 200 + 10 * i, h = 150 + 7 * i;
            using var image = new Mat(h, w, MatType.CV_8UC3, Synthetic.Blue);
            using var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.Black);
            var centre = new Point(w / 2, h / 2);
            Cv2.Circle(image, centre, 40 + 3 * i, Synthetic.Red, -1);
            Cv2.Circle(mask, centre, 40 + 3 * i, Scalar.White, -1);
            Cv2.ImWrite(_dir.File($"data/images/C{i}.png"), image);
            Cv2.ImWrite(_dir.File($"data/masks/C{i}.png"), mask);
            lines.Add($"C{i},{(i < 2 ? "train" : "test")}");
        }
        File.WriteAllLines(_dir.File("data/split.csv"), lines);
    }

    [Fact]
    public void Eval_Json_GivesHighDiceOnAnEasySplit()
    {
        var r = Cli.Run("eval", "--model", _model, "--data", _dir.File("data"), "--split", "test", "--json", "--report", _dir.File("report"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("images").GetInt32());
        Assert.True(doc.RootElement.GetProperty("dice").GetDouble() > 0.95, r.Stdout);
        Assert.True(doc.RootElement.GetProperty("jaccard").GetDouble() > 0.9, r.Stdout);
        Assert.True(File.Exists(_dir.File("report/C2.png")));
        Assert.Equal(3, File.ReadAllLines(_dir.File("report/report.csv")).Length);
    }

    [Fact]
    public void Image_BadFilesAreSkipped_TheRestAreWritten()
    {
        File.WriteAllText(_dir.File("data/images/notes.txt.png"), "not an image");
        var r = Cli.Run("image", _dir.File("data/images"), _dir.File("missing.jpg"), "-o", _dir.File("out"), "--model", _model);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("4 image(s)", r.Stdout);
        Assert.Contains("2 skipped", r.Stdout);
        Assert.Contains("skipped", r.Stderr);
        using var mask = Cv2.ImRead(_dir.File("out/C0-mask.png"), ImreadModes.Grayscale);
        Assert.Equal(255, mask.At<byte>(75, 100));  // disc centre
        Assert.Equal(0, mask.At<byte>(5, 5));       // background
        Assert.True(File.Exists(_dir.File("out/C3-overlay.png")));
    }

    [Fact]
    public void Image_AnUnknownOption_IsAnError_NotASkippedImage()
    {
        var r = Cli.Run("image", _dir.File("data/images"), "-o", _dir.File("out"), "--model", _model, "--renderer", "cpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option '--renderer'", r.Stderr);
        Assert.False(Directory.Exists(_dir.File("out")), "nothing is written");
    }

    [Fact]
    public void Eval_MissingDataset_IsAOneLineError()
    {
        var r = Cli.Run("eval", "--model", _model, "--data", _dir.File("nope"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("dataset folder", r.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}
