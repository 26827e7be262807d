namespace LiveSeg.Motion;

/// <summary>
/// Where each part of a newer frame was in an older one: a grid of vectors, one per <see cref="Cell"/> x
/// <see cref="Cell"/> frame pixels, in frame pixels (x right, y down), cell (i, j) centred at frame pixel
/// (Cell·i + Cell/2, Cell·j + Cell/2). Between cell centres a vector is interpolated bilinearly (clamped at the edges).
/// A pixel p of the newer frame showed what the older frame showed at p + vector(p): a mask of the older frame is
/// brought to the newer one by sampling it there (<see cref="MaskWarp"/>, and mask_warp.frag on the GPU).
/// Made once for a frame size; <see cref="BlockMatcher"/> fills it.
/// </summary>
internal sealed class MotionField
{
    /// <summary>Frame pixels per grid cell (the matcher's 8x8 blocks at 1/4 of the frame).</summary>
    public const int Cell = 8 * LumaPyramid.Scale;

    public MotionField(int frameWidth, int frameHeight)
    {
        (FrameWidth, FrameHeight) = (frameWidth, frameHeight);
        GridWidth = GridWidthFor(frameWidth);
        GridHeight = GridHeightFor(frameHeight);
        Vectors = new float[GridWidth * GridHeight * 2];
    }

    /// <summary>Cells across a frame of <paramref name="frameWidth"/> pixels (at least 1).</summary>
    public static int GridWidthFor(int frameWidth) => Math.Max(1, frameWidth / Cell);

    /// <summary>Cells down a frame of <paramref name="frameHeight"/> pixels (at least 1).</summary>
    public static int GridHeightFor(int frameHeight) => Math.Max(1, frameHeight / Cell);

    public int FrameWidth { get; }

    public int FrameHeight { get; }

    public int GridWidth { get; }

    public int GridHeight { get; }

    /// <summary>(dx, dy) per cell, row-major, row 0 = top: what the GL pass uploads as an RG32F texture.</summary>
    public float[] Vectors { get; }

    /// <summary>Frames between the two (newer index − older index), for the HUD; 0 when the field is all zero.</summary>
    public int Age { get; set; }

    public void Clear()
    {
        Array.Clear(Vectors);
        Age = 0;
    }

    /// <summary>The vector at frame position (<paramref name="px"/>, <paramref name="py"/>), bilinear between cell centres.</summary>
    public (float X, float Y) At(float px, float py)
    {
        float gx = (px - Cell * 0.5f) / Cell, gy = (py - Cell * 0.5f) / Cell;
        float fx = MathF.Floor(gx), fy = MathF.Floor(gy);
        float wx = gx - fx, wy = gy - fy;
        int x0 = Math.Clamp((int)fx, 0, GridWidth - 1), x1 = Math.Clamp((int)fx + 1, 0, GridWidth - 1);
        int y0 = Math.Clamp((int)fy, 0, GridHeight - 1), y1 = Math.Clamp((int)fy + 1, 0, GridHeight - 1);
        float[] v = Vectors;
        int a = 2 * (y0 * GridWidth + x0), b = 2 * (y0 * GridWidth + x1), c = 2 * (y1 * GridWidth + x0), d = 2 * (y1 * GridWidth + x1);
        float x = (v[a] * (1 - wx) + v[b] * wx) * (1 - wy) + (v[c] * (1 - wx) + v[d] * wx) * wy;
        float y = (v[a + 1] * (1 - wx) + v[b + 1] * wx) * (1 - wy) + (v[c + 1] * (1 - wx) + v[d + 1] * wx) * wy;
        return (x, y);
    }
}
