using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Effects;

namespace LiveSeg.Rendering;

internal sealed unsafe partial class FastCpuCompositor
{
    /// <summary>Registers <see cref="OutlineKernel"/> as the kernel of <see cref="EffectKind.Outline"/>.</summary>
    private static readonly Func<FastCpuCompositor, Kernel> s_newOutlineKernel = Registered(EffectKind.Outline, c => new OutlineKernel(c));

    /// <summary>
    /// The CPU renderer's part of <see cref="OutlineEffect"/>: inside() at every frame pixel first (a pass on the
    /// bands), then each output row reads the 3x3 ring from it.
    /// </summary>
    internal sealed class OutlineKernel : Kernel
    {
        private readonly FastCpuCompositor _cpu;
        private readonly Action<int, int, int> _insideRows;
        private float[] _inside = [];              // smoothstep(0.4, 0.6, mask) per frame pixel

        public OutlineKernel(FastCpuCompositor cpu) => (_cpu, _insideRows) = (cpu, InsideRows);

        public override bool ReadsMaskRow => false; // it reads _inside

        public override void Apply(in EffectSettings s)
        {
            if (_inside.Length == 0)
                _inside = new float[_cpu._w * _cpu._h];
        }

        public override void Prepare() => _cpu._bands.Run(_cpu._h, _insideRows);

        /// <summary>smoothstep(0.4, 0.6, mask) at every frame pixel of rows first..end.</summary>
        private void InsideRows(int band, int first, int end)
        {
            int w = _cpu._w;
            for (int y = first; y < end; y++)
            {
                float[] m = _cpu.MaskRow(band, y);
                int x = 0, o = y * w;
                fixed (float* pm = m, pi = _inside)
                {
                    if (_cpu._simd)
                    {
                        for (; x <= w - 8; x += 8)
                            Avx.Store(pi + o + x, CpuSimd.SmoothStep(0.4f, 0.6f, Avx.LoadVector256(pm + x)));
                    }
                    for (; x < w; x++)
                        pi[o + x] = Glsl.SmoothStep(0.4f, 0.6f, pm[x]);
                }
            }
        }

        /// <summary>effect_outline.frag: max − min of inside() over the 3x3 ring u_width apart, as the line's strength.</summary>
        public override void ComposeRow(int band, int y, float* m, byte* src, byte* dst)
        {
            int w = _cpu._w, d = _cpu._s.OutlineWidth, x = 0;
            int up = Math.Max(y - d, 0) * w, mid = y * w, down = Math.Min(y + d, _cpu._h - 1) * w;
            fixed (float* inside = _inside, col = _cpu._colour)
            {
                // Vectors where the whole ring lies inside the row; clamped columns at the row's ends, scalar.
                for (; x < w && x < d; x++)
                    OutlinePixel(inside, up, mid, down, x, d, src, dst, col);
                if (_cpu._simd)
                {
                    Vector256<float> k0 = Avx.LoadVector256(col), k1 = Avx.LoadVector256(col + 8), k2 = Avx.LoadVector256(col + 16);
                    for (; x + d + 8 <= w; x += 8)
                    {
                        Vector256<float> lo = Vector256<float>.One, hi = Vector256<float>.Zero;
                        Ring(inside + up + x, d, ref lo, ref hi);
                        Ring(inside + mid + x, d, ref lo, ref hi);
                        Ring(inside + down + x, d, ref lo, ref hi);
                        CpuSimd.Spread(Avx.Subtract(hi, lo), out var e0, out var e1, out var e2);
                        CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                        CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(c0, k0, e0), CpuSimd.Mix(c1, k1, e1), CpuSimd.Mix(c2, k2, e2));
                    }
                }
                for (; x < w; x++)
                    OutlinePixel(inside, up, mid, down, x, d, src, dst, col);
            }
        }

        private void OutlinePixel(float* inside, int up, int mid, int down, int x, int d, byte* src, byte* dst, float* col)
        {
            int l = Math.Max(x - d, 0), r = Math.Min(x + d, _cpu._w - 1);
            float lo = 1, hi = 0;
            Ring(inside + up, l, x, r, ref lo, ref hi);
            Ring(inside + mid, l, x, r, ref lo, ref hi);
            Ring(inside + down, l, x, r, ref lo, ref hi);
            float edge = hi - lo;
            for (int c = 0; c < 3; c++)
                dst[x * 3 + c] = CpuCompositor.ToByte(Glsl.Mix(src[x * 3 + c] / 255f, col[c], edge));
        }

        /// <summary>Min and max of one row of the ring, 8 pixels at a time: the samples d to the left, at, and d to the right.</summary>
        private static void Ring(float* p, int d, ref Vector256<float> lo, ref Vector256<float> hi)
        {
            Vector256<float> a = Avx.LoadVector256(p - d), b = Avx.LoadVector256(p), c = Avx.LoadVector256(p + d);
            lo = Avx.Min(lo, Avx.Min(a, Avx.Min(b, c)));
            hi = Avx.Max(hi, Avx.Max(a, Avx.Max(b, c)));
        }

        private static void Ring(float* row, int l, int x, int r, ref float lo, ref float hi)
        {
            float a = row[l], b = row[x], c = row[r];
            lo = MathF.Min(lo, MathF.Min(a, MathF.Min(b, c)));
            hi = MathF.Max(hi, MathF.Max(a, MathF.Max(b, c)));
        }
    }
}
