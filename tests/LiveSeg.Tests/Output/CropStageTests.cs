using LiveSeg.Capture;
using LiveSeg.Output;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Auto-framing's crop on known pictures: the crop of a gradient equals the region scaled up (bilinear, GL's sampling
/// of the crop's coordinates) within 1 LSB, for BGR, grey and BGRA; the whole frame is passed through untouched; a
/// frame allocates nothing.
/// </summary>
public class CropStageTests
{
    /// <summary>A smooth picture: each channel a different slope (under 2 levels a pixel), so bilinear is exact up to rounding.</summary>
    private static Mat Gradient(int w, int h, int channels)
    {
        var bytes = new byte[h * w * channels];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++)
                    bytes[(y * w + x) * channels + c] = (byte)Math.Clamp(Math.Round(Value(x, y, c)), 0, 255);
        using var view = Mat.FromPixelData(h, w, MatType.CV_8UC(channels), bytes);
        return view.Clone();
    }

    private static double Value(double x, double y, int c) => c switch
    {
        0 => 10 + 1.5 * x,
        1 => 20 + 1.9 * y,
        2 => 5 + 0.7 * x + 0.8 * y,
        _ => 250 - 1.1 * x,
    };

    /// <summary>The independent reference: GL's bilinear lookup of the crop's coordinates on the picture, in doubles, edges repeated.</summary>
    private static byte Expected(Mat src, CropBox crop, int x, int y, int c)
    {
        int w = src.Width, h = src.Height, ch = src.Channels();
        using var bytes = src.Reshape(1); // one byte a column: w·ch columns
        double sx = (crop.X + (x + 0.5) / w * crop.W) * w - 0.5, sy = (crop.Y + (y + 0.5) / h * crop.H) * h - 0.5;
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        double fx = sx - x0, fy = sy - y0;
        double At(int xx, int yy) => bytes.At<byte>(Math.Clamp(yy, 0, h - 1), Math.Clamp(xx, 0, w - 1) * ch + c);
        double v = (1 - fy) * ((1 - fx) * At(x0, y0) + fx * At(x0 + 1, y0)) + fy * ((1 - fx) * At(x0, y0 + 1) + fx * At(x0 + 1, y0 + 1));
        return (byte)Math.Round(v);
    }

    [Theory]
    [InlineData(3, 0.25f, 0.2f, 0.5f, 0.5f)]   // centred, twice as large
    [InlineData(1, 0f, 0f, 0.6f, 0.6f)]        // grey (the matte), at the top-left corner
    [InlineData(4, 0.4f, 0.35f, 0.6f, 0.6f)]   // BGRA (transparent output), at the bottom-right corner
    [InlineData(3, 0.123f, 0.311f, 0.377f, 0.377f)] // off the pixel grid
    public void CropOfAGradient_EqualsTheRegionScaledUp_Within1Lsb(int channels, float x, float y, float w, float h)
    {
        using var src = Gradient(160, 90, channels);
        using var stage = new CropStage();
        var crop = new CropBox(x, y, w, h);
        Mat result = stage.Apply(src, crop);
        Assert.Equal((src.Width, src.Height, src.Type()), (result.Width, result.Height, result.Type()));
        int worst = 0, width = src.Width, height = src.Height;
        using var got = result.Reshape(1);
        for (int yy = 0; yy < height; yy++)
            for (int xx = 0; xx < width; xx++)
                for (int c = 0; c < channels; c++)
                    worst = Math.Max(worst, Math.Abs(got.At<byte>(yy, xx * channels + c) - Expected(src, crop, xx, yy, c)));
        Assert.True(worst <= 1, $"the crop differs from the scaled-up region by {worst} LSB");
        // And it is that region: its first and last pixels show the region's corners, not the frame's.
        int left = (int)(x * src.Width), top = (int)(y * src.Height);
        using var whole = src.Reshape(1);
        Assert.InRange(got.At<byte>(0, 0) - whole.At<byte>(top, left * channels), -3, 3);
    }

    [Fact]
    public void CropOfAGradient_MatchesOpenCvsResizeOfTheRegion_Inside()
    {
        // A crop on the pixel grid, scaled up 2x: inside (a pixel from the edge, where resize repeats the region's own
        // edge and the crop reads the frame beyond it) it is cv::resize of the region.
        using var src = Gradient(160, 90, 3);
        using var stage = new CropStage();
        Mat result = stage.Apply(src, new CropBox(40 / 160f, 20 / 90f, 0.5f, 0.5f));
        using var region = new Mat(src, new Rect(40, 20, 80, 45));
        using var resized = new Mat();
        Cv2.Resize(region, resized, new Size(160, 90), 0, 0, InterpolationFlags.Linear);
        var inside = new Rect(2, 2, 156, 86);
        using var a = new Mat(result, inside);
        using var b = new Mat(resized, inside);
        Assert.True(CompositorTests.MaxDiff(a, b) <= 1, $"differs from cv::resize of the region by {CompositorTests.MaxDiff(a, b)} LSB");
    }

    [Fact]
    public void WholeFrame_IsPassedThrough()
    {
        using var src = Gradient(16, 9, 3);
        using var stage = new CropStage();
        Assert.Same(src, stage.Apply(src, CropBox.Full));
    }

    [Fact]
    public void Frames_AllocateNothing()
    {
        using var a = Gradient(64, 36, 3);
        using var b = Gradient(64, 36, 3);
        using var stage = new CropStage();
        var timing = default(Metrics.FrameTiming);
        for (int i = 0; i < 4; i++)
            stage.Apply(i % 2 == 0 ? a : b, new CropBox(0.1f, 0.1f, 0.5f, 0.5f), ref timing);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
            stage.Apply(i % 2 == 0 ? a : b, new CropBox(0.1f + i * 0.001f, 0.1f, 0.5f, 0.5f), ref timing);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(timing.Ticks[(int)Metrics.Stage.Crop] > 0);
    }
}
