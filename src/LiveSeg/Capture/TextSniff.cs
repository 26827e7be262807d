using System.Text.Unicode;

namespace LiveSeg.Capture;

/// <summary>
/// Text is not video: FFmpeg has demuxers for text (tty, ANSI art) that "decode" a README into frames. A regular file
/// whose first 4 KB are valid UTF-8 (ASCII included) without NUL bytes or control characters other than tab, line
/// ends, form feed and escape is refused as video input. Every video container LiveSeg reads starts with binary
/// bytes (an MP4 box size, the EBML, RIFF and MPEG-TS headers hold NULs or bytes invalid as UTF-8).
/// </summary>
internal static class TextSniff
{
    private const int Window = 4096;

    public static bool LooksLikeText(string path)
    {
        if (LiveSeg.IO.FileIdentity.Of(path) is not { Kind: LiveSeg.IO.FileKind.Regular })
            return false; // a pipe or device is not read ahead: that would consume what its writer sends
        Span<byte> head = stackalloc byte[Window];
        int n;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            n = stream.ReadAtLeast(head, Window, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // the decoder reports it
        }
        if (n == 0)
            return false;
        head = head[..n];
        foreach (byte b in head)
        {
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C and not 0x1B)
                return false;
        }
        // A multi-byte character cut at the end of the window is still text.
        for (int cut = 0; cut < 4 && cut < n; cut++)
        {
            if (Utf8.IsValid(head[..(n - cut)]))
                return true;
        }
        return false;
    }
}
