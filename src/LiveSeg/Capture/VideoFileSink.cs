using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// Writes BGR frames to a video file. The codec follows the extension, among those the bundled FFmpeg can really
/// encode: .mp4 → mp4v (MPEG-4 Part 2), .avi → MJPG, .mkv → FFV1 (lossless), .mov → MJPG. H.264/HEVC/VP9 encoders are
/// not in OpenCvSharp's FFmpeg build, so they are not offered.
/// </summary>
public sealed class VideoFileSink : IDisposable
{
    private static readonly Dictionary<string, (string FourCc, string Name)> s_codecs = new(StringComparer.OrdinalIgnoreCase)
    {
        [".mp4"] = ("mp4v", "MPEG-4 Part 2 (mp4v)"),
        [".avi"] = ("MJPG", "Motion JPEG"),
        [".mkv"] = ("FFV1", "FFV1 lossless"),
        [".mov"] = ("MJPG", "Motion JPEG"),
    };

    private readonly VideoWriter _writer;

    public VideoFileSink(string path, double fps, int width, int height)
    {
        Path = path;
        var codec = Validate(path);
        CodecName = codec.Name;
        _writer = new VideoWriter(path, FourCC.FromString(codec.FourCc), fps, new Size(width, height), isColor: true);
        if (!_writer.IsOpened())
        {
            _writer.Dispose();
            TryDelete(path);
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

    /// <summary>Finalises the container (writes the index), so the file plays even after an interrupted run.</summary>
    public void Dispose() => _writer.Dispose();

    /// <summary>Checks, before any work, that <paramref name="path"/> has a writable folder and an extension with a working codec.</summary>
    public static (string FourCc, string Name) Validate(string path)
    {
        string ext = System.IO.Path.GetExtension(path);
        if (!s_codecs.TryGetValue(ext, out var codec))
            Throw.User($"output '{path}': no working video codec for extension '{ext}': use .mp4 (mp4v), .avi (MJPG) or .mkv (FFV1, lossless).");
        Throw.IfOutputFolderUnwritable(path, "output");
        return codec;
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (File.Exists(path) && new FileInfo(path).Length == 0)
                File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
