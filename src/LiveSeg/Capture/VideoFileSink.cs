using LiveSeg.IO;
using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// Writes BGR frames to a video file, safely: frames go to a temporary file beside the target, and
/// <see cref="Finish"/> closes it, reopens it to check that it plays with every frame written, and only then renames
/// it over the target. An abandoned or failed sink leaves the previous target as it was.
/// <para>The codec follows the extension, among those the bundled FFmpeg can really encode: .mp4 → mp4v (MPEG-4
/// Part 2), .avi → MJPG, .mkv → FFV1 (lossless), .mov → MJPG. H.264/HEVC/VP9 encoders are not in OpenCvSharp's FFmpeg
/// build. OpenCV's FFmpeg writer rounds odd frame sizes down to even, so an odd size goes to .avi through OpenCV's own
/// Motion JPEG writer (which keeps any size), and the other extensions refuse it before any work.</para>
/// </summary>
internal sealed class VideoFileSink : IDisposable
{
    /// <summary>A container the writer can produce: FourCC, a name for people, and whether it keeps odd frame sizes.</summary>
    public sealed record Codec(string Extension, string FourCc, string Name, bool KeepsOddSizes);

    private static readonly Codec[] s_codecs =
    [
        new(".mp4", "mp4v", "MPEG-4 Part 2 (mp4v)", false),
        new(".avi", "MJPG", "Motion JPEG", true),
        new(".mkv", "FFV1", "FFV1 lossless", false),
        new(".mov", "MJPG", "Motion JPEG", false),
    ];

    private readonly VideoWriter _writer;
    private readonly AtomicFile _file;
    private readonly int _width;
    private readonly int _height;
    private bool _closed;

    public VideoFileSink(string path, double fps, int width, int height)
    {
        Path = path;
        var codec = Validate(path, width, height);
        CodecName = codec.Name;
        (_width, _height) = (width, height);
        _file = new AtomicFile(path, "output");
        bool odd = (width | height) % 2 != 0;
        _writer = odd
            ? new VideoWriter(_file.TempPath, VideoCaptureAPIs.OPENCV_MJPEG, FourCC.FromString(codec.FourCc), fps, new Size(width, height), isColor: true)
            : new VideoWriter(_file.TempPath, FourCC.FromString(codec.FourCc), fps, new Size(width, height), isColor: true);
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            _file.Dispose();
            Throw.User($"output '{path}': the {codec.Name} writer could not be opened at {width}x{height} {fps:0.##} fps: try another extension (.mp4, .avi, .mkv).");
        }
    }

    public string Path { get; }

    public string CodecName { get; }

    public int FramesWritten { get; private set; }

    /// <summary>Encodes one BGR frame of the size given at construction (pass a long-lived InputArray: see FrameSlot.OutputArray).</summary>
    public void Write(InputArray frameBgr)
    {
        _writer.Write(frameBgr);
        FramesWritten++;
    }

    /// <summary>
    /// Closes the file (writing the container's index), reopens it to check it holds every frame written at the right
    /// size, and renames it over the target. Returns false (target untouched) when no frame was written. A file that
    /// does not check out is deleted, the target is left as it was, and a one-line error says so.
    /// </summary>
    public bool Finish()
    {
        Close();
        if (FramesWritten == 0)
        {
            _file.Dispose();
            return false;
        }
        string? problem = Verify(_file.TempPath, FramesWritten, _width, _height);
        if (problem is not null)
        {
            _file.Dispose();
            Throw.User($"output '{Path}' could not be completed: {problem} (is the disk full or the folder removed?): {AtomicFile.KeptNote(_file.Target)}.");
        }
        _file.Commit();
        return true;
    }

    /// <summary>Closes without keeping anything unless <see cref="Finish"/> ran: the temporary file is deleted.</summary>
    public void Dispose()
    {
        Close();
        _file.Dispose();
    }

    private void Close()
    {
        if (_closed)
            return;
        _closed = true;
        _writer.Dispose();
    }

    /// <summary>Reopens a written video: null when it decodes with <paramref name="frames"/> frames of the given size, else what is wrong.</summary>
    public static string? Verify(string path, int frames, int width, int height)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            return "the file is missing or empty after closing";
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
            return "the written file does not open as a video";
        using var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty())
            return "the written file has no decodable frame";
        if (frame.Width != width || frame.Height != height)
            return $"the written frames are {frame.Width}x{frame.Height}, not {width}x{height}";
        if ((int)capture.FrameCount == frames && capture.Set(VideoCaptureProperties.PosFrames, frames - 1) && capture.Read(frame) && !frame.Empty())
            return null;
        // The container's count is an estimate for some formats: count the frames themselves.
        using var again = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        int n = 0;
        while (again.Grab())
            n++;
        return n == frames ? null : $"the written file holds {n} of the {frames} frames encoded";
    }

    /// <summary>Checks, before any work, that <paramref name="path"/> has a writable folder and a codec that keeps <paramref name="width"/>x<paramref name="height"/>.</summary>
    public static Codec Validate(string path, int width, int height)
    {
        var codec = Validate(path);
        if ((width | height) % 2 != 0 && !codec.KeepsOddSizes)
        {
            string keep = string.Join(", ", s_codecs.Where(c => c.KeepsOddSizes).Select(c => $"{c.Extension} ({c.Name})"));
            Throw.User($"output '{path}': {codec.Name} in {codec.Extension} cannot keep the odd frame size {width}x{height} (it would become {width & ~1}x{height & ~1}): use {keep}, which keeps any size.");
        }
        return codec;
    }

    /// <summary>The codec for <paramref name="path"/>'s extension (and a writable folder), before the frame size is known.</summary>
    public static Codec Validate(string path)
    {
        string ext = System.IO.Path.GetExtension(path);
        var codec = s_codecs.FirstOrDefault(c => c.Extension.Equals(ext, StringComparison.OrdinalIgnoreCase))
            ?? Throw.User<Codec>($"output '{path}': no working video codec for extension '{ext}': use .mp4 (mp4v), .avi (MJPG) or .mkv (FFV1, lossless).");
        Throw.IfOutputFolderUnwritable(path, "output");
        return codec;
    }
}
