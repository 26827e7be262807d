using LiveSeg.Capture;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Pipeline;

/// <summary>
/// Live mode's recording, off the game loop: the GL thread only starts an asynchronous read-back of each new frame
/// into a pixel buffer object and collects the previous one (one frame behind, so it never waits for the GPU); an
/// encoder thread writes the frames at a constant rate placed by their capture times (<see cref="ConstantRate"/>), so
/// the file plays at the speed the scene happened. HUD-only redraws are never recorded. If the encoder falls behind,
/// frames are dropped here (counted) and the gap is filled by repeating the last frame, keeping the timing true.
/// </summary>
public sealed class RecordingSink : IDisposable
{
    private const int PoolSize = 4;
    private readonly ReadbackStage _readback;
    private readonly VideoFileSink _sink;
    private readonly ConstantRate _rate;
    private readonly Recorded[] _pool = new Recorded[PoolSize];
    private readonly BoundedQueue<Recorded> _free = new(PoolSize);
    private readonly BoundedQueue<Recorded> _toEncode = new(PoolSize);
    private readonly Mat _scratch = new();
    private readonly Thread _encoder;
    private long _pendingTimestamp;
    private long _stopTimestamp;
    private Exception? _failure;
    private bool _finished;

    /// <summary>Starts a recording to <paramref name="path"/> (on the GL thread, whose context reads the frames back).</summary>
    public RecordingSink(GL gl, string path, int width, int height, double fps)
    {
        _sink = new VideoFileSink(path, fps, width, height);
        _rate = new ConstantRate(fps);
        _readback = new ReadbackStage(gl, width, height, depth: 2);
        for (int i = 0; i < PoolSize; i++)
        {
            _pool[i] = new Recorded();
            _free.Add(_pool[i]);
        }
        _encoder = new Thread(Encode) { Name = "liveseg-recording", IsBackground = true };
        _encoder.Start();
    }

    public string Path => _sink.Path;

    /// <summary>Frames in the file so far (copies included).</summary>
    public long FramesWritten => _rate.Written;

    /// <summary>Frames dropped because the encoder was behind.</summary>
    public long Dropped { get; private set; }

    public ConstantRate Rate => _rate;

    /// <summary>A newly shown frame (GL thread): collect the previous read-back, start this one's.</summary>
    public void Submit(RenderTarget target, long captureTimestamp)
    {
        if (_readback.Pending > 0)
            Collect();
        _readback.Start(target);
        _pendingTimestamp = captureTimestamp;
    }

    private void Collect()
    {
        if (_free.Count == 0)
        {
            _readback.Finish(_scratch); // the encoder is behind: keep the GPU ring moving, drop this frame
            Dropped++;
            return;
        }
        _free.TryTake(out var frame);
        _readback.Finish(frame.Image);
        frame.Timestamp = _pendingTimestamp;
        _toEncode.Add(frame);
    }

    /// <summary>
    /// Stops (GL thread): the last frame is collected, the encoder drains, the last frame lasts until now, and the file is
    /// checked and put in place. False when no frame was recorded; a failed write is a one-line error (LiveSegException).
    /// </summary>
    public bool Finish()
    {
        if (_finished)
            return false;
        _finished = true;
        _stopTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_readback.Pending > 0)
            Collect();
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
        _readback.Dispose();
        _scratch.Dispose();
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
