using LiveSeg.Masks;
using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary>The instance split on hand-made masks: touching blobs with a seed each, a cut-off part, no faces.</summary>
public class InstanceSplitTests
{
    private const int W = 40, H = 30;

    /// <summary>A mask with 1 inside the given rectangles (x0, y0, x1, y1 exclusive), 0 elsewhere.</summary>
    private static Mask Mask(params (int X0, int Y0, int X1, int Y1)[] rects)
    {
        var m = new Mask(W, H);
        foreach (var (x0, y0, x1, y1) in rects)
            for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                    m[x, y] = 1;
        return m;
    }

    private static FaceDetection Face(int x0, int y0, int x1, int y1) => new((float)x0 / W, (float)y0 / H, (float)x1 / W, (float)y1 / H, 0.9f);

    private static byte At(InstanceSplit s, int x, int y) => s.Labels[y * W + x];

    [Fact]
    public void TwoTouchingBlobs_TwoSeeds_EachBlobGoesToItsFace()
    {
        // Two people side by side, bodies touching along x = 20 (columns 8..19 and 20..31), faces on top.
        Mask mask = Mask((8, 6, 20, 30), (20, 6, 32, 30), (10, 0, 16, 6), (24, 0, 30, 6));
        var split = new InstanceSplit(W, H);
        split.Run(mask, [Face(10, 0, 16, 6), Face(24, 0, 30, 6)]);
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                byte expected = mask[x, y] == 0 ? (byte)0 : x < 20 ? (byte)1 : (byte)2;
                Assert.True(expected == At(split, x, y), $"pixel ({x}, {y}) is {At(split, x, y)}, expected {expected}");
            }
        }
    }

    [Fact]
    public void ArmJoiningTwoPeople_IsSplitWhereTheBodyColumnsMeet()
    {
        // Person 1 (body columns 6..15) reaches out with an arm (rows 10..11, columns 16..26) to person 2 (27..36).
        // Body columns: face width 6 px x 1.0 either side: person 1 [5, 17), person 2 [26, 38). Steps outside a
        // person's column cost 8 for both, so the arm is cut about halfway between the columns (column 21).
        Mask mask = Mask((6, 10, 16, 30), (16, 10, 27, 12), (27, 8, 37, 30), (8, 4, 14, 10), (29, 2, 35, 8));
        var split = new InstanceSplit(W, H);
        split.Run(mask, [Face(8, 4, 14, 10), Face(29, 2, 35, 8)]);
        Assert.Equal(1, At(split, 10, 20));
        Assert.Equal(2, At(split, 32, 20));
        Assert.Equal(1, At(split, 17, 11));
        Assert.Equal(2, At(split, 24, 11));
        Assert.Equal(2, At(split, 28, 20));
    }

    [Fact]
    public void PartCutOffFromItsFace_GoesToTheFaceWhoseBodyColumnHoldsIt()
    {
        // A separate blob (a hand) below person 2's face, not connected to anyone.
        Mask mask = Mask((4, 0, 12, 30), (30, 0, 36, 8), (31, 20, 35, 24));
        var split = new InstanceSplit(W, H);
        split.Run(mask, [Face(5, 0, 11, 6), Face(30, 0, 36, 6)]);
        Assert.Equal(2, At(split, 33, 22));
        Assert.Equal(1, At(split, 8, 25));
        Assert.Equal(0, At(split, 20, 20));
    }

    [Fact]
    public void FaceMissedInTheNextFrame_PersonKeepsTheirBody_NotTheNeighbour()
    {
        // Frame 1: both faces seen. Frame 2: the same people, person 2's face missed (turned, hidden): their previous
        // region seeds them, so their body stays theirs instead of joining person 1 through the touching border.
        Mask mask = Mask((8, 6, 20, 30), (20, 6, 32, 30), (10, 0, 16, 6), (24, 0, 30, 6));
        var split = new InstanceSplit(W, H);
        PersonSeed[] seen = [new(7, Face(10, 0, 16, 6), true), new(9, Face(24, 0, 30, 6), true)];
        split.Next(mask, seen);
        split.Next(mask, [seen[0], seen[1] with { FaceSeen = false }]);
        Assert.Equal(1, At(split, 12, 20));
        Assert.Equal(2, At(split, 26, 20));
        Assert.Equal(2, At(split, 22, 15));
        // Without the memory (one frame on its own) the missed person's body goes to the neighbour.
        var alone = new InstanceSplit(W, H);
        alone.Next(mask, [seen[0], seen[1] with { FaceSeen = false }]);
        Assert.Equal(1, At(alone, 26, 20));
    }

    [Fact]
    public void HiddenPersonWalking_KeepsTheirRegionFrameAfterFrame()
    {
        // Person 2 (face hidden after the first frame) walks right 1 px a frame (their motion given), apart from person 1:
        // frame after frame their region, projected along the motion, seeds them again; person 1 stays where they are.
        var split = new InstanceSplit(W, H);
        var one = new PersonSeed(1, Face(4, 0, 10, 6), true);
        split.Next(Mask((3, 0, 11, 30), (16, 0, 24, 30)), [one, new(2, Face(17, 0, 23, 6), true)]);
        for (int f = 1; f <= 6; f++)
            split.Next(Mask((3, 0, 11, 30), (16 + f, 0, 24 + f, 30)), [one, new(2, Face(17 + f, 0, 23 + f, 6), false, Vx: 1f / W)]);
        Assert.Equal(2, At(split, 29, 20));
        Assert.Equal(2, At(split, 23, 10));
        Assert.Equal(0, At(split, 18, 10));
        Assert.Equal(1, At(split, 6, 20));
    }

    [Fact]
    public void Next_AllocatesNothingPerFrame()
    {
        Mask mask = Mask((8, 6, 20, 30), (20, 6, 32, 30), (10, 0, 16, 6), (24, 0, 30, 6));
        var split = new InstanceSplit(W, H);
        PersonSeed[] seeds = [new(1, Face(10, 0, 16, 6), true, 0.01f), new(2, Face(24, 0, 30, 6), false, -0.01f)];
        split.Next(mask, seeds);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int f = 0; f < 5; f++)
            split.Next(mask, seeds);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void NoFaces_NoLabels()
    {
        var split = new InstanceSplit(W, H);
        split.Run(Mask((0, 0, W, H)), []);
        Assert.All(split.Labels, l => Assert.Equal(0, l));
    }
}
