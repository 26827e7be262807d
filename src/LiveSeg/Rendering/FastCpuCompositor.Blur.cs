using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Effects;

namespace LiveSeg.Rendering;

internal sealed unsafe partial class FastCpuCompositor
{
    /// <summary>Registers <see cref="BlurKernel"/> as the kernel of <see cref="EffectKind.Blur"/>.</summary>
    private static readonly Func<FastCpuCompositor, Kernel> s_newBlurKernel = Registered(EffectKind.Blur, c => new BlurKernel(c));

    /// <summary>
    /// The CPU renderer's part of <see cref="BlurEffect"/>: reduced weighted sums (B, G, R, A per reduced texel) made
    /// from whole weighted frame rows, blurred horizontally then vertically, upsampled horizontally per reduced row;
    /// each output row blends two of those rows.
    /// </summary>
    internal sealed class BlurKernel : Kernel
    {
        private readonly FastCpuCompositor _cpu;
        private readonly Action<int, int, int> _reduceRows, _verticalRows, _upsampleRows;
        private int _f, _bw, _bh, _radius;
        private float[] _weights = [];
        private float[] _sums = [];                // reduced size x 4: downsampled + horizontal pass
        private float[] _blurred = [];             // reduced size x 4: + vertical pass
        private float[] _blurH3 = [];              // reduced rows x frame width x 3 (B, G, R)
        private float[] _blurHA = [];              // reduced rows x frame width (A)
        private int[] _bx0 = [], _bx1 = [], _by0 = [], _by1 = [];
        private float[] _bwx = [], _bwy = [];
        private readonly float[][] _s3, _sa, _acc3, _accA, _wt; // per band scratch rows
        private float[][] _reduced;

        public BlurKernel(FastCpuCompositor cpu)
        {
            _cpu = cpu;
            (_reduceRows, _verticalRows, _upsampleRows) = (ReduceRows, VerticalRows, UpsampleRows);
            int bands = cpu._bands.Count, w = cpu._w;
            (_s3, _sa, _acc3, _accA, _wt) = (Rows(bands, w * 3), Rows(bands, w), Rows(bands, w * 3), Rows(bands, w), Rows(bands, w));
            _reduced = Rows(bands, 0);
        }

        /// <summary>The weights for the radius; the buffers for its reduction factor when that changes.</summary>
        public override void Apply(in EffectSettings s)
        {
            _weights = s.BlurWeights();
            _radius = s.ReducedBlurRadius;
            if (s.BlurFactor == _f && _sums.Length > 0)
                return;
            int w = _cpu._w, h = _cpu._h;
            _f = s.BlurFactor;
            (_bw, _bh) = ((w + _f - 1) / _f, (h + _f - 1) / _f);
            _sums = new float[_bw * _bh * 4];
            _blurred = new float[_bw * _bh * 4];
            _blurH3 = new float[_bh * w * 3];
            _blurHA = new float[_bh * w];
            (_bx0, _bx1, _bwx) = Axis(_bw, w);
            (_by0, _by1, _bwy) = Axis(_bh, h);
            _reduced = Rows(_cpu._bands.Count, _bw * 4);
        }

        public override void Prepare()
        {
            _cpu._bands.Run(_bh, _reduceRows);
            _cpu._bands.Run(_bh, _verticalRows);
            _cpu._bands.Run(_bh, _upsampleRows);
        }

        /// <summary>
        /// blur_downsample.frag then the horizontal blur_gaussian.frag pass, for reduced rows first..end: each frame row of
        /// a block is added whole, weighted by background-ness (1 − nearest mask texel), before each block is summed.
        /// </summary>
        private void ReduceRows(int band, int first, int end)
        {
            float[] acc3 = _acc3[band], accA = _accA[band], wt = _wt[band], reduced = _reduced[band];
            int f = _f, w = _cpu._w, bw = _bw, r = _radius, mw = _cpu._mw;
            float inv = 1f / (f * f);
            float[] mask = _cpu._mask, weights = _weights, sums = _sums;
            int[] nearestX = _cpu._nearestX;
            byte* image = (byte*)_cpu._image!.Data;
            long step = _cpu._image.Step();
            int weightsOf = -1; // the mask row wt holds: consecutive frame rows mostly share their nearest mask row
            for (int y = first; y < end; y++)
            {
                for (int dy = 0; dy < f; dy++)
                {
                    int qy = Math.Min(y * f + dy, _cpu._h - 1);
                    if (_cpu._nearestY[qy] != weightsOf)
                    {
                        weightsOf = _cpu._nearestY[qy];
                        int maskRow = weightsOf * mw;
                        for (int x = 0; x < w; x++)
                            wt[x] = 1 - mask[maskRow + nearestX[x]];
                    }
                    AccumulateRow(image + qy * step, wt, acc3, accA, first: dy == 0);
                }
                // Each block's sum: its f columns (past the frame's edge, the edge column again).
                fixed (float* p3 = acc3, pA = accA, pr = reduced)
                {
                    for (int x = 0; x < bw; x++)
                    {
                        float sb = 0, sg = 0, sr = 0, sa = 0;
                        int q = x * f;
                        if (q + f <= w)
                        {
                            for (int dx = 0; dx < f; dx++, q++)
                            {
                                sb += p3[q * 3];
                                sg += p3[q * 3 + 1];
                                sr += p3[q * 3 + 2];
                                sa += pA[q];
                            }
                        }
                        else
                        {
                            for (int dx = 0; dx < f; dx++)
                            {
                                int e = Math.Min(x * f + dx, w - 1);
                                sb += p3[e * 3];
                                sg += p3[e * 3 + 1];
                                sr += p3[e * 3 + 2];
                                sa += pA[e];
                            }
                        }
                        float* o = pr + x * 4;
                        (o[0], o[1], o[2], o[3]) = (sb * inv, sg * inv, sr * inv, sa * inv);
                    }
                }
                // Horizontal Gaussian of this row, edges repeated.
                int outRow = y * bw * 4;
                for (int x = 0; x < bw; x++)
                {
                    float sb = 0, sg = 0, sr = 0, sa = 0;
                    for (int k = -r; k <= r; k++)
                    {
                        int q = Math.Clamp(x + k, 0, bw - 1) * 4;
                        float g = weights[Math.Abs(k)];
                        sb += g * reduced[q];
                        sg += g * reduced[q + 1];
                        sr += g * reduced[q + 2];
                        sa += g * reduced[q + 3];
                    }
                    int o = outRow + x * 4;
                    (sums[o], sums[o + 1], sums[o + 2], sums[o + 3]) = (sb, sg, sr, sa);
                }
            }
        }

        /// <summary>acc3 (+)= colour · weight (per channel value), accA (+)= weight, over one frame row (the first of a block: =).</summary>
        private void AccumulateRow(byte* row, float[] wt, float[] acc3, float[] accA, bool first)
        {
            int x = 0, w = _cpu._w;
            fixed (float* pw = wt, pa = acc3, pA = accA)
            {
                // The first row of a block stores (never acc · 0 + …: a NaN left from an earlier frame would stay forever).
                if (_cpu._simd)
                {
                    for (; x <= w - 8; x += 8)
                    {
                        Vector256<float> weight = Avx.LoadVector256(pw + x);
                        CpuSimd.Load24(row + x * 3, out var c0, out var c1, out var c2);
                        CpuSimd.Spread(weight, out var w0, out var w1, out var w2);
                        float* a = pa + x * 3;
                        (c0, c1, c2) = (Avx.Multiply(c0, w0), Avx.Multiply(c1, w1), Avx.Multiply(c2, w2));
                        if (first)
                        {
                            Avx.Store(a, c0);
                            Avx.Store(a + 8, c1);
                            Avx.Store(a + 16, c2);
                            Avx.Store(pA + x, weight);
                        }
                        else
                        {
                            Avx.Store(a, Avx.Add(Avx.LoadVector256(a), c0));
                            Avx.Store(a + 8, Avx.Add(Avx.LoadVector256(a + 8), c1));
                            Avx.Store(a + 16, Avx.Add(Avx.LoadVector256(a + 16), c2));
                            Avx.Store(pA + x, Avx.Add(Avx.LoadVector256(pA + x), weight));
                        }
                    }
                }
                for (; x < w; x++)
                {
                    byte* p = row + x * 3;
                    float wx = pw[x];
                    float b = p[0] / 255f * wx, g = p[1] / 255f * wx, r = p[2] / 255f * wx;
                    if (first)
                        (pa[x * 3], pa[x * 3 + 1], pa[x * 3 + 2], pA[x]) = (b, g, r, wx);
                    else
                        (pa[x * 3], pa[x * 3 + 1], pa[x * 3 + 2], pA[x]) = (pa[x * 3] + b, pa[x * 3 + 1] + g, pa[x * 3 + 2] + r, pA[x] + wx);
                }
            }
        }

        /// <summary>The vertical blur_gaussian.frag pass, for reduced rows first..end.</summary>
        private void VerticalRows(int band, int first, int end)
        {
            int bw4 = _bw * 4, r = _radius, last = _bh - 1;
            for (int y = first; y < end; y++)
            {
                Span<float> row = _blurred.AsSpan(y * bw4, bw4);
                row.Clear();
                for (int k = -r; k <= r; k++)
                    CpuSimd.AddScaled(_sums.AsSpan(Math.Clamp(y + k, 0, last) * bw4, bw4), _weights[Math.Abs(k)], row, _cpu._simd);
            }
        }

        /// <summary>Blurred rows first..end upsampled horizontally to the frame's width (B, G, R interleaved; A apart).</summary>
        private void UpsampleRows(int band, int first, int end)
        {
            int w = _cpu._w, bw4 = _bw * 4;
            fixed (float* blurred = _blurred, h3 = _blurH3, hA = _blurHA, wx = _bwx)
            fixed (int* x0 = _bx0, x1 = _bx1)
            {
                for (int y = first; y < end; y++)
                {
                    float* src = blurred + y * bw4, d3 = h3 + (long)y * w * 3, dA = hA + (long)y * w;
                    for (int x = 0; x < w; x++)
                    {
                        float* p0 = src + x0[x] * 4, p1 = src + x1[x] * 4;
                        float b = wx[x], a = 1 - b;
                        d3[x * 3] = p0[0] * a + p1[0] * b;
                        d3[x * 3 + 1] = p0[1] * a + p1[1] * b;
                        d3[x * 3 + 2] = p0[2] * a + p1[2] * b;
                        dA[x] = p0[3] * a + p1[3] * b;
                    }
                }
            }
        }

        /// <summary>effect_blur.frag: the blurred background (normalised sums, with the pixel's own colour as a small prior) under the person.</summary>
        public override void ComposeRow(int band, int y, float* m, byte* src, byte* dst)
        {
            int w = _cpu._w, x = 0;
            float[] s3 = _s3[band], sa = _sa[band];
            int r0 = _by0[y], r1 = _by1[y];
            CpuSimd.BlendRows(_blurH3.AsSpan(r0 * w * 3, w * 3), _blurH3.AsSpan(r1 * w * 3, w * 3), _bwy[y], s3, _cpu._simd);
            CpuSimd.BlendRows(_blurHA.AsSpan(r0 * w, w), _blurHA.AsSpan(r1 * w, w), _bwy[y], sa, _cpu._simd);
            fixed (float* ps = s3, pa = sa)
            {
                if (_cpu._simd)
                {
                    Vector256<float> prior = Vector256.Create(BlurEffect.Prior);
                    for (; x <= w - 8; x += 8)
                    {
                        Vector256<float> inv = Avx.Divide(Vector256<float>.One, Avx.Add(Avx.LoadVector256(pa + x), prior));
                        CpuSimd.Spread(inv, out var i0, out var i1, out var i2);
                        CpuSimd.Spread(_cpu.Matte(Avx.LoadVector256(m + x)), out var a0, out var a1, out var a2);
                        CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                        float* s = ps + x * 3;
                        Vector256<float> b0 = Avx.Multiply(Avx.Add(Avx.LoadVector256(s), Avx.Multiply(c0, prior)), i0);
                        Vector256<float> b1 = Avx.Multiply(Avx.Add(Avx.LoadVector256(s + 8), Avx.Multiply(c1, prior)), i1);
                        Vector256<float> b2 = Avx.Multiply(Avx.Add(Avx.LoadVector256(s + 16), Avx.Multiply(c2, prior)), i2);
                        CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(b0, c0, a0), CpuSimd.Mix(b1, c1, a1), CpuSimd.Mix(b2, c2, a2));
                    }
                }
                for (; x < w; x++)
                {
                    float inv = 1 / (pa[x] + BlurEffect.Prior), alpha = _cpu.Matte(m[x]);
                    for (int c = 0; c < 3; c++)
                    {
                        float v = src[x * 3 + c] / 255f;
                        dst[x * 3 + c] = CpuCompositor.ToByte(Glsl.Mix((ps[x * 3 + c] + v * BlurEffect.Prior) * inv, v, alpha));
                    }
                }
            }
        }
    }
}
