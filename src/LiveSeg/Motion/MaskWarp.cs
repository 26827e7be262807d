using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Masks;

namespace LiveSeg.Motion;

/// <summary>
/// The warp stage on the CPU (mask_warp.frag is the GL pass; tests hold them to each other within 1 LSB): an older
/// frame's mask brought to a newer frame. Mask in and out: float 0..1, maskWidth x maskHeight, row 0 = top. Texel
/// (x, y) stands for frame position p = ((x + ½)·W/mw, (y + ½)·H/mh); it takes the older mask sampled bilinearly
/// (edges repeated) at p + v(p), v the <see cref="MotionField"/> there (bilinear between cell centres, clamped), i.e. at
/// mask position (x + vx·mw/W, y + vy·mh/H). The field's sampling tables are made once per mask size; a warp allocates nothing.
/// Eight texels at a time with AVX2 where the CPU has it, equal to the bit to the scalar loop (same operations, same order).
/// </summary>
internal sealed unsafe class MaskWarp(int frameWidth, int frameHeight, bool useSimd = true)
{
    private readonly bool _simd = useSimd && Avx2.IsSupported;
    private int _mw, _mh, _gw, _gh;
    private int[] _gx0 = [], _gx1 = [], _gy0 = [], _gy1 = [];
    private float[] _wx = [], _wy = [];
    private float[] _row = [];

    /// <summary><paramref name="source"/> warped by <paramref name="field"/> into <paramref name="target"/> (sized to the source if it is not).</summary>
    public void Apply(Mask source, MotionField field, Mask target)
    {
        if (ReferenceEquals(source, target))
            throw new ArgumentException("the warp cannot work in place", nameof(target));
        target.Resize(source.Width, source.Height);
        target.SetKind(source.Kind, source.ClassCount);
        float[] mask = source.Data, output = target.Data;
        int maskWidth = source.Width, maskHeight = source.Height;
        if (field.FrameWidth != frameWidth || field.FrameHeight != frameHeight)
            throw new ArgumentException($"the field is for {field.FrameWidth}x{field.FrameHeight} frames, the warp for {frameWidth}x{frameHeight}");
        if (maskWidth != _mw || maskHeight != _mh || field.GridWidth != _gw || field.GridHeight != _gh)
            MakeTables(maskWidth, maskHeight, field.GridWidth, field.GridHeight);
        float toMaskX = (float)maskWidth / frameWidth, toMaskY = (float)maskHeight / frameHeight;
        int gw = _gw, mw = maskWidth, mh = maskHeight;
        fixed (float* m = mask, o = output, v = field.Vectors, row = _row, wxs = _wx)
        fixed (int* gx0 = _gx0, gx1 = _gx1)
        {
            for (int y = 0; y < mh; y++)
            {
                // The field at this row's height, at every cell column: its two grid rows blended.
                float wy = _wy[y];
                float* a = v + 2 * _gy0[y] * gw, b = v + 2 * _gy1[y] * gw;
                for (int i = 0; i < 2 * gw; i++)
                    row[i] = a[i] * (1 - wy) + b[i] * wy;
                float* dst = o + y * mw;
                int x = _simd ? Row8(m, mw, mh, row, gx0, gx1, wxs, y, toMaskX, toMaskY, dst) : 0;
                for (; x < mw; x++)
                {
                    float wx = wxs[x];
                    int c0 = 2 * gx0[x], c1 = 2 * gx1[x];
                    float vx = row[c0] * (1 - wx) + row[c1] * wx;
                    float vy = row[c0 + 1] * (1 - wx) + row[c1 + 1] * wx;
                    dst[x] = Sample(m, mw, mh, x + vx * toMaskX, y + vy * toMaskY);
                }
            }
        }
    }

    /// <summary>
    /// The row's texels 8 at a time (AVX2 gathers), the scalar loop's arithmetic in the same order, so the result is the
    /// same to the bit; returns where the scalar loop takes over (the last mw mod 8 texels).
    /// </summary>
    private static int Row8(float* m, int w, int h, float* row, int* gx0, int* gx1, float* wxs, int y, float toMaskX, float toMaskY, float* dst)
    {
        var one = Vector256.Create(1f);
        var lastX = Vector256.Create(w - 1);
        var lastY = Vector256.Create(h - 1);
        var zero = Vector256<int>.Zero;
        var oneI = Vector256.Create(1);
        var width = Vector256.Create(w);
        var fy = Vector256.Create((float)y);
        var scaleX = Vector256.Create(toMaskX);
        var scaleY = Vector256.Create(toMaskY);
        var xs = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        int x = 0;
        for (; x + 8 <= w; x += 8, xs += Vector256.Create(8f))
        {
            // The field at each texel: its two cells' vectors blended by the column weight.
            var wx = Avx.LoadVector256(wxs + x);
            var c0 = Avx2.ShiftLeftLogical(Avx.LoadVector256(gx0 + x), 1);
            var c1 = Avx2.ShiftLeftLogical(Avx.LoadVector256(gx1 + x), 1);
            var vx = Avx.Add(Avx.Multiply(Avx2.GatherVector256(row, c0, 4), Avx.Subtract(one, wx)), Avx.Multiply(Avx2.GatherVector256(row, c1, 4), wx));
            var vy = Avx.Add(Avx.Multiply(Avx2.GatherVector256(row + 1, c0, 4), Avx.Subtract(one, wx)), Avx.Multiply(Avx2.GatherVector256(row + 1, c1, 4), wx));
            var sx = Avx.Add(xs, Avx.Multiply(vx, scaleX));
            var sy = Avx.Add(fy, Avx.Multiply(vy, scaleY));
            // Bilinear sample, edges repeated.
            var flx = Avx.Floor(sx);
            var fly = Avx.Floor(sy);
            var ax = Avx.Subtract(sx, flx);
            var ay = Avx.Subtract(sy, fly);
            var ix = Avx.ConvertToVector256Int32WithTruncation(flx);
            var iy = Avx.ConvertToVector256Int32WithTruncation(fly);
            var x0 = Avx2.Max(zero, Avx2.Min(ix, lastX));
            var x1 = Avx2.Max(zero, Avx2.Min(Avx2.Add(ix, oneI), lastX));
            var r0 = Avx2.MultiplyLow(Avx2.Max(zero, Avx2.Min(iy, lastY)), width);
            var r1 = Avx2.MultiplyLow(Avx2.Max(zero, Avx2.Min(Avx2.Add(iy, oneI), lastY)), width);
            var top = Avx.Add(Avx.Multiply(Avx2.GatherVector256(m, Avx2.Add(r0, x0), 4), Avx.Subtract(one, ax)), Avx.Multiply(Avx2.GatherVector256(m, Avx2.Add(r0, x1), 4), ax));
            var bottom = Avx.Add(Avx.Multiply(Avx2.GatherVector256(m, Avx2.Add(r1, x0), 4), Avx.Subtract(one, ax)), Avx.Multiply(Avx2.GatherVector256(m, Avx2.Add(r1, x1), 4), ax));
            Avx.Store(dst + x, Avx.Add(Avx.Multiply(top, Avx.Subtract(one, ay)), Avx.Multiply(bottom, ay)));
        }
        return x;
    }

    /// <summary>Bilinear sample at texel coordinates (<paramref name="sx"/>, <paramref name="sy"/>) (texel centres at integers), edges repeated.</summary>
    private static float Sample(float* mask, int w, int h, float sx, float sy)
    {
        float fx = MathF.Floor(sx), fy = MathF.Floor(sy);
        float wx = sx - fx, wy = sy - fy;
        int ix = (int)fx, iy = (int)fy;
        int x0 = Math.Clamp(ix, 0, w - 1), x1 = Math.Clamp(ix + 1, 0, w - 1);
        int y0 = Math.Clamp(iy, 0, h - 1), y1 = Math.Clamp(iy + 1, 0, h - 1);
        float* r0 = mask + y0 * w, r1 = mask + y1 * w;
        float top = r0[x0] * (1 - wx) + r0[x1] * wx;
        float bottom = r1[x0] * (1 - wx) + r1[x1] * wx;
        return top * (1 - wy) + bottom * wy;
    }

    /// <summary>Per mask column and row: the two grid cells whose centres surround it, and the weight of the second.</summary>
    private void MakeTables(int mw, int mh, int gw, int gh)
    {
        (_mw, _mh, _gw, _gh) = (mw, mh, gw, gh);
        (_gx0, _gx1, _wx) = Axis(mw, frameWidth, gw);
        (_gy0, _gy1, _wy) = Axis(mh, frameHeight, gh);
        _row = new float[2 * gw];
    }

    private static (int[] I0, int[] I1, float[] W) Axis(int maskSize, int frameSize, int gridSize)
    {
        var (i0, i1, w) = (new int[maskSize], new int[maskSize], new float[maskSize]);
        float toFrame = (float)frameSize / maskSize;
        for (int x = 0; x < maskSize; x++)
        {
            float g = ((x + 0.5f) * toFrame - MotionField.Cell * 0.5f) / MotionField.Cell;
            float f = MathF.Floor(g);
            w[x] = g - f;
            i0[x] = Math.Clamp((int)f, 0, gridSize - 1);
            i1[x] = Math.Clamp((int)f + 1, 0, gridSize - 1);
        }
        return (i0, i1, w);
    }
}
