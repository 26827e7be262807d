namespace LiveSeg.Motion;

/// <summary>
/// The warp stage on the CPU (mask_warp.frag is the GL pass; tests hold them to each other within 1 LSB): an older
/// frame's mask brought to a newer frame. Mask in and out: float 0..1, maskWidth x maskHeight, row 0 = top. Texel
/// (x, y) stands for frame position p = ((x + ½)·W/mw, (y + ½)·H/mh); it takes the older mask sampled bilinearly
/// (edges repeated) at p + v(p), v the <see cref="MotionField"/> there, i.e. at mask position (x + vx·mw/W, y + vy·mh/H).
/// Allocates nothing.
/// </summary>
internal static class MaskWarp
{
    public static void Apply(ReadOnlySpan<float> mask, int maskWidth, int maskHeight, MotionField field, Span<float> output)
    {
        if (mask.Length < maskWidth * maskHeight || output.Length < maskWidth * maskHeight)
            throw new ArgumentException($"masks must hold {maskWidth}x{maskHeight} values");
        float toFrameX = (float)field.FrameWidth / maskWidth, toFrameY = (float)field.FrameHeight / maskHeight;
        float toMaskX = (float)maskWidth / field.FrameWidth, toMaskY = (float)maskHeight / field.FrameHeight;
        for (int y = 0; y < maskHeight; y++)
        {
            float py = (y + 0.5f) * toFrameY;
            for (int x = 0; x < maskWidth; x++)
            {
                float px = (x + 0.5f) * toFrameX;
                var (vx, vy) = field.At(px, py);
                output[y * maskWidth + x] = Sample(mask, maskWidth, maskHeight, x + vx * toMaskX, y + vy * toMaskY);
            }
        }
    }

    /// <summary>Bilinear sample at texel coordinates (<paramref name="sx"/>, <paramref name="sy"/>) (texel centres at integers), edges repeated.</summary>
    public static float Sample(ReadOnlySpan<float> mask, int w, int h, float sx, float sy)
    {
        float fx = MathF.Floor(sx), fy = MathF.Floor(sy);
        float wx = sx - fx, wy = sy - fy;
        int x0 = Math.Clamp((int)fx, 0, w - 1), x1 = Math.Clamp((int)fx + 1, 0, w - 1);
        int y0 = Math.Clamp((int)fy, 0, h - 1), y1 = Math.Clamp((int)fy + 1, 0, h - 1);
        float top = mask[y0 * w + x0] * (1 - wx) + mask[y0 * w + x1] * wx;
        float bottom = mask[y1 * w + x0] * (1 - wx) + mask[y1 * w + x1] * wx;
        return top * (1 - wy) + bottom * wy;
    }
}
