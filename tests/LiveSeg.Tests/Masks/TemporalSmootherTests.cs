using LiveSeg.Masks;
using OpenCvSharp;

namespace LiveSeg.Tests;

public class TemporalSmootherTests
{
    [Fact]
    public void Apply_BlendsWithThePreviousSmoothedMask()
    {
        var s = new TemporalSmoother(2, keep: 0.25f);
        float[] a = [1f, 0f];
        s.Apply(a);
        Assert.Equal([1f, 0f], a); // first mask passes unchanged
        float[] b = [0f, 1f];
        s.Apply(b);
        Assert.Equal([0.25f, 0.75f], b);
        float[] c = [0f, 1f];
        s.Apply(c);
        Assert.Equal(0.0625f, c[0], 6); // blends with the smoothed 0.25, not the raw 0
    }

    [Fact]
    public void Apply_KeepZero_IsOff()
    {
        var s = new TemporalSmoother(1, keep: 0f);
        float[] a = [1f];
        s.Apply(a);
        float[] b = [0.3f];
        s.Apply(b);
        Assert.Equal(0.3f, b[0]);
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
