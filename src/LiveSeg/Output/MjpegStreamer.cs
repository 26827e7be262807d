using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace LiveSeg.Output;

/// <summary>
/// The clients of <c>/stream.mjpg</c> for <see cref="MjpegServer"/>: each gets the <c>multipart/x-mixed-replace</c> head,
/// then every new frame once, as the part <see cref="LatestJpeg"/> laid out (the same bytes for every client). A client
/// still sending the previous frame skips to the newest when it is done, so a slow client never holds up the others.
/// Counts the frames served and their latency from capture.
/// </summary>
internal sealed class MjpegStreamer
{
    private const int LatencyHistory = 4096;

    private readonly ConnectionTable _connections;
    private readonly LatestJpeg _frames;
    private readonly HttpAnswers _answers;
    private readonly MjpegServerOptions _o;
    private readonly Waker _waker;
    private int _wakeQueued;
    private readonly double[] _latencies = new double[LatencyHistory];
    private long _latencyCount;
    private long _framesServed;

    public MjpegStreamer(ConnectionTable connections, LatestJpeg frames, HttpAnswers answers, MjpegServerOptions options)
    {
        _connections = connections;
        _frames = frames;
        _answers = answers;
        _o = options;
        _waker = new Waker(this);
    }

    /// <summary>Frames sent over /stream.mjpg to all clients.</summary>
    public long FramesServed => Interlocked.Read(ref _framesServed);

    /// <summary>Latency from capture to the frame's last byte handed to a client's socket (ms), p50 and p95 of the newest 4096.</summary>
    public (double P50, double P95, long Count) Latency()
    {
        double[] copy;
        lock (_latencies)
        {
            int n = (int)Math.Min(_latencyCount, LatencyHistory);
            copy = _latencies[..n];
        }
        if (copy.Length == 0)
            return (double.NaN, double.NaN, 0);
        Array.Sort(copy);
        return (copy[(copy.Length - 1) / 2], copy[(int)Math.Ceiling(0.95 * (copy.Length - 1))], copy.Length);
    }

    /// <summary>
    /// A new frame (on the encoder's thread): one work item for the thread pool, which wakes every stream client from a
    /// pool thread, so their continuations go to that thread's own queue (nothing allocated per client; queued from the
    /// encoder's thread, each would take a slot of the pool's global queue). Clients still sending the previous frame
    /// take the newest when they finish.
    /// </summary>
    public void WakeStreams()
    {
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(_waker, preferLocal: false);
    }

    /// <summary>The work item of <see cref="WakeStreams"/>.</summary>
    private sealed class Waker(MjpegStreamer streamer) : IThreadPoolWorkItem
    {
        private ServerConnection[] _wake = new ServerConnection[16];

        public void Execute()
        {
            Volatile.Write(ref streamer._wakeQueued, 0);
            int n = streamer._connections.CopyStreams(ref _wake);
            for (int i = 0; i < n; i++)
            {
                _wake[i].Signal.Set();
                _wake[i] = null!;
            }
        }
    }

    /// <summary>Serves a request for /stream.mjpg: a 503 beyond the caps, else the head and (unless HEAD) the frames until either side ends.</summary>
    public async Task StreamAsync(ServerConnection c, bool head)
    {
        if (!_connections.TryAddStream(c, out bool allFull))
        {
            await _answers.AnswerTextAsync(c, 503, allFull
                ? $"too many stream clients ({_o.MaxStreams}): try again later\n"
                : $"too many stream clients from your address ({_o.MaxStreamsPerAddress}): try again later\n", head: false).ConfigureAwait(false);
            return;
        }
        c.Socket.NoDelay = true;
        await c.SendAsync(HttpAnswers.Head(200, $"multipart/x-mixed-replace; boundary={MjpegServer.Boundary}", -1), _o.Clock).ConfigureAwait(false);
        if (head)
            return;
        // Each part ends with the next boundary, so a browser shows a frame as soon as it arrives (it waits for a
        // boundary to know the part is complete).
        await c.SendAsync(Encoding.ASCII.GetBytes($"--{MjpegServer.Boundary}\r\n"), _o.Clock).ConfigureAwait(false);
        _ = DrainAsync(c);
        long seen = 0;
        while (!c.IsClosed && !_connections.Stopping)
        {
            var frame = _frames.Acquire();
            if (frame is null || frame.Sequence == seen)
            {
                if (frame is not null)
                    _frames.Release(frame);
                if (_frames.IsClosed)
                    return;
                await c.Signal.WaitAsync();
                continue;
            }
            long captured;
            try
            {
                seen = frame.Sequence;
                captured = frame.CaptureTimestamp;
                await c.SendAsync(frame.Part, _o.Clock).ConfigureAwait(false);
            }
            finally
            {
                _frames.Release(frame);
            }
            Interlocked.Increment(ref c.Frames);
            Interlocked.Increment(ref _framesServed);
            if (captured != 0)
                AddLatency(Stopwatch.GetElapsedTime(captured).TotalMilliseconds);
        }
    }

    /// <summary>Reads and drops what a stream client sends, to notice at once when it goes.</summary>
    private static async Task DrainAsync(ServerConnection c)
    {
        byte[] buffer = new byte[256];
        try
        {
            while (await c.Socket.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        c.Close();
    }

    private void AddLatency(double ms)
    {
        lock (_latencies)
        {
            _latencies[_latencyCount % LatencyHistory] = ms;
            _latencyCount++;
        }
    }
}
