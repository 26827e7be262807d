using System.Buffers.Binary;
using OpenCvSharp;

namespace LiveSeg.Media;

/// <summary>
/// Reads uncompressed BGR frames with their timestamps from a Matroska stream as Debian's ffmpeg writes it
/// (<c>-c:v rawvideo -pix_fmt bgr24 -f matroska -allow_raw_vfw 1</c>): the reading side of <see cref="RawFrameStream"/>.
/// FFmpeg 5.1's Matroska muxer stores raw RGB only in "VFW mode"; the block payloads are then exactly the rawvideo
/// encoder's frames — rows top to bottom, <c>width * 3</c> bytes each, no padding — which is all this reader needs.
/// It walks the element stream without keeping a tree: master elements (Segment, Info, Tracks, Cluster, BlockGroup)
/// are entered (their size may be unknown: a live stream), values it needs are read (TimestampScale, the video's
/// PixelWidth / PixelHeight, DefaultDuration, Cluster timestamps), blocks become frames, and the rest is skipped.
/// <para>Per frame: a few header bytes, then the pixels read straight into the destination Mat: no allocation.</para>
/// </summary>
internal sealed class MatroskaFrameReader
{
    private const uint Ebml = 0x1A45DFA3, Segment = 0x18538067, Info = 0x1549A966, TimestampScaleId = 0x2AD7B1, Tracks = 0x1654AE6B,
        TrackEntry = 0xAE, Video = 0xE0, PixelWidth = 0xB0, PixelHeight = 0xBA, DefaultDuration = 0x23E383, Cluster = 0x1F43B675,
        ClusterTimestamp = 0xE7, SimpleBlock = 0xA3, BlockGroup = 0xA0, Block = 0xA1;

    private readonly Stream _in;
    private readonly byte[] _scratch = new byte[64 * 1024];
    private long _timestampScale = 1_000_000;
    private long _clusterTime;

    /// <param name="input">The stream (ffmpeg's standard output); buffered by the caller or not.</param>
    public MatroskaFrameReader(Stream input) => _in = input;

    /// <summary>Frame width from the track's header (0 until it was read).</summary>
    public int Width { get; private set; }

    /// <summary>Frame height from the track's header (0 until it was read).</summary>
    public int Height { get; private set; }

    /// <summary>The track's frame duration in nanoseconds (DefaultDuration: FFmpeg writes it when it knows the rate); 0 when not given.</summary>
    public long DefaultDurationNs { get; private set; }

    /// <summary>
    /// Reads the next frame into <paramref name="destination"/> (made <see cref="Height"/> x <see cref="Width"/> BGR when it
    /// is not) and its presentation time in nanoseconds. False at the end of the stream, or at a frame of another size
    /// (everything downstream has fixed sizes: that ends the stream). A stream that is not such Matroska throws
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public bool Read(Mat destination, out long timestampNs)
    {
        timestampNs = 0;
        while (TryId(out uint id))
        {
            long size = Size(out bool unknown);
            switch (id)
            {
                case Segment or Info or Tracks or TrackEntry or Video or Cluster or BlockGroup:
                    continue; // entered: their children follow
                case Ebml:
                    Skip(Known(size, unknown));
                    break;
                case TimestampScaleId:
                    _timestampScale = (long)UInt(Known(size, unknown));
                    break;
                case PixelWidth:
                    Width = (int)Math.Min(int.MaxValue, UInt(Known(size, unknown)));
                    break;
                case PixelHeight:
                    Height = (int)Math.Min(int.MaxValue, UInt(Known(size, unknown)));
                    break;
                case DefaultDuration:
                    DefaultDurationNs = (long)UInt(Known(size, unknown));
                    break;
                case ClusterTimestamp:
                    _clusterTime = (long)UInt(Known(size, unknown));
                    break;
                case SimpleBlock or Block:
                    return Frame(Known(size, unknown), destination, out timestampNs);
                default:
                    Skip(Known(size, unknown));
                    break;
            }
        }
        return false;
    }

    /// <summary>A block: track number, relative timestamp, flags, then the frame's bytes.</summary>
    private unsafe bool Frame(long size, Mat destination, out long timestampNs)
    {
        int trackBytes = VintLength(ReadByteOrEnd());
        for (int i = 1; i < trackBytes; i++)
            ReadByteOrEnd();
        Span<byte> head = stackalloc byte[3];
        _in.ReadExactly(head);
        short relative = BinaryPrimitives.ReadInt16BigEndian(head);
        if ((head[2] & 0x06) != 0)
            throw new InvalidDataException("laced Matroska blocks are not frames of raw video");
        timestampNs = (_clusterTime + relative) * _timestampScale;
        long payload = size - trackBytes - 3;
        if (Width <= 0 || Height <= 0 || payload != (long)Width * Height * 3)
        {
            Skip(Math.Max(0, payload));
            return false;
        }
        if (destination.Width != Width || destination.Height != Height || destination.Type() != MatType.CV_8UC3)
            destination.Create(Height, Width, MatType.CV_8UC3);
        int row = Width * 3;
        for (int y = 0; y < Height; y++)
            _in.ReadExactly(new Span<byte>((void*)destination.Ptr(y), row));
        return true;
    }

    private bool TryId(out uint id)
    {
        id = 0;
        int first = _in.ReadByte();
        if (first < 0)
            return false;
        int length = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : first >= 0x10 ? 4 : 0;
        if (length == 0)
            throw new InvalidDataException($"not a Matroska element ID (byte 0x{first:X2})");
        id = (uint)first;
        for (int i = 1; i < length; i++)
            id = (id << 8) | ReadByteOrEnd();
        return true;
    }

    /// <summary>An element's data size; <paramref name="unknown"/> when it is "unknown" (all ones: a live stream's Segment or Cluster).</summary>
    private long Size(out bool unknown)
    {
        byte first = ReadByteOrEnd();
        int length = VintLength(first);
        long value = first & (0xFF >> length);
        bool allOnes = value == (0xFF >> length);
        for (int i = 1; i < length; i++)
        {
            byte b = ReadByteOrEnd();
            allOnes &= b == 0xFF;
            value = (value << 8) | b;
        }
        unknown = allOnes;
        return value;
    }

    private static int VintLength(byte first)
    {
        for (int length = 1; length <= 8; length++)
        {
            if ((first & (0x80 >> (length - 1))) != 0)
                return length;
        }
        throw new InvalidDataException("a Matroska size of more than 8 bytes");
    }

    private static long Known(long size, bool unknown) =>
        unknown ? throw new InvalidDataException("a Matroska element of unknown size that is not a container") : size;

    private ulong UInt(long size)
    {
        if (size > 8)
            throw new InvalidDataException("a Matroska integer of more than 8 bytes");
        ulong value = 0;
        for (long i = 0; i < size; i++)
            value = (value << 8) | ReadByteOrEnd();
        return value;
    }

    private void Skip(long size)
    {
        while (size > 0)
        {
            int n = (int)Math.Min(size, _scratch.Length);
            _in.ReadExactly(_scratch, 0, n);
            size -= n;
        }
    }

    private byte ReadByteOrEnd()
    {
        int b = _in.ReadByte();
        return b >= 0 ? (byte)b : throw new EndOfStreamException();
    }
}
