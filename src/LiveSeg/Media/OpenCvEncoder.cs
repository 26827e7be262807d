using OpenCvSharp;

namespace LiveSeg.Media;

/// <summary>
/// The fallback writer when Debian's ffmpeg is missing: OpenCV's own (its bundled FFmpeg has no H.264 encoder), at a
/// constant rate, without sound: .mp4 → MPEG-4 Part 2 (mp4v), .avi/.mov → Motion JPEG, .mkv → FFV1. The header line
/// says so. Odd frame sizes go to .avi through OpenCV's own Motion JPEG writer.
/// </summary>
internal sealed class OpenCvEncoder : IFrameEncoder
{
    private static readonly Dictionary<string, (string FourCc, string Name)> s_codecs = new(StringComparer.OrdinalIgnoreCase)
    {
        [".mp4"] = ("mp4v", "MPEG-4 Part 2 (mp4v)"),
        [".avi"] = ("MJPG", "Motion JPEG"),
        [".mkv"] = ("FFV1", "FFV1 lossless"),
        [".mov"] = ("MJPG", "Motion JPEG"),
    };

    private readonly VideoWriter _writer;

    public OpenCvEncoder(string tempPath, string shownPath, double fps, int width, int height)
    {
        var (fourCc, name) = Codec(shownPath, width, height);
        bool odd = (width | height) % 2 != 0;
        _writer = odd
            ? new VideoWriter(tempPath, VideoCaptureAPIs.OPENCV_MJPEG, FourCC.FromString(fourCc), fps, new Size(width, height), isColor: true)
            : new VideoWriter(tempPath, FourCC.FromString(fourCc), fps, new Size(width, height), isColor: true);
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            Throw.User($"output '{shownPath}': OpenCV's {name} writer could not be opened at {width}x{height} {fps:0.##} fps: install ffmpeg (scripts/install-deps) or try .avi.");
        }
        Description = $"{name} via OpenCV (fallback: ffmpeg is not installed, so no H.264, no sound, constant rate; run scripts/install-deps)";
    }

    public string Description { get; }

    public IReadOnlyList<string> Notes => [];

    public bool KeepsTimestamps => false;

    public int AudioStreams => 0;

    /// <summary>The fallback's codec for <paramref name="path"/>, or a one-line error naming what it can write.</summary>
    public static (string FourCc, string Name) Codec(string path, int width, int height)
    {
        string ext = Path.GetExtension(path);
        if (!s_codecs.TryGetValue(ext, out var codec))
            Throw.User($"output '{path}': without ffmpeg LiveSeg writes only .mp4 (mp4v), .avi (MJPG), .mkv (FFV1) or .mov: install ffmpeg (scripts/install-deps) for '{ext}'.");
        if ((width | height) % 2 != 0 && !ext.Equals(".avi", StringComparison.OrdinalIgnoreCase))
            Throw.User($"output '{path}': without ffmpeg, {codec.Name} in {ext} cannot keep the odd frame size {width}x{height}: use .avi, or install ffmpeg.");
        return codec;
    }

    public void Write(Mat frame, long timestampNs) => _writer.Write(frame);

    public void Close() => _writer.Dispose();

    public void Dispose() => _writer.Dispose();
}
