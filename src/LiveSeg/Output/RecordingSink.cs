using LiveSeg.Capture;
using LiveSeg.Pipeline;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// Live mode's recording, off the game loop: the GL thread copies each new frame (read back by
/// <see cref="OutputSinks"/>) into a free buffer of a small pool; an encoder thread writes the frames at a constant rate
/// placed by their capture times (<see cref="ConstantRate"/>), so the file plays at the speed the scene happened.
/// HUD-only redraws are never recorded. If the encoder falls behind, frames are dropped here (counted) and the gap is
/// filled by repeating the last frame, keeping the timing true.
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
    private long _stopTimestamp;
    private Exception? _failure;
    private bool _finished;

    /// <summary>Starts a recording to <paramref name="path"/>.</summary>
    public RecordingSink(string path, int width, int height, double fps)
    {
        _sink = new VideoFileSink(path, fps, width, height);
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
    public long FramesWritten => _rate.Written;

    /// <summary>Frames dropped because the encoder was behind.</summary>
    public long Dropped { get; private set; }

    public ConstantRate Rate => _rate;

    /// <summary>A newly shown frame (GL thread): copied into a free buffer, or dropped when the encoder is behind.</summary>
    public void Offer(Mat frame, long captureTimestamp)
    {
        // Count first: TryTake waits while the pool is empty, and the GL thread must never wait for the encoder.
        if (_finished || _failure is not null || _free.Count == 0 || !_free.TryTake(out var copy))
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
        _stopTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
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
                int copies = _rate.Copies(frame.Timestamp);
                for (int i = 0; i < copies; i++)
                    _sink.Write(frame.Array);
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
                    _sink.Write(last.Array);
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

        public InputArray Array => _array ??= InputArray.Create(Image);

        private InputArray? _array;

        public long Timestamp { get; set; }

        public void Dispose()
        {
            _array?.Dispose();
            Image.Dispose();
        }
    }
}
