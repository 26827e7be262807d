using System.Buffers.Binary;
using System.Text;
using OpenCvSharp;

namespace LiveSeg.Media;

/// <summary>The pixel layouts LiveSeg hands to the encoder: colour frames, colour with alpha, and a matte.</summary>
internal enum RawPixels
{
    /// <summary>8-bit B, G, R (OpenCV's order).</summary>
    Bgr24,

    /// <summary>8-bit B, G, R, A, straight (not premultiplied) alpha.</summary>
    Bgra32,

    /// <summary>8-bit grey (the mask).</summary>
    Gray8,
}

/// <summary>
/// Frames to FFmpeg with their own timestamps: a minimal streaming Matroska file of uncompressed frames
/// (<c>V_UNCOMPRESSED</c>) written to the encoder's standard input. A raw pipe (<c>-f rawvideo</c>) carries no time,
/// so a variable-rate input would be resampled; here each frame is a cluster whose timestamp is in nanoseconds
/// (TimestampScale 1 ns), so the output keeps every input frame's time exactly.
/// <para>Per frame: a 35-byte header made in a buffer of its own, then the pixels straight from the frame's memory —
/// no copy and no allocation.</para>
/// </summary>
internal sealed class RawFrameStream
{
    private const int HeaderBytes = 35;
    private readonly Stream _out;
    private readonly byte[] _header = new byte[HeaderBytes];
    private readonly int _rowBytes;
    private readonly long _frameBytes;
    private readonly Rational _nominalRate;

    /// <param name="output">The encoder's standard input.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="pixels">The frames' layout.</param>
    /// <param name="nominalRate">The rate written as the track's default frame duration (so FFmpeg knows it without probing); invalid: none.</param>
    public RawFrameStream(Stream output, int width, int height, RawPixels pixels, Rational nominalRate = default)
    {
        _nominalRate = nominalRate;
        _out = output;
        (Width, Height, Pixels) = (width, height, pixels);
        int channels = Channels(pixels);
        _rowBytes = checked(width * channels);
        _frameBytes = (long)_rowBytes * height;
        // The fixed part of every frame's header: Cluster (size known), Timestamp (8-byte value), SimpleBlock of track 1, key frame.
        var h = _header.AsSpan();
        Id(h, 0x1F43B675, 4);
        Size8(h[4..], 10 + 13 + _frameBytes);
        h[12] = 0xE7;
        h[13] = 0x88;
        h[22] = 0xA3;
        Size8(h[23..], 4 + _frameBytes);
        h[31] = 0x81;
        h[32] = 0;
        h[33] = 0;
        h[34] = 0x80;
    }

    public int Width { get; }

    public int Height { get; }

    public RawPixels Pixels { get; }

    public static int Channels(RawPixels pixels) => pixels switch
    {
        RawPixels.Bgr24 => 3,
        RawPixels.Bgra32 => 4,
        RawPixels.Gray8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(pixels)),
    };

    /// <summary>FFmpeg's name of the layout (-pix_fmt).</summary>
    public static string PixelFormatName(RawPixels pixels) => pixels switch
    {
        RawPixels.Bgr24 => "bgr24",
        RawPixels.Bgra32 => "bgra",
        _ => "gray",
    };

    /// <summary>The stream's header: EBML, an unsized Segment, Info (1 ns timestamps) and the one video track.</summary>
    public void WriteHeader()
    {
        var b = new List<byte>(256);
        Element(b, 0x1A45DFA3, e =>
        {
            UInt(e, 0x4286, 1);
            UInt(e, 0x42F7, 1);
            UInt(e, 0x42F2, 4);
            UInt(e, 0x42F3, 8);
            Text(e, 0x4282, "matroska");
            UInt(e, 0x4287, 4);
            UInt(e, 0x4285, 2);
        });
        IdBytes(b, 0x18538067);
        b.AddRange([0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); // Segment of unknown size: a stream
        Element(b, 0x1549A966, e =>
        {
            UInt(e, 0x2AD7B1, 1); // TimestampScale: 1 ns
            Text(e, 0x4D80, "LiveSeg");
            Text(e, 0x5741, "LiveSeg");
        });
        Element(b, 0x1654AE6B, tracks => Element(tracks, 0xAE, t =>
        {
            UInt(t, 0xD7, 1);
            UInt(t, 0x73C5, 1);
            UInt(t, 0x83, 1);
            Text(t, 0x86, "V_UNCOMPRESSED");
            UInt(t, 0x9C, 0);
            if (_nominalRate.IsValid)
                UInt(t, 0x23E383, (ulong)Math.Round(1e9 * _nominalRate.Den / _nominalRate.Num)); // DefaultDuration, ns
            Element(t, 0xE0, v =>
            {
                UInt(v, 0xB0, (ulong)Width);
                UInt(v, 0xBA, (ulong)Height);
                byte[] fourCc = Pixels switch
                {
                    RawPixels.Bgr24 => [(byte)'B', (byte)'G', (byte)'R', 24],
                    RawPixels.Bgra32 => "BGRA"u8.ToArray(),
                    _ => "Y800"u8.ToArray(),
                };
                Bytes(v, 0x2EB524, fourCc); // ColourSpace: the raw layout's FourCC
            });
        }));
        _out.Write(b.ToArray());
    }

    /// <summary>Writes one frame (of the size and layout given at construction) at <paramref name="timestampNs"/>.</summary>
    public unsafe void Write(Mat frame, long timestampNs)
    {
        if (frame.Width != Width || frame.Height != Height || frame.ElemSize() * Width != _rowBytes)
            throw new ArgumentException($"a {frame.Width}x{frame.Height} frame of {frame.ElemSize()} bytes a pixel does not fit the stream's {Width}x{Height} {Pixels}", nameof(frame));
        BinaryPrimitives.WriteUInt64BigEndian(_header.AsSpan(14, 8), (ulong)Math.Max(0, timestampNs));
        _out.Write(_header);
        byte* data = (byte*)frame.Data;
        if (frame.IsContinuous())
        {
            long left = _frameBytes;
            while (left > 0)
            {
                int n = (int)Math.Min(left, 1 << 30);
                _out.Write(new ReadOnlySpan<byte>(data, n));
                data += n;
                left -= n;
            }
            return;
        }
        long step = frame.Step();
        for (int y = 0; y < Height; y++)
            _out.Write(new ReadOnlySpan<byte>(data + y * step, _rowBytes));
    }

    private static void Id(Span<byte> to, uint id, int bytes)
    {
        for (int i = 0; i < bytes; i++)
            to[i] = (byte)(id >> (8 * (bytes - 1 - i)));
    }

    private static void Size8(Span<byte> to, long size)
    {
        BinaryPrimitives.WriteUInt64BigEndian(to, (ulong)size);
        to[0] = 0x01; // an 8-byte EBML size (sizes stay far below 2^56)
    }

    private static void IdBytes(List<byte> b, uint id)
    {
        int bytes = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
        for (int i = bytes - 1; i >= 0; i--)
            b.Add((byte)(id >> (8 * i)));
    }

    private static void Bytes(List<byte> b, uint id, ReadOnlySpan<byte> payload)
    {
        IdBytes(b, id);
        Span<byte> size = stackalloc byte[8];
        Size8(size, payload.Length);
        b.AddRange(size);
        b.AddRange(payload);
    }

    private static void UInt(List<byte> b, uint id, ulong value)
    {
        Span<byte> be = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(be, value);
        int skip = 0;
        while (skip < 7 && be[skip] == 0)
            skip++;
        Bytes(b, id, be[skip..]);
    }

    private static void Text(List<byte> b, uint id, string text) => Bytes(b, id, Encoding.ASCII.GetBytes(text));

    private static void Element(List<byte> b, uint id, Action<List<byte>> children)
    {
        var inner = new List<byte>();
        children(inner);
        Bytes(b, id, inner.ToArray());
    }
}
