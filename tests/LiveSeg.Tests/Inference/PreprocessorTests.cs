using LiveSeg.Inference;
using OpenCvSharp;

namespace LiveSeg.Tests;

public class PreprocessorTests
{
    [Fact]
    public void Preprocess_RgbNchwMeanStd_PlanesInRgbOrder()
    {
        var m = new ModelManifest { Width = 2, Height = 1, Color = ColorOrder.Rgb, Scale = 1 / 255f, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };
        using var pre = new Preprocessor(m);
        using var img = new Mat(1, 2, MatType.CV_8UC3);
        img.Set(0, 0, new Vec3b(0, 128, 255)); // B, G, R
        img.Set(0, 1, new Vec3b(255, 0, 0));
        var t = new float[6];
        pre.Run(img, t);
        float F(int v) => (v / 255f - 0.5f) / 0.5f;
        Assert.Equal([F(255), F(0), F(128), F(0), F(0), F(255)], t); // R plane, G plane, B plane
    }

    [Fact]
    public void Preprocess_BgrNhwc_InterleavedInBgrOrder()
    {
        var m = new ModelManifest { Width = 1, Height = 1, Color = ColorOrder.Bgr, InputLayout = TensorLayout.Nhwc, Scale = 1f, Mean = [10f, 20f, 30f], Std = [1f, 2f, 4f] };
        using var pre = new Preprocessor(m);
        using var img = new Mat(1, 1, MatType.CV_8UC3, new Scalar(110, 120, 130));
        var t = new float[3];
        pre.Run(img, t);
        Assert.Equal([100f, 50f, 25f], t);
    }

    [Fact]
    public void Preprocess_ResizesToModelSize()
    {
        var m = new ModelManifest { Width = 4, Height = 2 };
        using var pre = new Preprocessor(m);
        using var img = new Mat(20, 40, MatType.CV_8UC3, new Scalar(0, 0, 255));
        var t = new float[24];
        pre.Run(img, t);
        Assert.All(t[..8], v => Assert.Equal(1f, v)); // red plane
        Assert.All(t[8..], v => Assert.Equal(0f, v));
    }
}
