using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// Frames from a video file (or an image sequence pattern such as frame_%04d.png) through OpenCV's FFmpeg backend.
/// Opening validates the file and decodes the first frame, so a bad input fails before any output is created.
/// </summary>
internal sealed class VideoFileSource : IFrameSource
{
    private readonly VideoCapture _capture;
    private readonly Mat _first = new();
    private readonly Mat _skip = new();
    private bool _firstPending = true;
    private readonly bool _pattern;
    private readonly long _firstTimeNs;
    private long _pendingTimeNs;
    private bool _seeked;

    /// <param name="allowGaps">An image sequence with a gap: read up to it with a warning (else an error; <see cref="ImageSequence.CheckGap"/>).</param>
    public VideoFileSource(string path, bool allowGaps = false)
    {
        Path = path;
        bool pattern = IsPattern(path);
        CheckReadable(path);
        // A sequence is opened at its first file's name: OpenCV takes the start index from it (it looks only at 0..4 itself).
        ImageSequence? sequence = pattern ? ImageSequence.Resolve(path) : null;
        sequence?.CheckGap(allowGaps);
        _capture = new VideoCapture(sequence?.FileFor(sequence.First) ?? path, pattern ? VideoCaptureAPIs.IMAGES : VideoCaptureAPIs.FFMPEG);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            Throw.User($"input '{path}' is not a video that can be decoded: give an .mp4/.mkv/.avi/.mov file (H.264, HEVC, VP9, MJPEG, ...).");
        }
        if (!_capture.Read(_first) || _first.Empty())
        {
            _capture.Dispose();
            Throw.User($"input video '{path}' has no frames: it is empty or damaged; re-export it or pick another file.");
        }
        _pattern = pattern;
        _firstTimeNs = _pendingTimeNs = pattern ? -1 : PositionNs();
        Width = _first.Width;
        Height = _first.Height;
        double fps = _capture.Fps;
        FrameRateGuessed = !(fps > 0 && fps < 1000);
        FrameRate = FrameRateGuessed ? 30 : fps;
        FrameCount = Math.Max(0, (int)_capture.FrameCount);
    }

    public string Path { get; }

    /// <summary>An image-sequence pattern (frames/%04d.png) only when no file has that very name ("clip 50%.mp4" is a file).</summary>
    public static bool IsPattern(string path) => path.Contains('%', StringComparison.Ordinal) && !File.Exists(path) && !Directory.Exists(path);

    /// <summary>
    /// The checks opening makes before decoding, for commands that check their inputs first: a file must exist and be
    /// readable (one-line error); an image-sequence pattern is left to the decoder.
    /// </summary>
    public static void CheckReadable(string path)
    {
        if (IsPattern(path))
            return;
        Throw.IfFileUnreadable(path, "input video");
        if (TextSniff.LooksLikeText(path))
            Throw.User($"input video '{path}' is a text file, not a video: give an .mp4/.mkv/.avi/.mov file or an image-sequence pattern such as frames/%04d.png.");
    }

    public int Width { get; }

    public int Height { get; }

    public double FrameRate { get; }

    /// <summary>True when the container gave no usable frame rate and 30 fps was assumed.</summary>
    public bool FrameRateGuessed { get; }

    /// <summary>A file has its own timestamps; an image sequence has none.</summary>
    public bool TimestampsKnown => !_pattern;

    public int FrameCount { get; }

    /// <summary>The frame's own presentation time (FFmpeg's best-effort timestamp, from the stream's start); -1 for an image sequence.</summary>
    public long FrameTimeNs { get; private set; } = -1;

    private long PositionNs() => (long)Math.Round(_capture.Get(VideoCaptureProperties.PosMsec) * 1e6);

    public bool Read(Mat destination)
    {
        if (_firstPending)
        {
            _firstPending = false;
            _first.CopyTo(destination); // kept: a rewind replays it
            FrameTimeNs = _pendingTimeNs;
            return true;
        }
        // A frame of another size than the first would break every fixed-size buffer downstream: stop there.
        if (!_capture.Read(destination) || destination.Empty() || destination.Width != Width || destination.Height != Height)
            return false;
        FrameTimeNs = _pattern ? -1 : PositionNs();
        return true;
    }

    /// <summary>
    /// Puts the decoder at frame <paramref name="frame"/> (0-based) by seeking, so that the next <see cref="Read"/> gives it;
    /// true only when the frame reached is the one asked for, judged by its timestamp against a constant
    /// <paramref name="fps"/> (within half a frame). False: the position is unknown, reopen the file and <see cref="Skip"/>.
    /// </summary>
    public bool SeekTo(int frame, double fps)
    {
        if (frame == 0 || _pattern)
            return frame == 0 && Rewind();
        if (!_capture.Set(VideoCaptureProperties.PosFrames, frame) || !_capture.Read(_first) || _first.Empty()
            || _first.Width != Width || _first.Height != Height)
            return false;
        long ns = PositionNs();
        double expected = _firstTimeNs + frame * 1e9 / fps;
        if (Math.Abs(ns - expected) > 0.5e9 / fps)
            return false;
        _firstPending = _seeked = true; // the first frame held for a rewind was replaced: a rewind now reopens
        _pendingTimeNs = ns;
        return true;
    }

    /// <summary>Decodes and drops the next <paramref name="count"/> frames (no colour conversion); the number dropped (fewer at the end).</summary>
    public int Skip(int count)
    {
        int skipped = 0;
        if (count > 0 && _firstPending)
        {
            _firstPending = false;
            skipped++;
        }
        while (skipped < count && _capture.Grab())
            skipped++;
        return skipped;
    }

    /// <summary>
    /// Goes back to the first frame without reopening the file (looping: reopening leaks about 200 KB of native memory
    /// per open in a multi-threaded process). The first frame is replayed from memory and the decoder is put after it
    /// (seek to 0, skip one): FFmpeg cannot read again after seeking to 0 in a one-frame file, which made a looped
    /// one-frame file spin without ever delivering. False when the backend cannot seek; then reopen instead.
    /// </summary>
    public bool Rewind()
    {
        if (_seeked)
            return false;
        if (_firstPending)
            return true;
        if (!_capture.Set(VideoCaptureProperties.PosFrames, 0) || _capture.PosFrames != 0)
            return false;
        // A one-frame file has nothing after its first frame: the skip fails there, and the next read ends the pass.
        if (!_capture.Read(_skip) && FrameCount > 1)
            return false;
        _firstPending = true;
        _pendingTimeNs = _firstTimeNs;
        return true;
    }

    public void Dispose()
    {
        _capture.Dispose();
        _first.Dispose();
        _skip.Dispose();
    }
}
