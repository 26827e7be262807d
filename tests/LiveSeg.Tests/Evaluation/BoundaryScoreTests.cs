using LiveSeg.Evaluation;
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
