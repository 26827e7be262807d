using LiveSeg.Capture;
using LiveSeg.Inference;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// A moving background for <c>replace</c>: a video clip, looped and scaled to cover the frame, shown at the output's
/// timing — for output time t, the clip's frame at t mod its duration (the last frame whose time is ≤ that).
/// <para>The clip is decoded ahead on a thread of its own into a small ring of frame-size Mats made once (decode,
/// scale to cover, crop), so the render thread only copies or uploads a ready frame: no decode, no allocation, on the
/// loop's path. Times are "unwrapped": each pass through the clip continues the previous one's timeline, so the ring
/// runs on across the loop point; an output that goes back in time (a looped input, a reconnected camera) restarts the
/// clip at the matching place.</para>
/// <para><see cref="Update"/> in <c>waitForFrames</c> mode (video files) waits until the right frame is decoded, so
/// every output frame gets exactly its background; otherwise (live) it never waits and shows the newest frame due.</para>
/// </summary>
internal sealed class BackgroundVideo : IDisposable
{
    private const int RingSize = 4;
    private static readonly string[] s_imageExtensions =
        [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".pnm", ".jp2", ".exr", ".hdr", ".avif"];

    private readonly string _path;
    private readonly int _width, _height;
    private readonly bool _wait;
    private readonly Mat[] _ring = new Mat[RingSize];
    private readonly long[] _times = new long[RingSize];
    private readonly Mat _decoded = new();
    private readonly Mat _scaled;
    private readonly InputArray _decodedIn;
    private readonly OutputArray _scaledOut;
    private readonly Size _scaledSize;
    private readonly InterpolationFlags _interpolation;
    private readonly Thread _thread;
    private readonly object _lock = new();
    private VideoFileSource _clip;
    private int _head, _count, _generation;
    private long _restartAt = -1;
    private long _passOffset, _firstPts = -1, _lastPts;
    private long _shownTime = long.MinValue;
    private int _shownGeneration = -1;
    private bool _stop;
    private Exception? _failure;

    /// <param name="path">The clip (any file OpenCV's FFmpeg decodes).</param>
    /// <param name="width">Frame width to cover.</param>
    /// <param name="height">Frame height to cover.</param>
    /// <param name="waitForFrames">Video files: <see cref="Update"/> waits for the exact frame. Live: never waits.</param>
    public BackgroundVideo(string path, int width, int height, bool waitForFrames)
    {
        Throw.IfFileUnreadable(path, "background video");
        (_path, _width, _height, _wait) = (path, width, height, waitForFrames);
        _clip = new VideoFileSource(path);
        double scale = Math.Max((double)width / _clip.Width, (double)height / _clip.Height);
        _scaledSize = new Size(Math.Max(width, (int)Math.Ceiling(_clip.Width * scale)), Math.Max(height, (int)Math.Ceiling(_clip.Height * scale)));
        _interpolation = scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear;
        _scaled = new Mat(_scaledSize.Height, _scaledSize.Width, MatType.CV_8UC3);
        _decodedIn = InputArray.Create(_decoded);
        _scaledOut = OutputArray.Create(_scaled);
        for (int i = 0; i < RingSize; i++)
            _ring[i] = new Mat(height, width, MatType.CV_8UC3);
        FramePeriodNs = (long)Math.Round(1e9 / _clip.FrameRate);
        if (!DecodeInto(0, out _times[0]))
            Throw.User($"background video '{path}' has no frames: re-export it or pick another file.");
        _count = 1;
        _thread = new Thread(DecodeLoop) { Name = "liveseg-background", IsBackground = true };
        _thread.Start();
    }

    /// <summary>True for a background path that is a video (anything but a still image's extension).</summary>
    public static bool IsVideo(string path) => !s_imageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>The clip's file name, for the HUD.</summary>
    public string Name => Path.GetFileName(_path);

    /// <summary>One frame's duration in the clip (from its frame rate).</summary>
    public long FramePeriodNs { get; }

    /// <summary>The clip's duration (a pass: its last frame's time plus a frame), known once the decoder has reached its end; 0 before.</summary>
    public long LoopNs { get; private set; }

    /// <summary>The time in the clip (from its first frame) of the frame last handed over; for tests.</summary>
    public long ShownClipTimeNs { get; private set; }

    /// <summary>
    /// Hands <paramref name="set"/> the background for output time <paramref name="timeNs"/> (frame-size BGR; valid during
    /// the call) when it is another frame than last time. False when nothing new was handed over.
    /// </summary>
    public bool Update(long timeNs, Action<Mat> set)
    {
        int index;
        lock (_lock)
        {
            if (_failure is not null)
                throw new LiveSegException($"background video '{_path}' stopped decoding ({_failure.Message}).", ExitCodes.BadInput, _failure);
            if (_count > 0 && timeNs < _times[_head])
                Restart(timeNs);
            while (true)
            {
                while (_count >= 2 && _times[(_head + 1) % RingSize] <= timeNs)
                {
                    _head = (_head + 1) % RingSize;
                    _count--;
                    Monitor.PulseAll(_lock);
                }
                // The head is the right frame once the next one is known to be later (the ring never holds fewer than one).
                bool exact = _count >= 2;
                if (exact || !_wait || _failure is not null)
                    break;
                Monitor.Wait(_lock);
            }
            if (_count == 0 || (_times[_head] == _shownTime && _generation == _shownGeneration))
                return false;
            (index, _shownTime, _shownGeneration) = (_head, _times[_head], _generation);
            ShownClipTimeNs = LoopNs > 0 ? _shownTime % LoopNs : _shownTime;
        }
        // The decoder never writes the head frame while the ring holds it: it is read here without the lock.
        set(_ring[index]);
        return true;
    }

    /// <summary>The output went back in time: drop the frames ahead and start the clip again where that time falls.</summary>
    private void Restart(long timeNs)
    {
        _generation++;
        _count = 0;
        _restartAt = timeNs;
        Monitor.PulseAll(_lock);
    }

    private void DecodeLoop()
    {
        try
        {
            while (true)
            {
                int target, generation;
                lock (_lock)
                {
                    while (!_stop && _restartAt < 0 && _count == RingSize)
                        Monitor.Wait(_lock);
                    if (_stop)
                        return;
                    if (_restartAt >= 0)
                    {
                        Rewind();
                        _passOffset = LoopNs > 0 ? _restartAt / LoopNs * LoopNs : 0;
                        _restartAt = -1;
                    }
                    target = (_head + _count) % RingSize;
                    generation = _generation;
                }
                bool ok = DecodeInto(target, out long time);
                lock (_lock)
                {
                    if (!ok)
                        throw new InvalidOperationException("the clip gives no frame after starting again");
                    if (generation != _generation)
                        continue; // a restart came meanwhile: this frame belongs to the old timeline
                    _times[target] = time;
                    _count++;
                    Monitor.PulseAll(_lock);
                }
            }
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _failure = e;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Decodes the clip's next frame (at its end: the first again, one pass later) into the ring, covered; its unwrapped time.</summary>
    private unsafe bool DecodeInto(int target, out long time)
    {
        time = 0;
        if (!_clip.Read(_decoded))
        {
            if (_firstPts < 0)
                return false;
            if (LoopNs == 0)
                LoopNs = Math.Max(FramePeriodNs, _lastPts - _firstPts + FramePeriodNs);
            _passOffset += LoopNs;
            Rewind();
            if (!_clip.Read(_decoded))
                return false;
        }
        long pts = _clip.TimestampsKnown && _clip.FrameTimeNs >= 0 ? _clip.FrameTimeNs : _lastPts + FramePeriodNs;
        if (_firstPts < 0)
            _firstPts = pts;
        _lastPts = pts;
        time = _passOffset + pts - _firstPts;
        NativeCv.Resize(_decodedIn, _scaledOut, _scaledSize, _interpolation); // wrappers made once: nothing allocated a frame
        if (_scaled.Width != _scaledSize.Width || _scaled.Height != _scaledSize.Height)
            throw new InvalidOperationException($"OpenCV could not scale the clip's frame to {_scaledSize.Width}x{_scaledSize.Height}");
        int x0 = (_scaledSize.Width - _width) / 2, y0 = (_scaledSize.Height - _height) / 2, row = _width * 3;
        Mat to = _ring[target];
        for (int y = 0; y < _height; y++)
            new ReadOnlySpan<byte>((byte*)_scaled.Ptr(y0 + y) + x0 * 3, row).CopyTo(new Span<byte>((void*)to.Ptr(y), row));
        return true;
    }

    /// <summary>Back to the clip's first frame (reopened where the decoder cannot seek); the next frame read is that one.</summary>
    private void Rewind()
    {
        if (((IFrameSource)_clip).Rewind())
            return;
        _clip.Dispose();
        _clip = new VideoFileSource(_path);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stop = true;
            Monitor.PulseAll(_lock);
        }
        _thread.Join();
        _clip.Dispose();
        _decodedIn.Dispose();
        _scaledOut.Dispose();
        _decoded.Dispose();
        _scaled.Dispose();
        foreach (var m in _ring)
            m.Dispose();
    }
}
