using System.Diagnostics;
using System.Globalization;
using LiveSeg.Media;
using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// Frames from a network stream (<c>rtsp://</c>, <c>http(s)://</c>, <c>udp://</c>, <c>srt://</c>, …) read through Debian's
/// <c>ffmpeg</c> as a frame pipe. Why not OpenCV: OpenCvSharp's bundled FFmpeg refuses every URL here ("backend is
/// generally available but can't be used to capture by name", docs/toolchain.md), while Debian's ffmpeg — already
/// LiveSeg's writer (<see cref="FfmpegEncoder"/>) — reads all of them. ffmpeg decodes the stream's first video track and
/// writes it to its standard output as uncompressed BGR frames in Matroska (<see cref="MatroskaFrameReader"/>), not as
/// a bare <c>-f rawvideo</c> pipe: Matroska carries each frame's timestamp and the frame size and rate, so the output of
/// <c>liveseg video URL</c> keeps the stream's timing and nothing has to be probed first (an HTTP server made with
/// <c>-listen 1</c> serves one client only: a probe would use it up). One frame a cluster, flushed at once, so
/// ffmpeg adds no latency of its own.
/// <para>A stream that stalls — a UDP sender that stopped sends nothing, it does not close — is ended by a watchdog
/// after <see cref="SourceSettings.StallTimeout"/> without a frame (ffmpeg is killed): the reader then sees the end, and
/// live mode reconnects (<see cref="Reconnects"/>).</para>
/// </summary>
internal sealed class NetworkSource : IFrameSource
{
    private static readonly string[] s_schemes = ["rtsp", "rtsps", "rtmp", "rtmps", "http", "https", "udp", "srt", "rtp", "tcp"];

    private readonly FfmpegProcess _ffmpeg;
    private readonly MatroskaFrameReader _reader;
    private readonly Timer _watchdog;
    private long _stallLimit; // ticks without a frame before the watchdog ends ffmpeg: the opening limit, then the running one
    private readonly Mat _first = new();
    private readonly string _shown;
    private long _lastData = Stopwatch.GetTimestamp();
    private long _firstTimeNs;
    private bool _firstPending = true;
    private volatile bool _stalled;

    public NetworkSource(string url, SourceSettings settings)
    {
        _shown = Redact(url);
        if (FfmpegTool.Ffmpeg is null)
            Throw.User($"input '{_shown}': network streams are read through ffmpeg, which is not installed: run scripts/install-deps (or apt install ffmpeg).");
        _ffmpeg = new FfmpegProcess(
        [
            // Probing a second of the stream is enough for its video's size and rate; the default 5 s delays the first frame (and
            // never ends for a stream shorter than that).
            "-hide_banner", "-nostdin", "-loglevel", "error", "-analyzeduration", "1000000", "-i", url,
            "-map", "0:v:0", "-an", "-sn", "-dn", "-c:v", "rawvideo", "-pix_fmt", "bgr24", "-fps_mode", "passthrough",
            "-f", "matroska", "-allow_raw_vfw", "1", "-cluster_size_limit", "1", "-flush_packets", "1", "pipe:1",
        ], readsOutput: true);
        _reader = new MatroskaFrameReader(new BufferedStream(_ffmpeg.Output, 1 << 16));
        // Opening waits longer than a stall: ffmpeg connects and probes the stream first.
        _stallLimit = Ticks(settings.OpenTimeout);
        _watchdog = new Timer(_ => Watch(), null, 100, 100);
        bool ok;
        try
        {
            ok = Next(_first);
        }
        catch (InvalidDataException e)
        {
            Dispose();
            throw new LiveSegException($"input '{_shown}': ffmpeg's frames could not be read ({e.Message}): report this with 'ffmpeg -version'.", ExitCodes.BadInput, e);
        }
        if (!ok)
        {
            string why = _stalled ? $"no video frame within {settings.OpenTimeout.TotalSeconds:0.#} s" : $"ffmpeg: {_ffmpeg.Reason()}";
            Dispose();
            Throw.User($"input '{_shown}' cannot be read as a video stream ({why}): check that the stream is running and the address is right.");
        }
        _firstTimeNs = FrameTimeNs;
        FrameTimeNs = 0;
        Width = _first.Width;
        Height = _first.Height;
        FrameRateGuessed = _reader.DefaultDurationNs <= 0;
        FrameRate = FrameRateGuessed ? 30 : Math.Round(1e9 / _reader.DefaultDurationNs, 3);
        Interlocked.Exchange(ref _stallLimit, Ticks(settings.StallTimeout));
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>True for an input that names a network stream (a URL with one of the schemes ffmpeg reads).</summary>
    public static bool IsUrl(string input)
    {
        int colon = input.IndexOf("://", StringComparison.Ordinal);
        return colon > 0 && s_schemes.Contains(input[..colon].ToLowerInvariant());
    }

    /// <summary>The URL for messages and the HUD, with a password replaced (rtsp://user:***@host/…).</summary>
    public static string Redact(string url)
    {
        int start = url.IndexOf("://", StringComparison.Ordinal) + 3;
        int at = url.IndexOf('@', start), slash = url.IndexOf('/', start);
        if (start < 3 || at < 0 || (slash >= 0 && at > slash))
            return url;
        int colon = url.IndexOf(':', start);
        return colon >= 0 && colon < at ? string.Concat(url.AsSpan(0, colon + 1), "***", url.AsSpan(at)) : url;
    }

    public int Width { get; }

    public int Height { get; }

    public double FrameRate { get; }

    public bool FrameRateGuessed { get; }

    public int FrameCount => 0;

    /// <summary>The frame's time in the stream (its own timestamps), from the first frame read.</summary>
    public long FrameTimeNs { get; private set; }

    public bool TimestampsKnown => true;

    public bool IsLive => true;

    /// <summary>A stream that ended or stalled may be back when ffmpeg connects again.</summary>
    public bool Reconnects => true;

    public bool Read(Mat destination)
    {
        if (_firstPending)
        {
            _firstPending = false;
            _first.CopyTo(destination);
            return true;
        }
        try
        {
            if (!Next(destination) || destination.Width != Width || destination.Height != Height)
                return false;
        }
        catch (InvalidDataException)
        {
            return false;
        }
        FrameTimeNs -= _firstTimeNs;
        return true;
    }

    private bool Next(Mat destination)
    {
        try
        {
            if (!_reader.Read(destination, out long ns))
                return false;
            FrameTimeNs = ns;
            Volatile.Write(ref _lastData, Stopwatch.GetTimestamp());
            return true;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ObjectDisposedException)
        {
            return false; // ffmpeg ended (the stream did, or the watchdog or Cancel stopped it)
        }
    }

    /// <summary>Ends ffmpeg when no frame came for the stall limit: the blocked read then sees the end.</summary>
    private void Watch()
    {
        if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastData) > Interlocked.Read(ref _stallLimit) && !_stalled)
        {
            _stalled = true;
            _ffmpeg.Kill();
        }
    }

    public void Cancel() => _ffmpeg.Kill();

    public void Dispose()
    {
        _watchdog.Dispose();
        _ffmpeg.Kill();
        _ffmpeg.Dispose();
        _first.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_shown} ({Width}x{Height}, {FrameRate:0.##} fps)");
}
