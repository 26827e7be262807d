using System.Buffers.Binary;
using OpenCvSharp;

namespace LiveSeg.IO;

/// <summary>
/// Still images read with a bound: the size in a PNG, JPEG or BMP header is read first and an image of more than
/// <see cref="MaxPixels"/> is refused before OpenCV decodes (or allocates) anything; any decoder error is a reason, not
/// an exception. Callers with a batch report the reason and skip the file; callers with one input make it an error.
/// </summary>
internal static class ImageFiles
{
    /// <summary>The most pixels an image may have: 2^28 (16384 x 16384), about 800 MB decoded as BGR.</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>The image, or null and why not (a missing file, too many pixels, an undecodable file).</summary>
    public static Mat? TryRead(string path, ImreadModes mode, out string why)
    {
        why = "";
        if (!File.Exists(path))
        {
            why = Directory.Exists(path) ? "a folder, not an image" : "no such file";
            return null;
        }
        try
        {
            if (HeaderSize(path) is var (w, h) && (long)w * h > MaxPixels)
            {
                why = $"its header says {w}x{h} pixels, more than the {MaxPixels / 1_000_000} megapixels LiveSeg decodes";
                return null;
            }
            var image = Cv2.ImRead(path, mode);
            if (!image.Empty())
                return image;
            image.Dispose();
            why = "not a readable image (PNG, JPEG, BMP, WebP, TIFF)";
        }
        catch (OpenCVException e)
        {
            why = $"cannot be decoded ({e.Message.ReplaceLineEndings(" ")})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = $"cannot be read ({e.Message})";
        }
        return null;
    }

    /// <summary>The image, or a one-line <see cref="LiveSegException"/> naming it and its <paramref name="role"/>.</summary>
    public static Mat Read(string path, ImreadModes mode, string role) =>
        TryRead(path, mode, out string why) ?? Throw.User<Mat>($"{role} '{path}': {why}.");

    /// <summary>Width and height from a PNG, JPEG or BMP header; null for other formats or a header too short to tell.</summary>
    public static (long Width, long Height)? HeaderSize(string path)
    {
        Span<byte> head = stackalloc byte[32];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (n >= 24 && head[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
            return (BinaryPrimitives.ReadUInt32BigEndian(head[16..]), BinaryPrimitives.ReadUInt32BigEndian(head[20..]));
        if (n >= 26 && head[0] == 'B' && head[1] == 'M')
            return (Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(head[18..])), Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(head[22..])));
        if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8)
            return JpegSize(stream);
        return null;
    }

    /// <summary>Walks a JPEG's markers to its start-of-frame (SOF0..SOF15 but DHT, JPG and DAC), at most 1 MiB in.</summary>
    private static (long, long)? JpegSize(FileStream stream)
    {
        stream.Position = 2;
        Span<byte> marker = stackalloc byte[9];
        while (stream.Position < (1 << 20) && stream.ReadAtLeast(marker[..4], 4, throwOnEndOfStream: false) == 4)
        {
            if (marker[0] != 0xFF)
                return null;
            byte type = marker[1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(marker[2..]);
            if (type is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (stream.ReadAtLeast(marker[4..9], 5, throwOnEndOfStream: false) != 5)
                    return null;
                return (BinaryPrimitives.ReadUInt16BigEndian(marker[7..]), BinaryPrimitives.ReadUInt16BigEndian(marker[5..]));
            }
            if (length < 2)
                return null;
            stream.Position += length - 2;
        }
        return null;
    }
}
