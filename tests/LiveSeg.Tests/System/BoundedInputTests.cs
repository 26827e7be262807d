using System.IO.Compression;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Issue 27, item 2: images whose header claims too many pixels, models with NaN/Inf or empty outputs, and --size
/// out of range are one-line user errors (or, in a batch, a skipped file), never an internal error.
/// </summary>
[Slow]
public sealed class BoundedInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A small PNG (a few KB) whose header claims 60000x60000 pixels: OpenCV refuses it with an exception.</summary>
    private string HugePng()
    {
        string path = _dir.File("huge.png");
        static byte[] Chunk(string type, byte[] data)
        {
            var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            var length = BitConverter.GetBytes(data.Length).Reverse();
            var crc = BitConverter.GetBytes(Crc32(body)).Reverse();
            return [.. length, .. body, .. crc];
        }
        byte[] ihdr = [0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60, 8, 2, 0, 0, 0];
        using var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(new byte[20 * 180001]);
        File.WriteAllBytes(path, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. Chunk("IHDR", ihdr), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])]);
        return path;
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    private string RedImage(string name)
    {
        using var image = new Mat(96, 128, MatType.CV_8UC3, Synthetic.Blue);
        Cv2.Rectangle(image, new Rect(32, 24, 64, 48), Synthetic.Red, -1);
        Cv2.ImWrite(_dir.File(name), image);
        return _dir.File(name);
    }

    private string Model(string name)
    {
        string path = _dir.File(name + ".onnx");
        SyntheticModels.Write(name, path);
        return path;
    }

    [Fact]
    public void HeaderSize_ReadsPngJpegAndBmp()
    {
        using var image = new Mat(37, 53, MatType.CV_8UC3, Scalar.Gray);
        foreach (string ext in new[] { ".png", ".jpg", ".bmp" })
        {
            Cv2.ImWrite(_dir.File("s" + ext), image);
            Assert.Equal((53L, 37L), ImageFiles.HeaderSize(_dir.File("s" + ext)));
        }
        Assert.Equal((60000L, 60000L), ImageFiles.HeaderSize(HugePng()));
    }

    [Fact]
    public void Image_AHugeHeaderInABatch_IsReportedAndSkipped()
    {
        string huge = HugePng(), ok = RedImage("ok.png");
        var r = Cli.Run("image", huge, ok, "-o", _dir.File("out"), "--model", Model("colorkey"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"liveseg: skipped '{huge}': its header says 60000x60000 pixels", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("1 image(s)", r.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(_dir.File("out/ok-mask.png")));
    }

    [Fact]
    public void Image_AHugeHeaderAlone_IsOneLineExit2()
    {
        string huge = HugePng();
        var r = Cli.Run("image", huge, "-o", _dir.File("out"), "--model", Model("colorkey"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"liveseg: error: input image '{huge}': its header says 60000x60000 pixels, more than the 268 megapixels LiveSeg decodes.", r.Stderr.Trim());
    }

    [Fact]
    public void Eval_AHugeImage_IsSkipped_TheOthersScored()
    {
        Directory.CreateDirectory(_dir.File("data/images"));
        Directory.CreateDirectory(_dir.File("data/masks"));
        File.Move(RedImage("a.png"), _dir.File("data/images/A.png"));
        using (var mask = new Mat(96, 128, MatType.CV_8UC1, Scalar.Black))
        {
            Cv2.Rectangle(mask, new Rect(32, 24, 64, 48), Scalar.White, -1);
            Cv2.ImWrite(_dir.File("data/masks/A.png"), mask);
            Cv2.ImWrite(_dir.File("data/masks/B.png"), mask);
        }
        File.Move(HugePng(), _dir.File("data/images/B.png"));
        File.WriteAllLines(_dir.File("data/split.csv"), ["id,split", "A,test", "B,test"]);
        var r = Cli.Run("eval", "--model", Model("colorkey"), "--data", _dir.File("data"), "--split", "test");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("skipped", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("mean over 1 images (1 skipped)", r.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The rule: a NaN/Inf output is background (0), the same for every command (they share the postprocessor).</summary>
    [Fact]
    public void NanOutputs_AreBackground_AndFinite()
    {
        using var segmenter = Segmenter.Open(Model("nan"), new SegmenterOptions { Device = DeviceChoice.Cpu });
        using var frame = Cv2.ImRead(RedImage("f.png"));
        var mask = segmenter.Segment(frame);
        Assert.All(mask.Values.ToArray(), v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, mask[2, 2]);                            // blue: the model said NaN
        Assert.Equal(1f, mask[mask.Width / 2, mask.Height / 2]); // red: sqrt of a large logit, clamped
    }

    [Fact]
    public void NanOutputs_InImage_WarnOnce()
    {
        var r = Cli.Run("image", RedImage("a.png"), RedImage("b.png"), "-o", _dir.File("out"), "--model", Model("nan"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        var warnings = r.Stderr.Split('\n').Where(l => l.StartsWith("liveseg: warning: model 'nan' output NaN or infinite values", StringComparison.Ordinal)).ToArray();
        Assert.Single(warnings);
        Assert.EndsWith("they are treated as background (0).", warnings[0], StringComparison.Ordinal);
        using var written = Cv2.ImRead(_dir.File("out/a-mask.png"), ImreadModes.Grayscale);
        Assert.Equal(0, written.At<byte>(5, 5));
        Assert.Equal(255, written.At<byte>(48, 64));
    }

    [Fact]
    public void NanOutputs_InVideo_WarnOnce_AndTheMaskIsNotBlack()
    {
        string input = _dir.File("in.avi"), output = _dir.File("out.avi");
        Synthetic.WriteVideo(input, 6, 128, 96, 10);
        var r = Cli.Run("video", input, "-o", output, "--model", Model("nan"), "--effect", "mask", "--smooth", "0", "--renderer", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("liveseg: warning: model 'nan' output NaN", StringComparison.Ordinal));
        using var frame = Synthetic.ReadFrame(output, 3);
        Cv2.MinMaxLoc(frame.CvtColor(ColorConversionCodes.BGR2GRAY), out double _, out double max);
        Assert.True(max > 200, "the red square is foreground");
    }

    [Fact]
    public void AZeroDimensionOutput_IsAClearErrorAtLoad()
    {
        var e = Assert.Throws<LiveSegException>(() => Segmenter.Open(Model("empty-output"), new SegmenterOptions { Device = DeviceChoice.Cpu }));
        Assert.Contains("returns a tensor of shape 1x1x0x128: every dimension of a mask output must be 1..", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("100000x100000")]
    [InlineData("8x8")]
    public void LiveSize_OutOfRange_IsRefusedWithTheRange(string size)
    {
        var r = Cli.Run("live", "--size", size, "--no-window");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"--size {size} is out of range: each side is 16..8192 pixels", r.Stderr, StringComparison.Ordinal);
    }
}
