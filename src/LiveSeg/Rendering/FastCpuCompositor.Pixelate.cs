using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Effects;

namespace LiveSeg.Rendering;

internal sealed unsafe partial class FastCpuCompositor
{
    /// <summary>Registers <see cref="PixelateKernel"/> as the kernel of <see cref="EffectKind.Pixelate"/>.</summary>
    private static readonly Func<FastCpuCompositor, Kernel> s_newPixelateKernel = Registered(EffectKind.Pixelate, c => new PixelateKernel(c));

    /// <summary>
    /// The CPU renderer's part of <see cref="PixelateEffect"/>: each block's colour once per frame (a pass over the
    /// block rows, on the bands; the mask at a sample from the upsampled mask rows), then each output row mixes its
    /// block row, spread to the frame's width, with the frame by the matte, 8 pixels at a time.
    /// </summary>
    internal sealed class PixelateKernel : Kernel
    {
        private readonly FastCpuCompositor _cpu;
        private readonly Action<int, int, int> _blockRows;
        private readonly float[][] _row;           // per band: its block row's colours spread over the frame's width (B, G, R)
        private readonly int[] _rowOf;             // per band: the block row _row holds (-1: none this frame)
        private int _block, _columns, _rows;
        private float[] _blocks = [];              // rows x columns x 3 (B, G, R): each block's colour

        public PixelateKernel(FastCpuCompositor cpu)
        {
            (_cpu, _blockRows) = (cpu, BlockRows);
            _row = Rows(cpu._bands.Count, cpu._w * 3);
            _rowOf = new int[cpu._bands.Count];
        }

        public override void Apply(in EffectSettings s)
        {
            if (s.BlockSize == _block)
                return;
            _block = s.BlockSize;
            (_columns, _rows) = ((_cpu._w + _block - 1) / _block, (_cpu._h + _block - 1) / _block);
            _blocks = new float[_rows * _columns * 3];
        }

        public override void Prepare()
        {
            Array.Fill(_rowOf, -1);
            _cpu._bands.Run(_rows, _blockRows);
        }

        /// <summary>The colours of block rows first..end: effect_pixelate.frag's weighted mean of each block's samples.</summary>
        private void BlockRows(int band, int first, int end)
        {
            int w = _cpu._w, h = _cpu._h, block = _block, n = PixelateEffect.Samples(block);
            float[] maskH = _cpu._maskH, wy = _cpu._mwy;
            int[] y0 = _cpu._my0, y1 = _cpu._my1;
            byte* image = (byte*)_cpu._image!.Data;
            long step = _cpu._image.Step();
            for (int by = first; by < end; by++)
            {
                int oy = by * block, ey = Math.Min(oy + block, h) - oy;
                for (int bx = 0; bx < _columns; bx++)
                {
                    int ox = bx * block, ex = Math.Min(ox + block, w) - ox;
                    float r = 0, g = 0, b = 0, weights = 0;
                    for (int j = 0; j < n; j++)
                    {
                        int qy = PixelateEffect.SampleAt(oy, ey, j, n);
                        float below = wy[qy], above = 1 - below;
                        byte* row = image + qy * step;
                        for (int i = 0; i < n; i++)
                        {
                            int qx = PixelateEffect.SampleAt(ox, ex, i, n);
                            float m = maskH[y0[qy] * w + qx] * above + maskH[y1[qy] * w + qx] * below;
                            float weight = 1 - m + PixelateEffect.Floor;
                            byte* p = row + qx * 3;
                            r += p[2] / 255f * weight;
                            g += p[1] / 255f * weight;
                            b += p[0] / 255f * weight;
                            weights += weight;
                        }
                    }
                    int o = (by * _columns + bx) * 3;
                    (_blocks[o], _blocks[o + 1], _blocks[o + 2]) = (b / weights, g / weights, r / weights);
                }
            }
        }

        /// <summary>The block row of output row <paramref name="y"/>, spread over the frame's width (made once per band and block row).</summary>
        private float[] BlockRow(int band, int y)
        {
            float[] row = _row[band];
            int by = y / _block;
            if (_rowOf[band] == by)
                return row;
            int w = _cpu._w;
            for (int bx = 0; bx < _columns; bx++)
            {
                int o = (by * _columns + bx) * 3;
                float b = _blocks[o], g = _blocks[o + 1], r = _blocks[o + 2];
                for (int x = bx * _block, last = Math.Min(x + _block, w); x < last; x++)
                    (row[x * 3], row[x * 3 + 1], row[x * 3 + 2]) = (b, g, r);
            }
            _rowOf[band] = by;
            return row;
        }

        /// <summary>effect_pixelate.frag's output: mix(block, frame, matte(mask)).</summary>
        public override void ComposeRow(int band, int y, float* m, byte* src, byte* dst)
        {
            int x = 0, w = _cpu._w;
            fixed (float* blocks = BlockRow(band, y))
            {
                if (_cpu._simd)
                {
                    for (; x <= w - 8; x += 8)
                    {
                        CpuSimd.Spread(_cpu.Matte(Avx.LoadVector256(m + x)), out var a0, out var a1, out var a2);
                        CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                        float* k = blocks + x * 3;
                        CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(Avx.LoadVector256(k), c0, a0), CpuSimd.Mix(Avx.LoadVector256(k + 8), c1, a1),
                            CpuSimd.Mix(Avx.LoadVector256(k + 16), c2, a2));
                    }
                }
                for (; x < w; x++)
                {
                    float alpha = _cpu.Matte(m[x]);
                    for (int c = 0; c < 3; c++)
                        dst[x * 3 + c] = CpuCompositor.ToByte(Glsl.Mix(blocks[x * 3 + c], src[x * 3 + c] / 255f, alpha));
                }
            }
        }
    }
}
