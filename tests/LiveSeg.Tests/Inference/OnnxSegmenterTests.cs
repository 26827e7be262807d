using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Tests;

public class OnnxSegmenterTests
{
    [Fact]
    public void Segment_ColorKeyModel_RedIsForegroundBlueIsNot()
    {
        using var dir = new TempDir();
        var spec = ModelSpec.FromFile(Synthetic.ColorKeyModel(dir), null);
        using var seg = new OnnxSegmenter(spec, DeviceChoice.Cpu);
        Assert.Equal((64, 64), (seg.MaskWidth, seg.MaskHeight));
        using var frame = Synthetic.Frame(0, 256, 256);
        var target = new Mask(64, 64);
        float[] mask = target.Data;
        var timing = new FrameTiming();
        seg.Segment(frame, target, ref timing);
        Rect sq = Synthetic.SquareAt(0, 256, 256);
        int cx = (sq.X + sq.Width / 2) / 4, cy = (sq.Y + sq.Height / 2) / 4;
        Assert.True(mask[cy * 64 + cx] > 0.99f, $"square centre {mask[cy * 64 + cx]}");
        Assert.True(mask[2 * 64 + 2] < 0.01f, $"background {mask[2 * 64 + 2]}");
        Assert.True(timing.Ticks[(int)Stage.Inference] > 0);
    }

    [Fact]
    public void Create_ManifestSizeContradictsModel_NamesBothShapes()
    {
        using var dir = new TempDir();
        string onnx = Synthetic.ColorKeyModel(dir);
        string json = File.ReadAllText(Path.ChangeExtension(onnx, ".json")).Replace("\"width\": 128", "\"width\": 100", StringComparison.Ordinal);
        File.WriteAllText(dir.File("wrong.json"), json);
        var e = Assert.Throws<LiveSegException>(() => new OnnxSegmenter(ModelSpec.FromFile(onnx, dir.File("wrong.json")), DeviceChoice.Cpu));
        Assert.Contains("1x3x128x128", e.Message);
        Assert.Contains("1x3x128x100", e.Message);
    }

    [Fact]
    public void Create_ChannelOutOfRange_SaysWhichChannelsExist()
    {
        using var dir = new TempDir();
        string onnx = Synthetic.ColorKeyModel(dir);
        string json = File.ReadAllText(Path.ChangeExtension(onnx, ".json")).Replace("\"channel\": 0", "\"channel\": 1", StringComparison.Ordinal);
        File.WriteAllText(dir.File("wrong.json"), json);
        var e = Assert.Throws<LiveSegException>(() => new OnnxSegmenter(ModelSpec.FromFile(onnx, dir.File("wrong.json")), DeviceChoice.Cpu));
        Assert.Contains("output.channel is 1", e.Message);
    }
}
