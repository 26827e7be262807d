using System.Globalization;

namespace LiveSeg.Capture;

/// <summary>What an input names.</summary>
internal enum SourceKind
{
    /// <summary>A video file (OpenCV's FFmpeg).</summary>
    File,

    /// <summary>An image-sequence pattern such as frames/%04d.png.</summary>
    ImageSequence,

    /// <summary>A camera by index ("0"; V4L2 on Linux).</summary>
    Camera,

    /// <summary>A network stream (rtsp://, http(s)://, udp://, srt://, …) read through Debian's ffmpeg.</summary>
    Network,
}

/// <summary>How sources are opened: what a camera is asked for, how long a stream may stall.</summary>
internal sealed record SourceSettings
{
    /// <summary>An image sequence with a gap is read up to the gap with a warning (false: an error before any work).</summary>
    public bool AllowGaps { get; init; }

    /// <summary>The size and rate asked of a camera (it may deliver another).</summary>
    public int CameraWidth { get; init; } = 1280;

    public int CameraHeight { get; init; } = 720;

    public double CameraFps { get; init; } = 30;

    /// <summary>A stream that delivers no frame for this long has ended (then live mode reconnects).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long opening a stream may take to its first frame (connecting and probing included).</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// The one door to frame sources: an input string — a file, an image-sequence pattern, a camera index or a network URL
/// — becomes an <see cref="IFrameSource"/> whose capabilities say how to treat it.
/// </summary>
internal static class FrameSources
{
    /// <summary>Cameras are numbered 0..63 (what --camera accepts).</summary>
    private const int MaxCamera = 63;

    /// <summary>What <paramref name="input"/> names. A file that exists is a file, whatever its name ("0", "50%.mp4").</summary>
    public static SourceKind KindOf(string input)
    {
        if (NetworkSource.IsUrl(input))
            return SourceKind.Network;
        if (File.Exists(input) || Directory.Exists(input))
            return SourceKind.File;
        if (CameraIndex(input) is not null)
            return SourceKind.Camera;
        return VideoFileSource.IsPattern(input) ? SourceKind.ImageSequence : SourceKind.File;
    }

    /// <summary>The camera index an input names ("0".."63", not a file), or null.</summary>
    public static int? CameraIndex(string input) =>
        input.Length is > 0 and <= 2 && input.All(char.IsAsciiDigit) && !File.Exists(input)
            && int.Parse(input, CultureInfo.InvariantCulture) is var i and <= MaxCamera ? i : null;

    /// <summary>True for an input whose frames arrive at their own pace (a camera, a stream), known before opening it.</summary>
    public static bool IsLive(string input) => KindOf(input) is SourceKind.Camera or SourceKind.Network;

    /// <summary>The input as messages and the HUD show it: "camera 0", a URL without its password, the path.</summary>
    public static string Describe(string input) => KindOf(input) switch
    {
        SourceKind.Camera => $"camera {CameraIndex(input)}",
        SourceKind.Network => NetworkSource.Redact(input),
        _ => input,
    };

    /// <summary>
    /// The checks that need no decoding, for commands that check every input before any work: a file must exist, be
    /// readable and not be text (one-line errors); patterns, cameras and streams are checked when opened.
    /// </summary>
    public static void Check(string input)
    {
        if (KindOf(input) == SourceKind.File)
            VideoFileSource.CheckReadable(input);
    }

    /// <summary>Opens camera <paramref name="index"/> (<c>--camera N</c>), asking for the settings' size and rate.</summary>
    public static IFrameSource OpenCamera(int index, SourceSettings settings) =>
        new CameraSource(index, settings.CameraWidth, settings.CameraHeight, settings.CameraFps);

    /// <summary>Opens <paramref name="input"/> (its first frame is decoded: a bad input fails here, in one line).</summary>
    public static IFrameSource Open(string input, SourceSettings? settings = null)
    {
        settings ??= new SourceSettings();
        return KindOf(input) switch
        {
            SourceKind.Network => new NetworkSource(input, settings),
            SourceKind.Camera => OpenCamera(CameraIndex(input)!.Value, settings),
            _ => new VideoFileSource(input, settings.AllowGaps),
        };
    }
}
