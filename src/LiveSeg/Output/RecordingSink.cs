using LiveSeg.Media;
using LiveSeg.Threading;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// Live mode's recording, off the game loop: the GL thread copies each new frame (read back by
/// <see cref="OutputSinks"/>) into a free buffer of a small pool; an encoder thread writes each frame once at its
/// capture time (FFmpeg keeps every frame's own time: H.264, true timing), so the file plays at the speed the scene
/// happened. Without ffmpeg (OpenCV's fallback writer, a constant rate) frames are placed by their capture times
/// (<see cref="ConstantRate"/>) and gaps are filled by repeating the last frame. HUD-only redraws are never recorded.
/// If the encoder falls behind, frames are dropped here (counted).
/// <para>A file played at processing speed (no --realtime) has no scene clock but its own: each frame is placed by its
/// index in the file (<c>index / fps</c>, the file's rate), so the recording plays at the file's speed however fast or
/// slowly the session ran, and a frame never shown (replaced before display) is filled by the one before.</para>
/// </summary>
internal sealed class RecordingSink : IFrameSink
{
    private const int PoolSize = 4;
    private readonly VideoFileSink _sink;
    private readonly ConstantRate _rate;
    private readonly Recorded[] _pool = new Recorded[PoolSize];
    private readonly BoundedQueue<Recorded> _free = new(PoolSize);
    private readonly BoundedQueue<Recorded> _toEncode = new(PoolSize);
    private readonly Thread _encoder;
    private readonly double _mediaFps;
    private long _stopTimestamp;
    private long _lastMediaTimestamp = -1;
    private Exception? _failure;
    private bool _finished;

    /// <summary>
    /// Starts a recording to <paramref name="path"/> at <paramref name="fps"/>. <paramref name="mediaFps"/> above 0: place
    /// frames by their index in the file at that rate (a file played at processing speed) instead of by their capture
    /// times, and wait for a free buffer rather than drop a frame (the file waits; nothing is lost).
    /// </summary>
    public RecordingSink(string path, int width, int height, double fps, double mediaFps = 0)
    {
        _mediaFps = mediaFps;
        var rate = Rational.FromDouble(mediaFps > 0 ? mediaFps : fps);
        _sink = new VideoFileSink(new VideoOutput(path, width, height, RawPixels.Bgr24, new EncodeSettings(), new MediaContext(null, null, rate)));
        _rate = new ConstantRate(fps);
        for (int i = 0; i < PoolSize; i++)
        {
            _pool[i] = new Recorded();
            _free.Add(_pool[i]);
        }
        _encoder = new Thread(Encode) { Name = "liveseg-recording", IsBackground = true };
        _encoder.Start();
    }

    public string Path => _sink.Path;

    public string Name => $"recording {Path}";

    public long Delivered => FramesWritten;

    public Exception? Failure => _failure;

    /// <summary>Frames in the file so far (copies included).</summary>
    public long FramesWritten => _sink.KeepsTimestamps ? Volatile.Read(ref _timed) : _rate.Written;

    private long _timed;
    private long _firstTimestamp = -1;

    /// <summary>Frames dropped because the encoder was behind.</summary>
    public long Dropped { get; private set; }

    public ConstantRate Rate => _rate;

    /// <summary>A newly shown frame (GL thread): copied into a free buffer, or dropped when the encoder is behind.</summary>
    public void Offer(Mat frame, long captureTimestamp) => Offer(frame, captureTimestamp, -1);

    /// <summary>As <see cref="Offer(Mat, long)"/>, with the frame's index in its source (used in media-time mode).</summary>
    public void Offer(Mat frame, long captureTimestamp, int frameIndex)
    {
        bool media = _mediaFps > 0 && frameIndex >= 0;
        if (media)
            captureTimestamp = _lastMediaTimestamp = (long)Math.Round(frameIndex * (double)System.Diagnostics.Stopwatch.Frequency / _mediaFps);
        // Count first: TryTake waits while the pool is empty, and the GL thread must never wait for the encoder — except
        // for a file played at processing speed, where waiting only slows the file down and a drop would lose a frame.
        if (_finished || _failure is not null || (!media && _free.Count == 0) || !_free.TryTake(out var copy))
        {
            Dropped++;
            return;
        }
        frame.CopyTo(copy.Image);
        copy.Timestamp = captureTimestamp;
        _toEncode.Add(copy);
    }

    /// <summary>
    /// Stops (GL thread): the encoder drains, the last frame lasts until now, and the file is checked and put in place. False when no frame was recorded; a failed write is a one-line error (LiveSegException).
    /// </summary>
    public bool Finish()
    {
        if (_finished)
            return false;
        _finished = true;
        // Media time: the file ends with its last frame's period (no padding up to the wall-clock stop).
        _stopTimestamp = _mediaFps > 0 && _lastMediaTimestamp >= 0
            ? _lastMediaTimestamp + (long)Math.Round(System.Diagnostics.Stopwatch.Frequency / _mediaFps)
            : System.Diagnostics.Stopwatch.GetTimestamp();
        _toEncode.Complete();
        _encoder.Join();
        if (_failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        return _sink.Finish();
    }

    private void Encode()
    {
        Recorded? last = null;
        try
        {
            while (_toEncode.TryTake(out var frame))
            {
                if (_sink.KeepsTimestamps)
                {
                    if (_firstTimestamp < 0)
                        _firstTimestamp = frame.Timestamp;
                    long ticks = frame.Timestamp - _firstTimestamp;
                    _sink.Write(frame.Image, (long)Math.Round(ticks * (1e9 / System.Diagnostics.Stopwatch.Frequency)));
                    Interlocked.Increment(ref _timed);
                    _free.Add(frame);
                    continue;
                }
                int copies = _rate.Copies(frame.Timestamp);
                for (int i = 0; i < copies; i++)
                    _sink.Write(frame.Image, 0);
                if (copies == 0)
                {
                    _free.Add(frame);
                    continue;
                }
                if (last is not null)
                    _free.Add(last);
                last = frame;
            }
            if (last is not null)
            {
                for (int i = _rate.Tail(_stopTimestamp); i > 0; i--)
                    _sink.Write(last.Image, 0);
            }
        }
        catch (Exception e)
        {
            _failure = e;
            _free.Abort();
        }
    }

    public void Dispose()
    {
        if (!_finished)
        {
            _finished = true;
            _toEncode.Abort();
            _encoder.Join();
        }
        _sink.Dispose();
        foreach (var f in _pool)
            f.Dispose();
    }

    private sealed class Recorded : IDisposable
    {
        public Mat Image { get; } = new();

        public long Timestamp { get; set; }

        public void Dispose()
        {
            Image.Dispose();
        }
    }
}
