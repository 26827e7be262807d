using LiveSeg.Masks;
using LiveSeg.Motion;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Motion compensation: LiveSeg's block matcher on a synthetic scene whose motion is known, and the warp it drives.
/// </summary>
public class BlockMatcherTests
{
    private const int W = 320, H = 240;

    /// <summary>
    /// A flat blue background with a red square at <paramref name="at"/>, textured inside (a fixed pattern of grey
    /// levels), as Synthetic's frames but with texture for the matcher to find inside the square as well as at its edges.
    /// </summary>
    private static Mat Scene(Point at, Size square)
    {
        var m = new Mat(H, W, MatType.CV_8UC3, new Scalar(200, 60, 20));
        Cv2.Rectangle(m, new Rect(at, square), new Scalar(0, 0, 255), -1);
        var rng = new Random(3);
        for (int y = 4; y + 8 <= square.Height - 4; y += 12)
        {
            for (int x = 4; x + 8 <= square.Width - 4; x += 12)
            {
                int v = 40 + rng.Next(180);
                Cv2.Rectangle(m, new Rect(at.X + x, at.Y + y, 8, 8), new Scalar(v, v, 255), -1);
            }
        }
        return m;
    }

    /// <summary>The square's mask at frame resolution: 1 inside.</summary>
    private static float[] SquareMask(Point at, Size square)
    {
        var mask = new float[W * H];
        for (int y = at.Y; y < at.Y + square.Height; y++)
        {
            for (int x = at.X; x < at.X + square.Width; x++)
                mask[y * W + x] = 1f;
        }
        return mask;
    }

    [Theory]
    [InlineData(9, -5)]
    [InlineData(-14, 6)]
    [InlineData(3, 2)]
    public void WarpedStaleMask_OfASquareMovedByAKnownOffset_EqualsTheTrueMaskWithinAPixelAlongTheEdges(int dx, int dy)
    {
        var size = new Size(100, 80);
        Point before = new(100, 70), after = new(100 + dx, 70 + dy);
        using var older = Scene(before, size);
        using var newer = Scene(after, size);
        var (pOld, pNew) = (new LumaPyramid(W, H), new LumaPyramid(W, H));
        pOld.Build(older);
        pNew.Build(newer);
        var field = new MotionField(W, H);
        new BlockMatcher(field.GridWidth, field.GridHeight).Estimate(pNew, pOld, field);
        float[] stale = SquareMask(before, size), truth = SquareMask(after, size), warped = new float[W * H];
        new MaskWarp(W, H).Apply(new Mask(stale, W, H), field, new Mask(warped, W, H));

        // Wrong pixels farther than one pixel from the true square's edges: none once warped, except within
        // CornerZone of a corner (the field is one vector per 32-pixel cell, blended between cells: at a corner, cells
        // of the square and of the background meet); the stale mask has many.
        Assert.Equal(0, WrongAwayFromEdges(warped, truth, after, size));
        Assert.True(WrongAwayFromEdges(stale, truth, after, size) > 100, "the test's motion must misalign the stale mask");
    }

    /// <summary>Pixels this close (in x and y) to a corner of the square are not counted (see the test).</summary>
    private const int CornerZone = 10;

    private static int WrongAwayFromEdges(float[] mask, float[] truth, Point at, Size size)
    {
        int wrong = 0;
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
            {
                int fromLeft = Math.Abs(x - at.X), fromRight = Math.Abs(x - (at.X + size.Width - 1));
                int fromTop = Math.Abs(y - at.Y), fromBottom = Math.Abs(y - (at.Y + size.Height - 1));
                bool nearEdge = fromLeft <= 1 || fromRight <= 1 || fromTop <= 1 || fromBottom <= 1;
                bool nearCorner = Math.Min(fromLeft, fromRight) <= CornerZone && Math.Min(fromTop, fromBottom) <= CornerZone;
                if (!nearEdge && !nearCorner && (mask[y * W + x] >= 0.5f) != (truth[y * W + x] >= 0.5f))
                    wrong++;
            }
        }
        return wrong;
    }

    [Fact]
    public void StillScene_GivesNoMotion_AndTheWarpLeavesTheMaskAsItWas()
    {
        using var frame = Scene(new Point(50, 40), new Size(60, 60));
        var p = new LumaPyramid(W, H);
        p.Build(frame);
        var field = new MotionField(W, H);
        new BlockMatcher(field.GridWidth, field.GridHeight).Estimate(p, p, field);
        Assert.All(field.Vectors, v => Assert.Equal(0f, v));
        float[] mask = SquareMask(new Point(50, 40), new Size(60, 60)), warped = new float[W * H];
        new MaskWarp(W, H).Apply(new Mask(mask, W, H), field, new Mask(warped, W, H));
        Assert.Equal(mask, warped);
    }

    [Fact]
    public void ScalarAndVectorSums_GiveTheSameField()
    {
        using var older = Scene(new Point(90, 60), new Size(90, 90));
        using var newer = Scene(new Point(97, 55), new Size(90, 90));
        var (pOld, pNew) = (new LumaPyramid(W, H), new LumaPyramid(W, H));
        pOld.Build(older);
        pNew.Build(newer);
        var (simd, scalar) = (new MotionField(W, H), new MotionField(W, H));
        new BlockMatcher(simd.GridWidth, simd.GridHeight).Estimate(pNew, pOld, simd);
        new BlockMatcher(scalar.GridWidth, scalar.GridHeight, useSimd: false).Estimate(pNew, pOld, scalar);
        Assert.Equal(scalar.Vectors, simd.Vectors);
    }
}
