using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LiveSeg.Motion;

/// <summary>
/// LiveSeg's own motion estimator, cheap enough for every shown frame: block matching on low-resolution luma
/// (<see cref="LumaPyramid"/>), coarse to fine. For each 8x8 block of the newer frame at 1/4 resolution (one
/// <see cref="MotionField"/> cell): every other displacement within ±<see cref="CoarseRange"/> pixels at 1/8
/// resolution (±64 frame pixels) and the eight around the best, ±2 around it at 1/4, a V fitted to the sums of absolute differences for the sub-pixel part; then
/// blocks without texture (not searched: nothing there to match) take their textured neighbours' median, and a 3x3 median removes outliers. Cost: sum of absolute
/// differences + <see cref="Lambda"/> per pixel of displacement (a tie goes to the smaller motion). Sums of absolute
/// differences 16 bytes at a time (SSE2 psadbw; a scalar loop elsewhere). Made once for a grid; a call allocates nothing.
/// </summary>
internal sealed unsafe class BlockMatcher
{
    /// <summary>Search range at 1/8 resolution, in its pixels.</summary>
    public const int CoarseRange = 8;

    /// <summary>Search range at 1/4 resolution around the coarse match, in its pixels.</summary>
    public const int FineRange = 2;

    /// <summary>Cost per pixel of displacement (at the level searched), against a sum over 64 pixels.</summary>
    public const int Lambda = 4;

    /// <summary>A block whose mean |horizontal| + |vertical| luma step is below this (in 1/255) has no texture to match.</summary>
    public const int MinTexture = 3;

    private readonly float[] _raw;
    private readonly bool[] _textured;
    private readonly float[] _window = new float[9];
    private readonly bool _simd;

    public BlockMatcher(int gridWidth, int gridHeight, bool useSimd = true)
    {
        _raw = new float[gridWidth * gridHeight * 2];
        _textured = new bool[gridWidth * gridHeight];
        _simd = useSimd && Sse2.IsSupported;
    }

    /// <summary>
    /// Fills <paramref name="field"/>: for each cell of <paramref name="newer"/>, where its content was in
    /// <paramref name="older"/> (both built from frames of the field's size).
    /// </summary>
    public void Estimate(LumaPyramid newer, LumaPyramid older, MotionField field)
    {
        if (newer.FrameWidth != field.FrameWidth || older.FrameWidth != field.FrameWidth || newer.FrameHeight != field.FrameHeight || older.FrameHeight != field.FrameHeight)
            throw new ArgumentException("pyramids and field must be of one frame size");
        if (_textured.Length != field.GridWidth * field.GridHeight)
            throw new ArgumentException("the matcher was made for another grid");
        int gw = field.GridWidth, gh = field.GridHeight;
        if (newer.Fine.Width < 8 || newer.Fine.Height < 8 || newer.Coarse.Width < 4 || newer.Coarse.Height < 4)
        {
            Array.Clear(field.Vectors);
            return;
        }
        fixed (byte* nf = newer.Fine.Pixels, of = older.Fine.Pixels, nc = newer.Coarse.Pixels, oc = older.Coarse.Pixels)
        {
            for (int j = 0; j < gh; j++)
            {
                for (int i = 0; i < gw; i++)
                    Match(newer, older, nf, of, nc, oc, i, j, gw);
            }
        }
        FillUntextured(gw, gh);
        Median(field, gw, gh);
    }

    private void Match(LumaPyramid newer, LumaPyramid older, byte* nf, byte* of, byte* nc, byte* oc, int i, int j, int gw)
    {
        // A block without texture is not searched: FillUntextured gives it its textured neighbours' motion.
        int cell = j * gw + i;
        LumaPyramid.Level f = newer.Fine;
        int fs = f.Stride;
        byte* own = nf + f.Offset(8 * i, 8 * j);
        _textured[cell] = Texture(own, fs) >= MinTexture * 2 * 56;
        if (!_textured[cell])
            return;
        // Coarse: the 8x8 block centred on the cell's centre (4i + 2, 4j + 2 at 1/8).
        LumaPyramid.Level c = newer.Coarse;
        int cs = c.Stride;
        byte* reference = nc + c.Offset(4 * i - 2, 4 * j - 2);
        byte* search = oc + older.Coarse.Offset(4 * i - 2, 4 * j - 2);
        int best = int.MaxValue, bx = 0, by = 0;
        var block = new Block(reference, cs);
        // Every other displacement over the whole range, then the eight around the best.
        for (int dy = -CoarseRange; dy <= CoarseRange; dy += 2)
        {
            for (int dx = -CoarseRange; dx <= CoarseRange; dx += 2)
                Try(block, search, cs, dx, dy, Lambda, ref best, ref bx, ref by);
        }
        int sx0 = bx, sy0 = by;
        for (int dy = sy0 - 1; dy <= sy0 + 1; dy++)
        {
            for (int dx = sx0 - 1; dx <= sx0 + 1; dx++)
            {
                if ((dx != sx0 || dy != sy0) && Math.Abs(dx) <= CoarseRange && Math.Abs(dy) <= CoarseRange)
                    Try(block, search, cs, dx, dy, Lambda, ref best, ref bx, ref by);
            }
        }
        // Fine: the cell's own 8x8 block at 1/4, ±FineRange around twice the coarse match.
        reference = own;
        search = of + older.Fine.Offset(8 * i, 8 * j);
        int cx = 2 * bx, cy = 2 * by;
        best = int.MaxValue;
        int fx = cx, fy = cy;
        block = new Block(reference, fs);
        for (int dy = cy - FineRange; dy <= cy + FineRange; dy++)
        {
            for (int dx = cx - FineRange; dx <= cx + FineRange; dx++)
                Try(block, search, fs, dx, dy, 0, ref best, ref fx, ref fy);
        }
        byte* at = search + fy * fs + fx;
        float s0 = Sad(block, at, fs);
        float sx = SubPixel(Sad(block, at - 1, fs), s0, Sad(block, at + 1, fs));
        float sy = SubPixel(Sad(block, at - fs, fs), s0, Sad(block, at + fs, fs));
        _raw[2 * cell] = (fx + sx) * LumaPyramid.Scale;
        _raw[2 * cell + 1] = (fy + sy) * LumaPyramid.Scale;
    }

    /// <summary>Cost of displacement (dx, dy); kept if it beats the best so far (a tie goes to the smaller displacement).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Try(in Block block, byte* search, int stride, int dx, int dy, int lambda, ref int best, ref int bx, ref int by)
    {
        int length = Math.Abs(dx) + Math.Abs(dy);
        int cost = Sad(block, search + dy * stride + dx, stride) + lambda * length;
        if (cost < best || (cost == best && length < Math.Abs(bx) + Math.Abs(by)))
            (best, bx, by) = (cost, dx, dy);
    }

    /// <summary>
    /// The sub-pixel part from the sums at −1, 0, +1 (b the least): where two lines of equal and opposite slope through
    /// them meet (a sum of absolute differences is V-shaped near its minimum, not a parabola), within ±½; 0 when b is an
    /// exact match (no refinement needed) or no minimum.
    /// </summary>
    private static float SubPixel(float a, float b, float c)
    {
        if (b <= 0 || a < b || c < b)
            return 0f;
        float slope = Math.Max(a, c) - b;
        return slope > 0 ? Math.Clamp((a - c) / (2 * slope), -0.5f, 0.5f) : 0f;
    }

    /// <summary>Sum of |horizontal| + |vertical| steps inside an 8x8 block (56 of each).</summary>
    private static int Texture(byte* p, int stride)
    {
        int sum = 0;
        for (int y = 0; y < 8; y++)
        {
            byte* r = p + y * stride;
            for (int x = 0; x < 7; x++)
                sum += Math.Abs(r[x + 1] - r[x]);
            if (y < 7)
            {
                for (int x = 0; x < 8; x++)
                    sum += Math.Abs(r[x + stride] - r[x]);
            }
        }
        return sum;
    }

    /// <summary>An 8x8 reference block: its rows in pairs (16 bytes each) for the vector path, its address for the scalar one.</summary>
    private readonly struct Block
    {
        public readonly Vector128<byte> R0, R1, R2, R3;
        public readonly byte* P;

        public Block(byte* p, int stride)
        {
            P = p;
            if (Sse2.IsSupported)
            {
                R0 = Pair(p, stride);
                R1 = Pair(p + 2 * stride, stride);
                R2 = Pair(p + 4 * stride, stride);
                R3 = Pair(p + 6 * stride, stride);
            }
        }
    }

    /// <summary>Rows at p and p + stride (8 bytes each) in one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Pair(byte* p, int stride) =>
        Sse2.LoadHigh(Sse2.LoadScalarVector128((double*)p), (double*)(p + stride)).AsByte();

    /// <summary>Sum of absolute differences of the reference block and the 8x8 block at <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Sad(in Block a, byte* b, int stride)
    {
        if (_simd)
        {
            Vector128<ushort> s0 = Sse2.SumAbsoluteDifferences(a.R0, Pair(b, stride));
            Vector128<ushort> s1 = Sse2.SumAbsoluteDifferences(a.R1, Pair(b + 2 * stride, stride));
            Vector128<ushort> s2 = Sse2.SumAbsoluteDifferences(a.R2, Pair(b + 4 * stride, stride));
            Vector128<ushort> s3 = Sse2.SumAbsoluteDifferences(a.R3, Pair(b + 6 * stride, stride));
            Vector128<ushort> sum = Sse2.Add(Sse2.Add(s0, s1), Sse2.Add(s2, s3));
            return sum.GetElement(0) + sum.GetElement(4);
        }
        int s = 0;
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
                s += Math.Abs(a.P[y * stride + x] - b[y * stride + x]);
        }
        return s;
    }

    /// <summary>A block without texture takes the median of its textured neighbours (3x3), or no motion if none is.</summary>
    private void FillUntextured(int gw, int gh)
    {
        for (int j = 0; j < gh; j++)
        {
            for (int i = 0; i < gw; i++)
            {
                if (_textured[j * gw + i])
                    continue;
                for (int k = 0; k < 2; k++)
                {
                    int n = 0;
                    for (int y = Math.Max(0, j - 1); y <= Math.Min(gh - 1, j + 1); y++)
                    {
                        for (int x = Math.Max(0, i - 1); x <= Math.Min(gw - 1, i + 1); x++)
                        {
                            if (_textured[y * gw + x])
                                _window[n++] = _raw[2 * (y * gw + x) + k];
                        }
                    }
                    _raw[2 * (j * gw + i) + k] = n == 0 ? 0 : MedianOf(n);
                }
            }
        }
    }

    /// <summary>3x3 median of each component (the window cut at the grid's edges) into the field.</summary>
    private void Median(MotionField field, int gw, int gh)
    {
        float[] v = field.Vectors;
        for (int j = 0; j < gh; j++)
        {
            for (int i = 0; i < gw; i++)
            {
                for (int k = 0; k < 2; k++)
                {
                    int n = 0;
                    for (int y = Math.Max(0, j - 1); y <= Math.Min(gh - 1, j + 1); y++)
                    {
                        for (int x = Math.Max(0, i - 1); x <= Math.Min(gw - 1, i + 1); x++)
                            _window[n++] = _raw[2 * (y * gw + x) + k];
                    }
                    v[2 * (j * gw + i) + k] = MedianOf(n);
                }
            }
        }
    }

    /// <summary>Median of _window[0..n) (insertion sort: n ≤ 9).</summary>
    private float MedianOf(int n)
    {
        float[] w = _window;
        for (int a = 1; a < n; a++)
        {
            float key = w[a];
            int b = a - 1;
            while (b >= 0 && w[b] > key)
            {
                w[b + 1] = w[b];
                b--;
            }
            w[b + 1] = key;
        }
        return (n & 1) == 1 ? w[n / 2] : 0.5f * (w[n / 2 - 1] + w[n / 2]);
    }
}
