using System.Globalization;
using LiveSeg.IO;
using OpenCvSharp;

namespace LiveSeg.Media;

/// <summary>
/// An image sequence (<c>out/%05d.png</c>): every frame a PNG of its own, numbered from 0, written through a temporary
/// file and renamed like every LiveSeg file, so each one is whole. Keeps alpha (BGRA) and any frame size; no sound.
/// </summary>
internal sealed class PngSequenceEncoder : IFrameEncoder
{
    private readonly string _pattern;
    private readonly int[] _params = [(int)ImwriteFlags.PngCompression, 1];
    private int _next;

    public PngSequenceEncoder(string pattern, int audioStreams)
    {
        _pattern = pattern;
        Check(pattern);
        Notes = audioStreams > 0 ? [$"{audioStreams} audio stream(s) dropped (an image sequence holds no sound)"] : [];
    }

    public string Description => "PNG image sequence (lossless, alpha kept)";

    public IReadOnlyList<string> Notes { get; }

    public bool KeepsTimestamps => false;

    public int AudioStreams => 0;

    public int Written => _next;

    /// <summary>A pattern with one integer field (%d, %05d) and a .png name, in a writable folder.</summary>
    public static void Check(string pattern)
    {
        if (!Path.GetExtension(pattern).Equals(".png", StringComparison.OrdinalIgnoreCase))
            Throw.User($"output '{pattern}': an image sequence is written as PNG: end the pattern with .png (e.g. out/%05d.png).");
        try
        {
            _ = string.Format(CultureInfo.InvariantCulture, ToFormat(pattern), 0);
        }
        catch (FormatException)
        {
            Throw.User($"output '{pattern}': the pattern needs one number field such as %05d (e.g. out/%05d.png).");
        }
        Throw.IfOutputFolderUnwritable(pattern.Replace("%", "", StringComparison.Ordinal), "output image sequence");
    }

    /// <summary>The file of frame <paramref name="index"/>.</summary>
    public static string FileOf(string pattern, int index) => string.Format(CultureInfo.InvariantCulture, ToFormat(pattern), index);

    /// <summary>printf's "%05d" / "%d" as .NET's "{0:D5}" / "{0}" (one field; a literal '%%' stays '%').</summary>
    private static string ToFormat(string pattern)
    {
        var m = System.Text.RegularExpressions.Regex.Match(pattern, "%0?(\\d*)d");
        if (!m.Success || System.Text.RegularExpressions.Regex.Count(pattern, "%0?\\d*d") != 1)
            throw new FormatException("one %d field expected");
        string width = m.Groups[1].Value;
        string field = width.Length > 0 ? $"{{0:D{width}}}" : "{0}";
        string before = pattern[..m.Index].Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal).Replace("%%", "%", StringComparison.Ordinal);
        string after = pattern[(m.Index + m.Length)..].Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal).Replace("%%", "%", StringComparison.Ordinal);
        return before + field + after;
    }

    public void Write(Mat frame, long timestampNs)
    {
        string target = FileOf(_pattern, _next);
        AtomicFile.WriteThrough(target, "output frame", temp =>
        {
            if (!Cv2.ImWrite(temp, frame, _params))
                throw new IOException($"the PNG '{target}' could not be written");
        });
        _next++;
    }

    public void Close()
    {
    }

    public void Dispose()
    {
    }
}
