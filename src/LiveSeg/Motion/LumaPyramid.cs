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

    public LumaPyramid(int frameWidth, int frameHeight)
    {
        (FrameWidth, FrameHeight) = (frameWidth, frameHeight);
        Fine = new Level(frameWidth / Scale, frameHeight / Scale);
        Coarse = new Level(Fine.Width / 2, Fine.Height / 2);
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
        fixed (byte* f = fine.Pixels)
        {
            for (int y = 0; y < fine.Height; y++)
            {
                byte* row = data + Scale * y * step;
                byte* o = f + fine.Offset(0, y);
                for (int x = 0; x < fine.Width; x++)
                {
                    // The mean of the 4x4 footprint (a box filter: sub-pixel matching needs the picture without aliasing).
                    int sum = 0;
                    for (int r = 0; r < Scale; r++)
                    {
                        byte* p = row + r * step + 3 * Scale * x;
                        sum += Luma(p) + Luma(p + 3) + Luma(p + 6) + Luma(p + 9);
                    }
                    o[x] = (byte)((sum + 2048) >> 12);
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

    /// <summary>Luma × 256 of one BGR pixel (integer weights summing to 256).</summary>
    private static int Luma(byte* p) => 29 * p[0] + 150 * p[1] + 77 * p[2];

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
