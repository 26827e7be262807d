using System.Runtime.Intrinsics;
using OpenCvSharp;

namespace LiveSeg.Motion;

/// <summary>
/// A frame's luma at two low resolutions, for block matching (<see cref="BlockMatcher"/>): <see cref="Fine"/> at 1/4 of
/// the frame (each pixel the mean luma of its 4x4 footprint, centred on frame position 4x + 2) and
/// <see cref="Coarse"/> at 1/8 (the 2x2 mean of Fine). Each level is stored with a replicated border of
/// <see cref="Pad"/> pixels on every side, so a search never checks bounds. Luma: (29 B + 150 G + 77 R) / 256, bytes.
/// Buffers are made for one frame size at construction; <see cref="Build"/> allocates nothing.
/// </summary>
internal sealed unsafe class LumaPyramid
{
    /// <summary>Frame pixels per fine pixel.</summary>
    public const int Scale = 4;

    /// <summary>Replicated border around each level (enough for the matcher's search plus a block).</summary>
    public const int Pad = 24;

    private readonly ushort[] _columnSums;

    public LumaPyramid(int frameWidth, int frameHeight)
    {
        (FrameWidth, FrameHeight) = (frameWidth, frameHeight);
        Fine = new Level(frameWidth / Scale, frameHeight / Scale);
        Coarse = new Level(Fine.Width / 2, Fine.Height / 2);
        _columnSums = new ushort[3 * Scale * Fine.Width];
    }

    public int FrameWidth { get; }

    public int FrameHeight { get; }

    /// <summary>1/4 of the frame.</summary>
    public Level Fine { get; }

    /// <summary>1/8 of the frame.</summary>
    public Level Coarse { get; }

    /// <summary>Which frame it was built from (<see cref="Capture.FrameSlot.Index"/>, <see cref="Capture.FrameSlot.Sequence"/>); -1 before any.</summary>
    public int Index { get; private set; } = -1;

    public int Sequence { get; private set; } = -1;

    /// <summary>Builds both levels from <paramref name="bgr"/> (8-bit BGR, this pyramid's frame size).</summary>
    public void Build(Mat bgr, int index = 0, int sequence = 0)
    {
        if (bgr.Width != FrameWidth || bgr.Height != FrameHeight || bgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"need an 8-bit BGR frame of {FrameWidth}x{FrameHeight}, got {bgr.Width}x{bgr.Height} {bgr.Type()}", nameof(bgr));
        byte* data = (byte*)bgr.Data;
        long step = bgr.Step();
        Level fine = Fine;
        int columns = 3 * Scale * fine.Width; // the bytes of a row that fine pixels cover
        fixed (byte* f = fine.Pixels)
        fixed (ushort* sums = _columnSums)
        {
            for (int y = 0; y < fine.Height; y++)
            {
                // Each byte column summed over the footprint's four rows, then each pixel's four columns per channel:
                // Σ luma over 4x4 = 29·ΣB + 150·ΣG + 77·ΣR (exact: the weights are integers), 3 multiplies per pixel, not 48.
                SumRows(data + Scale * y * step, step, sums, columns);
                byte* o = f + fine.Offset(0, y);
                ushort* s = sums;
                for (int x = 0; x < fine.Width; x++, s += 3 * Scale)
                {
                    int b = s[0] + s[3] + s[6] + s[9];
                    int g = s[1] + s[4] + s[7] + s[10];
                    int r = s[2] + s[5] + s[8] + s[11];
                    o[x] = (byte)((29 * b + 150 * g + 77 * r + 2048) >> 12); // the mean of the 4x4 footprint's luma
                }
            }
        }
        Level coarse = Coarse;
        fixed (byte* f = fine.Pixels, c = coarse.Pixels)
        {
            for (int y = 0; y < coarse.Height; y++)
            {
                byte* a = f + fine.Offset(0, 2 * y), b = a + fine.Stride;
                byte* o = c + coarse.Offset(0, y);
                for (int x = 0; x < coarse.Width; x++)
                    o[x] = (byte)((a[2 * x] + a[2 * x + 1] + b[2 * x] + b[2 * x + 1] + 2) >> 2);
            }
        }
        fine.FillBorder();
        coarse.FillBorder();
        (Index, Sequence) = (index, sequence);
    }

    /// <summary>Makes this pyramid a copy of <paramref name="other"/> (same frame size).</summary>
    public void CopyFrom(LumaPyramid other)
    {
        if (other.FrameWidth != FrameWidth || other.FrameHeight != FrameHeight)
            throw new ArgumentException("pyramids of different frame sizes", nameof(other));
        other.Fine.Pixels.AsSpan().CopyTo(Fine.Pixels);
        other.Coarse.Pixels.AsSpan().CopyTo(Coarse.Pixels);
        (Index, Sequence) = (other.Index, other.Sequence);
    }

    /// <summary>Whether it holds the luma of frame <paramref name="index"/> of run <paramref name="sequence"/>.</summary>
    public bool Holds(int index, int sequence) => Index == index && Sequence == sequence;

    /// <summary>
    /// <paramref name="sums"/>[i] = Σ of byte i of the <see cref="Scale"/> rows from <paramref name="row"/> (i &lt;
    /// <paramref name="count"/>), 16 bytes at a time widened to 16-bit (4 x 255 fits).
    /// </summary>
    private static void SumRows(byte* row, long step, ushort* sums, int count)
    {
        int i = 0;
        for (; i + Vector128<byte>.Count <= count; i += Vector128<byte>.Count)
        {
            var (lo0, hi0) = Vector128.Widen(Vector128.Load(row + i));
            var (lo1, hi1) = Vector128.Widen(Vector128.Load(row + step + i));
            var (lo2, hi2) = Vector128.Widen(Vector128.Load(row + 2 * step + i));
            var (lo3, hi3) = Vector128.Widen(Vector128.Load(row + 3 * step + i));
            (lo0 + lo1 + lo2 + lo3).Store(sums + i);
            (hi0 + hi1 + hi2 + hi3).Store(sums + i + Vector128<ushort>.Count);
        }
        for (; i < count; i++)
            sums[i] = (ushort)(row[i] + row[step + i] + row[2 * step + i] + row[3 * step + i]);
    }

    /// <summary>One level: Width x Height bytes inside a border of <see cref="Pad"/>; row y, column x at <see cref="Offset"/>.</summary>
    internal sealed class Level
    {
        public Level(int width, int height)
        {
            (Width, Height) = (Math.Max(0, width), Math.Max(0, height));
            Stride = Width + 2 * Pad;
            Pixels = new byte[Stride * (Height + 2 * Pad)];
        }

        public int Width { get; }

        public int Height { get; }

        public int Stride { get; }

        public byte[] Pixels { get; }

        /// <summary>Index of pixel (x, y); x and y may reach −Pad .. size + Pad − 1.</summary>
        public int Offset(int x, int y) => (y + Pad) * Stride + x + Pad;

        /// <summary>Repeats the edge pixels into the border.</summary>
        public void FillBorder()
        {
            if (Width == 0 || Height == 0)
                return;
            byte[] p = Pixels;
            for (int y = 0; y < Height; y++)
            {
                int row = Offset(0, y);
                p.AsSpan(row - Pad, Pad).Fill(p[row]);
                p.AsSpan(row + Width, Pad).Fill(p[row + Width - 1]);
            }
            for (int y = 0; y < Pad; y++)
            {
                p.AsSpan(Offset(-Pad, 0), Stride).CopyTo(p.AsSpan(y * Stride, Stride));
                p.AsSpan(Offset(-Pad, Height - 1), Stride).CopyTo(p.AsSpan(Offset(-Pad, Height + y), Stride));
            }
        }
    }
}
