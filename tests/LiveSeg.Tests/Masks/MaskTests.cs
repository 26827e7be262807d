using LiveSeg.Masks;

namespace LiveSeg.Tests;

public class MaskTests
{
    [Fact]
    public void New_IsAZeroedProbabilityMaskOfOneClass()
    {
        var m = new Mask(3, 2);
        Assert.Equal((3, 2, 6, MaskKind.Probability, 1), (m.Width, m.Height, m.Length, m.Kind, m.ClassCount));
        Assert.All(m.Data, v => Assert.Equal(0f, v));
        m[2, 1] = 0.5f;
        Assert.Equal(0.5f, m.Data[5]);
    }

    [Fact]
    public void ClassCount_IsOneUnlessClassMap()
    {
        Assert.Equal(4, new Mask(2, 2, MaskKind.ClassMap, 4).ClassCount);
        Assert.Throws<ArgumentException>(() => new Mask(2, 2, MaskKind.Alpha, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Mask(2, 2, MaskKind.ClassMap, 0));
        Assert.Throws<ArgumentException>(() => new Mask(new float[5], 2, 2));
    }

    [Fact]
    public void Resize_ReallocatesOnlyWhenTheSizeChanges()
    {
        var m = new Mask(4, 4);
        float[] data = m.Data;
        Assert.False(m.Resize(4, 4));
        Assert.Same(data, m.Data);
        Assert.True(m.Resize(8, 2));
        Assert.NotSame(data, m.Data);
        Assert.Equal((8, 2, 16), (m.Width, m.Height, m.Data.Length));
    }

    [Fact]
    public void CopyFrom_TakesSizeKindAndValues_WithoutAllocatingOnceSized()
    {
        var source = new Mask([0.1f, 0.2f, 0.3f, 0.4f], 2, 2, MaskKind.Alpha);
        var target = new Mask(0, 0);
        target.CopyFrom(source);
        Assert.Equal((2, 2, MaskKind.Alpha), (target.Width, target.Height, target.Kind));
        Assert.Equal(source.Data, target.Data);
        Assert.NotSame(source.Data, target.Data);
        float[] data = target.Data;
        source.Data[0] = 0.9f;
        long before = GC.GetAllocatedBytesForCurrentThread();
        target.CopyFrom(source);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(data, target.Data);
        Assert.Equal(0.9f, target.Data[0]);
    }

    [Fact]
    public void SampleBilinear_AlignsPixelCentres_AndRepeatsEdges()
    {
        var m = new Mask([0f, 1f], 2, 1);
        // A 2x1 mask over a 4x1 frame: texel centres at frame x = 1 and 3.
        Assert.Equal(0f, m.SampleBilinear(4, 1, 0.5f, 0.5f));   // left of the first centre: edge repeated
        Assert.Equal(0f, m.SampleBilinear(4, 1, 1f, 0.5f));
        Assert.Equal(0.5f, m.SampleBilinear(4, 1, 2f, 0.5f));
        Assert.Equal(1f, m.SampleBilinear(4, 1, 3.5f, 0.5f));
    }
}
