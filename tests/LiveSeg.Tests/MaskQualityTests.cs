using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

public class BoundaryScoreTests
{
    private static Mat Square(int size, int x0, int y0, int side)
    {
        var m = new Mat(size, size, MatType.CV_8UC1, Scalar.Black);
        Cv2.Rectangle(m, new Rect(x0, y0, side, side), Scalar.White, -1);
        return m;
    }

    [Fact]
    public void BoundaryMap_MarksPixelsWhoseRightOrLowerNeighbourDiffers()
    {
        using var m = new Mat(3, 4, MatType.CV_8UC1, Scalar.Black);
        m.Set(1, 1, (byte)255);
        using var b = BoundaryScore.BoundaryMap(m);
        b.GetArray(out byte[] v);
        // (1,1) differs from its right/lower neighbours; (0,0) from its lower-right one; (0,1) from its lower one; (1,0) from its right one.
        byte[] expected =
        [
            255, 255, 0, 0,
            255, 255, 0, 0,
            0, 0, 0, 0,
        ];
        Assert.Equal(expected, v);
    }

    [Fact]
    public void Of_ShiftWithinTolerance_IsPerfect_ShiftBeyondItIsNot()
    {
        using var truth = Square(200, 50, 50, 80);
        using var near = Square(200, 52, 50, 80);   // 2 px off; tolerance ⌈0.0075·283⌉ = 3 px
        using var far = Square(200, 60, 50, 80);    // 10 px off: only the top and bottom edges' overlap matches
        Assert.Equal(1.0, BoundaryScore.Of(near, truth).F, 12);
        var f = BoundaryScore.Of(far, truth);
        Assert.InRange(f.F, 0.3, 0.8);
        Assert.InRange(Math.Abs(f.Precision - f.Recall), 0, 0.05); // the same square shifted: about symmetric
    }

    [Fact]
    public void Of_EmptyMasks_FollowDavisConventions()
    {
        using var empty = new Mat(20, 20, MatType.CV_8UC1, Scalar.Black);
        using var square = Square(20, 5, 5, 8);
        Assert.Equal(1.0, BoundaryScore.Of(empty, empty).F);
        Assert.Equal(0.0, BoundaryScore.Of(empty, square).F);
        Assert.Equal(0.0, BoundaryScore.Of(square, empty).F);
    }
}

public class SteadinessTests
{
    [Fact]
    public void FlickerMeter_CountsMaskChangesOnlyWhereTheFrameStayed()
    {
        var meter = new FlickerMeter(2);
        meter.Add([0.5f, 0.5f], [0f, 0f]);
        Assert.True(double.IsNaN(meter.Flicker));
        // pixel 0: frame still, mask moved 0.4 (flicker); pixel 1: frame moved, mask moved 1 (explained by the picture).
        meter.Add([0.5f, 0.9f], [0.4f, 1f]);
        Assert.Equal(0.4, meter.Flicker, 6);
        Assert.Equal(0.5, meter.StaticShare, 6);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.5f)]
    [InlineData(0.3f)]
    public void LagMeter_ExponentialSmoothing_AddsWOverOneMinusWFrames(float keep)
    {
        // w / (1 − w), as the meter sees it: the impulse response's centroid over the shifts it looks at (0..MaxShift).
        double moment = 0, sum = 0;
        for (int j = 0; j <= LagMeter.MaxShift; j++)
        {
            moment += j * Math.Pow(keep, j);
            sum += Math.Pow(keep, j);
        }
        double expected = moment / sum;
        const int pixels = 400;
        var lag = new LagMeter(pixels);
        var smoother = new TemporalSmoother(pixels, keep);
        var rng = new Random(5);
        var raw = new float[pixels];
        var smoothed = new float[pixels];
        for (int frame = 0; frame < 400; frame++)
        {
            for (int i = 0; i < pixels; i++)
                raw[i] += (float)(rng.NextDouble() - 0.5) * 0.2f; // a random walk per pixel
            raw.CopyTo(smoothed, 0);
            smoother.Apply(smoothed);
            lag.Add(raw, smoothed);
        }
        Assert.InRange(lag.Frames, expected - 0.1, expected + 0.1);
    }

    [Fact]
    public void MotionAwareSmoothing_HoldsStillPixels_FollowsMovingOnes()
    {
        var smoother = new TemporalSmoother(2, keep: 0.8f);
        using var frame = new Mat(1, 2, MatType.CV_8UC3, new Scalar(100, 100, 100));
        smoother.Apply(new Mask([0f, 0f], 2, 1), frame);
        frame.Set(0, 1, new Vec3b(200, 200, 200)); // the right texel's picture changes, the left one's does not
        float[] mask = [1f, 1f];
        smoother.Apply(new Mask(mask, 2, 1), frame);
        Assert.Equal(0.2f, mask[0], 5); // still: 0.8 of the previous 0 kept
        Assert.Equal(1f, mask[1], 5);   // moving: no smoothing
    }
}

public class MaskRefinerTests
{
    /// <summary>A frame dark left of column <paramref name="edge"/>, bright from it on; the mask (model size) a soft ramp around it.</summary>
    private static (float[] Rgb, Mask Mask) StepScene(int w, int h, int edge, int mw, int mh)
    {
        var rgb = new float[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
                rgb[(y * w + x) * 3] = rgb[(y * w + x) * 3 + 1] = rgb[(y * w + x) * 3 + 2] = x < edge ? 0.1f : 0.9f;
        }
        var mask = new float[mw * mh];
        for (int y = 0; y < mh; y++)
        {
            for (int x = 0; x < mw; x++)
                mask[y * mw + x] = Math.Clamp(((x + 0.5f) * w / mw - edge) / (2f * w / mw) + 0.5f, 0f, 1f); // soft, centred on the edge
        }
        return (rgb, new Mask(mask, mw, mh));
    }

    [Theory]
    [InlineData(RefineKind.Guided)]
    [InlineData(RefineKind.Bilateral)]
    public void Refined_EdgeFollowsTheFrame_SharperThanBilinear(RefineKind kind)
    {
        const int w = 96, h = 8, edge = 44, mw = 12, mh = 1;
        var (rgb, mask) = StepScene(w, h, edge, mw, mh);
        var refiner = new MaskRefiner(RefineChoice.Method(kind));
        float[] refined = refiner.RefineToFrame(rgb, w, h, mask).Data;
        var off = new MaskRefiner(RefineMethod.Off);
        int row = 4 * w;
        // The refined mask (made at half resolution, then bilinear) changes side within a pixel of the frame's edge ...
        Assert.True(refined[row + edge - 2] < 0.5f, $"left of the edge: {refined[row + edge - 2]}");
        Assert.True(refined[row + edge + 1] > 0.5f, $"right of the edge: {refined[row + edge + 1]}");
        // ... and is much sharper there than the bilinear ramp (which spends ~16 px between 0.25 and 0.75).
        int soft = 0;
        for (int x = 0; x < w; x++)
            soft += refined[row + x] is > 0.25f and < 0.75f ? 1 : 0;
        Assert.True(soft <= 4, $"{soft} pixels between 0.25 and 0.75");
        Assert.Equal(RefineMethod.Off, off.Kind);
    }

    [Theory]
    [InlineData(641, 64)]
    [InlineData(37, 50)]
    [InlineData(1, 1)]
    [InlineData(1280, 256)]
    public void Centre_IsThePixelAtTheTexelCentre_InsideTheFrame(int frame, int mask)
    {
        for (int t = 0; t < mask; t++)
        {
            var (centre, before) = MaskRefiner.Centre(t, frame, mask);
            Assert.InRange(centre, 0, frame - 1);
            Assert.Equal(Math.Max(centre - 1, 0), before);
            Assert.Equal(Math.Min((int)Math.Floor((t + 0.5) * frame / mask), frame - 1), centre);
        }
    }
}
