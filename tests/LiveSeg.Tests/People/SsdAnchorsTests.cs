using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary>MediaPipe's SSD anchor layouts for the two face detectors, from the counts and centres the models' outputs assume.</summary>
public class SsdAnchorsTests
{
    [Fact]
    public void ShortRange_896Anchors_TwoPerCellOn16x16_ThenSixPerCellOn8x8()
    {
        float[] c = SsdAnchors.Centres(128, [8, 16, 16, 16], 1f);
        Assert.Equal(896, c.Length / 2);
        Assert.Equal(896, FaceModels.Short.AnchorCount);
        // anchors 0 and 1 share cell (0, 0) of the 16x16 grid; anchor 2 is cell (1, 0)
        Assert.Equal((1 / 32f, 1 / 32f), (c[0], c[1]));
        Assert.Equal((c[0], c[1]), (c[2], c[3]));
        Assert.Equal((3 / 32f, 1 / 32f), (c[4], c[5]));
        // row 1 of the 16x16 grid starts at anchor 32
        Assert.Equal((1 / 32f, 3 / 32f), (c[64], c[65]));
        // the 8x8 grid starts at 512 with 6 anchors per cell
        for (int a = 512; a < 518; a++)
            Assert.Equal((1 / 16f, 1 / 16f), (c[2 * a], c[2 * a + 1]));
        Assert.Equal((3 / 16f, 1 / 16f), (c[2 * 518], c[2 * 518 + 1]));
        Assert.Equal((15 / 16f, 15 / 16f), (c[2 * 895], c[2 * 895 + 1]));
    }

    [Fact]
    public void FullRange_2304Anchors_OnePerCellOn48x48()
    {
        float[] c = SsdAnchors.Centres(192, [4], 0f);
        Assert.Equal(2304, c.Length / 2);
        Assert.Equal((1 / 96f, 1 / 96f), (c[0], c[1]));
        Assert.Equal((3 / 96f, 1 / 96f), (c[2], c[3]));
        Assert.Equal((1 / 96f, 3 / 96f), (c[2 * 48], c[2 * 48 + 1]));
    }
}
