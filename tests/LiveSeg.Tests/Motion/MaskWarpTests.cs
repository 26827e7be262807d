using LiveSeg.Masks;
using LiveSeg.Motion;

namespace LiveSeg.Tests;

/// <summary>The CPU warp's vector path (AVX2, 8 texels at a time) against its scalar loop.</summary>
public class MaskWarpTests
{
    [Theory]
    [InlineData(1280, 720, 256, 256)]
    [InlineData(643, 487, 101, 77)] // a row length that leaves a scalar tail
    public void VectorAndScalarPaths_GiveTheSameMask_ToTheBit(int frameWidth, int frameHeight, int maskWidth, int maskHeight)
    {
        var rng = new Random(5);
        var source = new Mask(maskWidth, maskHeight);
        for (int i = 0; i < source.Data.Length; i++)
            source.Data[i] = (float)rng.NextDouble();
        var field = new MotionField(frameWidth, frameHeight);
        for (int i = 0; i < field.Vectors.Length; i++)
            field.Vectors[i] = (float)(rng.NextDouble() * 160 - 80); // far enough to reach past every edge
        var (vector, scalar) = (new Mask(maskWidth, maskHeight), new Mask(maskWidth, maskHeight));
        new MaskWarp(frameWidth, frameHeight).Apply(source, field, vector);
        new MaskWarp(frameWidth, frameHeight, useSimd: false).Apply(source, field, scalar);
        Assert.Equal(scalar.Data, vector.Data);
        Assert.NotEqual(source.Data, vector.Data); // the field moved it
    }
}
