using LiveSeg.Evaluation;
using LiveSeg.Masks;

namespace LiveSeg.Tests;

public class MaskSteadinessTests
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
