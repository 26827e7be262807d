using LiveSeg.Evaluation;
using LiveSeg.Masks;
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
}
