using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveSeg.Pipeline;

namespace LiveSeg.Output;

/// <summary>
/// Limits of the stream server (docs/cli.md, "Live mode's outputs"). A connection is <em>pending</em> until it has sent a
/// complete request head; only then does it count against the stream cap or the page reserve.
/// </summary>
internal sealed record MjpegServerOptions
{
    /// <summary>Clients of /stream.mjpg at once, in all.</summary>
    public int MaxStreams { get; init; } = 128;

    /// <summary>Clients of /stream.mjpg at once from one address.</summary>
    public int MaxStreamsPerAddress { get; init; } = 16;

    /// <summary>Other answers (/, /stats.json, /frame.jpg, errors) being sent at once: their own reserve, apart from the streams.</summary>
    public int PageReserve { get; init; } = 16;

    /// <summary>Pending connections kept, in all; a new one beyond this closes the oldest.</summary>
    public int MaxPending { get; init; } = 256;

    /// <summary>Pending connections kept from one address; a new one beyond this closes that address's oldest.</summary>
    public int MaxPendingPerAddress { get; init; } = 32;

    /// <summary>A connection that has not sent a complete request head within this is closed.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A send (a frame, a page) that does not complete within this closes its connection.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the deadlines are checked.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The clock deadlines are measured on (tests inject a fake one).</summary>
    public IClock Clock { get; init; } = SystemClock.Instance;
}

/// <summary>
/// A small HTTP/1.1 server for the composited feed, on asynchronous sockets (no thread per connection):
/// <c>/stream.mjpg</c> — <c>multipart/x-mixed-replace</c> JPEG frames, each new frame once (browsers, OBS media or
/// browser source, VLC, ffmpeg); <c>/frame.jpg</c> — the newest frame as one JPEG; <c>/stats.json</c> — the HUD's
/// figures; <c>/</c> — a page showing the stream and the figures. GET and HEAD only; any other request gets 404/405,
/// a malformed one 400/431. Each frame is laid out once and the same bytes go to every client; a client still sending
/// the previous frame skips to the newest (drops), so a slow client never holds up the others. Idle connections are
/// closed after <see cref="MjpegServerOptions.HeaderTimeout"/>, and only a complete request counts against the caps
/// (<see cref="MjpegServerOptions"/>), so idle sockets cannot lock anyone out. Bound to the address given (loopback by
/// default); no CORS header, so other web pages cannot read the frames, and on loopback a request must name this
/// machine as its Host (no DNS rebinding).
/// </summary>
internal sealed class MjpegServer : IDisposable
{
    public const string Boundary = "liveseg-frame";
    private const int LatencyHistory = 4096;
    private const int KeptReports = 256;

    private readonly TcpListener _listener;
    private readonly LatestJpeg _frames;
    private readonly Func<string> _status;
    private readonly MjpegServerOptions _o;
    private readonly bool _exposed;
    private readonly Task _acceptor;
    private readonly Timer _deadlines;
    private readonly object _lock = new();
    private readonly LinkedList<Connection> _pending = new();
    private readonly Dictionary<IPAddress, int> _pendingByAddress = [];
    private readonly List<Connection> _streams = [];
    private readonly Dictionary<IPAddress, int> _streamsByAddress = [];
    private readonly List<Connection> _answering = [];
    private readonly Waker _waker;
    private int _wakeQueued;
    private readonly List<Connection> _reports = [];
    private readonly double[] _latencies = new double[LatencyHistory];
    private long _latencyCount;
    private long _framesServed;
    private volatile bool _stopping;

    /// <param name="endpoint">Where to listen; port 0 picks a free port (see <see cref="Endpoint"/>).</param>
    /// <param name="frames">The newest JPEG, published by the encoder.</param>
    /// <param name="status">The figures for /stats.json (JSON text).</param>
    /// <param name="options">Caps and deadlines; null: the defaults.</param>
    public MjpegServer(IPEndPoint endpoint, LatestJpeg frames, Func<string> status, MjpegServerOptions? options = null)
    {
        _frames = frames;
        _status = status;
        _o = options ?? new MjpegServerOptions();
        _listener = new TcpListener(endpoint);
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            throw new LiveSegException($"--serve {Format(endpoint)}: cannot listen there ({e.Message}): choose another port (or 0 for any free one).", inner: e);
        }
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        _exposed = !IPAddress.IsLoopback(Endpoint.Address);
        _waker = new Waker(this);
        _frames.Published += WakeStreams;
        _deadlines = new Timer(_ => CheckDeadlines(), null, _o.CheckInterval, _o.CheckInterval);
        _acceptor = Task.Run(AcceptAsync);
    }

    /// <summary>The address and port actually listened on.</summary>
    public IPEndPoint Endpoint { get; }

    public string Url => $"http://{Format(Endpoint)}/";

    /// <summary>Connections that have not yet sent a complete request.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
                return _pending.Count;
        }
    }

    /// <summary>Clients of /stream.mjpg so far, connected now or not, with their frame counts (for the summary).</summary>
    public IReadOnlyList<StreamClientReport> Clients
    {
        get
        {
            lock (_lock)
                return _reports.Select(c => c.Report()).ToArray();
        }
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

    public static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    private async Task AcceptAsync()
    {
        while (!_stopping)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (_stopping && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false); // out of file descriptors, say: let connections end
                continue;
            }
            if (Admit(socket) is { } connection)
                _ = ServeAsync(connection);
        }
    }

    /// <summary>A new connection is pending; beyond the caps the oldest pending one (of its address, or of all) is closed.</summary>
    private Connection? Admit(Socket socket)
    {
        if (socket.RemoteEndPoint is not IPEndPoint remote)
        {
            socket.Dispose();
            return null;
        }
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var c = new Connection(socket, address, remote.ToString(), _o.Clock.Now);
        lock (_lock)
        {
            if (_stopping)
            {
                c.Close();
                return null;
            }
            if (_pendingByAddress.GetValueOrDefault(address) >= _o.MaxPendingPerAddress)
                ClosePendingLocked(OldestPending(address));
            else if (_pending.Count >= _o.MaxPending)
                ClosePendingLocked(_pending.First!.Value);
            c.PendingNode = _pending.AddLast(c);
            _pendingByAddress[address] = _pendingByAddress.GetValueOrDefault(address) + 1;
        }
        return c;
    }

    private Connection OldestPending(IPAddress address)
    {
        for (var node = _pending.First; node is not null; node = node.Next)
        {
            if (node.Value.Address.Equals(address))
                return node.Value;
        }
        throw new InvalidOperationException("pending count out of step");
    }

    private void ClosePendingLocked(Connection c)
    {
        RemovePendingLocked(c);
        c.Close();
    }

    /// <summary>Takes the connection off the pending list; false when it was not there (closed by a deadline or a newer connection).</summary>
    private bool RemovePendingLocked(Connection c)
    {
        if (c.PendingNode is null)
            return false;
        _pending.Remove(c.PendingNode);
        c.PendingNode = null;
        Decrement(_pendingByAddress, c.Address);
        return true;
    }

    private static void Decrement(Dictionary<IPAddress, int> counts, IPAddress address)
    {
        int n = counts[address] - 1;
        if (n == 0)
            counts.Remove(address);
        else
            counts[address] = n;
    }

    /// <summary>Closes pending connections past the header deadline and connections whose send stalled past the send timeout.</summary>
    private void CheckDeadlines()
    {
        long now = _o.Clock.Now;
        long header = Ticks(_o.HeaderTimeout), send = Ticks(_o.SendTimeout);
        lock (_lock)
        {
            while (_pending.First is { } oldest && now - oldest.Value.Accepted >= header)
                ClosePendingLocked(oldest.Value);
            foreach (var c in _streams)
                c.CloseIfStalled(now, send);
            foreach (var c in _answering)
                c.CloseIfStalled(now, send);
        }
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// A new frame (on the encoder's thread): one work item for the thread pool, which wakes every stream client from a
    /// pool thread, so their continuations go to that thread's own queue (nothing allocated per client; queued from the
    /// encoder's thread, each would take a slot of the pool's global queue). Clients still sending the previous frame
    /// take the newest when they finish.
    /// </summary>
    private void WakeStreams()
    {
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(_waker, preferLocal: false);
    }

    /// <summary>The work item of <see cref="WakeStreams"/>.</summary>
    private sealed class Waker(MjpegServer server) : IThreadPoolWorkItem
    {
        private Connection[] _wake = new Connection[16];

        public void Execute()
        {
            Volatile.Write(ref server._wakeQueued, 0);
            int n;
            lock (server._lock)
            {
                n = server._streams.Count;
                if (_wake.Length < n)
                    _wake = new Connection[Math.Max(n, _wake.Length * 2)];
                server._streams.CopyTo(_wake);
            }
            for (int i = 0; i < n; i++)
            {
                _wake[i].Signal.Set();
                _wake[i] = null!;
            }
        }
    }

    private async Task ServeAsync(Connection c)
    {
        try
        {
            var (request, status) = await ReadRequestAsync(c).ConfigureAwait(false);
            if (status < 0)
                return; // closed before a complete request (by the client, a deadline or a newer connection)
            if (status != 0)
                await AnswerTextAsync(c, status, "the request is not valid HTTP/1.x\n", head: false).ConfigureAwait(false);
            else if (!_exposed && !HttpRequestLine.IsLocalHost(request.Host))
                await AnswerTextAsync(c, 403, "this stream serves this machine only\n", head: false).ConfigureAwait(false);
            else if (request.Method is not ("GET" or "HEAD"))
                await AnswerTextAsync(c, 405, "only GET and HEAD\n", head: false).ConfigureAwait(false);
            else if (request.Path == "/stream.mjpg")
                await StreamAsync(c, head: request.Method == "HEAD").ConfigureAwait(false);
            else
                await AnswerAsync(c, request.Path, head: request.Method == "HEAD").ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The client went away or stalled past a deadline: only this connection ends.
        }
        finally
        {
            lock (_lock)
            {
                RemovePendingLocked(c);
                if (c.IsStream && _streams.Remove(c))
                    Decrement(_streamsByAddress, c.Address);
                _answering.Remove(c);
            }
            c.End();
        }
    }

    /// <summary>Reads up to the blank line ending the head: status 0 and the request, 400/431, or -1 when the connection ended first.</summary>
    private async Task<(HttpRequestLine Request, int Status)> ReadRequestAsync(Connection c)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(HttpRequestLine.MaxHeaderBytes);
        try
        {
            int length = 0, end = -1;
            while (end < 0 && length < HttpRequestLine.MaxHeaderBytes)
            {
                int n = await c.Socket.ReceiveAsync(buffer.AsMemory(length, HttpRequestLine.MaxHeaderBytes - length), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                    return (default, -1);
                length += n;
                end = HttpRequestLine.HeadEnd(buffer.AsSpan(0, length));
            }
            lock (_lock)
            {
                if (!RemovePendingLocked(c))
                    return (default, -1);
            }
            if (end < 0)
                return (default, 431);
            var request = HttpRequestLine.Parse(buffer.AsSpan(0, end), out int status);
            return (request ?? default, request is null ? status : 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task AnswerAsync(Connection c, string path, bool head)
    {
        switch (path)
        {
            case "/":
            case "/index.html":
                await AnswerTextAsync(c, 200, StreamPage.Html, head, "text/html; charset=utf-8").ConfigureAwait(false);
                break;
            case "/stats.json":
                await AnswerTextAsync(c, 200, _status(), head, "application/json").ConfigureAwait(false);
                break;
            case "/frame.jpg":
                await AnswerFrameAsync(c, head).ConfigureAwait(false);
                break;
            default:
                await AnswerTextAsync(c, 404, "not found: try / or /stream.mjpg or /frame.jpg\n", head).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Takes a place in the page reserve (false: it is full, and a short 503 is all this connection gets).</summary>
    private bool TakePagePlace(Connection c)
    {
        lock (_lock)
        {
            if (_answering.Contains(c))
                return true;
            if (_answering.Count >= _o.PageReserve)
                return false;
            _answering.Add(c);
            return true;
        }
    }

    private async Task AnswerTextAsync(Connection c, int status, string body, bool head, string type = "text/plain")
    {
        if (!TakePagePlace(c))
            (status, body, type, head) = (503, "busy: try again\n", "text/plain", false);
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        await c.SendAsync(Head(status, type, bytes.Length), _o.Clock).ConfigureAwait(false);
        if (!head)
            await c.SendAsync(bytes, _o.Clock).ConfigureAwait(false);
    }

    private async Task AnswerFrameAsync(Connection c, bool head)
    {
        if (!_frames.Ready.IsCompleted)
            await Task.WhenAny(_frames.Ready, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        var frame = _frames.Acquire();
        if (frame is null)
        {
            await AnswerTextAsync(c, 503, "no frame yet\n", head).ConfigureAwait(false);
            return;
        }
        try
        {
            if (!TakePagePlace(c))
            {
                await AnswerTextAsync(c, 503, "busy\n", head).ConfigureAwait(false);
                return;
            }
            await c.SendAsync(Head(200, "image/jpeg", frame.JpegLength), _o.Clock).ConfigureAwait(false);
            if (!head)
                await c.SendAsync(frame.Jpeg, _o.Clock).ConfigureAwait(false);
        }
        finally
        {
            _frames.Release(frame);
        }
    }

    private async Task StreamAsync(Connection c, bool head)
    {
        int fromHere = 0, all = 0;
        lock (_lock)
        {
            all = _streams.Count;
            fromHere = _streamsByAddress.GetValueOrDefault(c.Address);
            if (all < _o.MaxStreams && fromHere < _o.MaxStreamsPerAddress && !_stopping)
            {
                c.IsStream = true;
                _streams.Add(c);
                _streamsByAddress[c.Address] = fromHere + 1;
                _reports.Add(c);
                if (_reports.Count > KeptReports && _reports.FindIndex(r => r.Ended) is >= 0 and var oldest)
                    _reports.RemoveAt(oldest);
            }
        }
        if (!c.IsStream)
        {
            await AnswerTextAsync(c, 503, all >= _o.MaxStreams
                ? $"too many stream clients ({_o.MaxStreams}): try again later\n"
                : $"too many stream clients from your address ({_o.MaxStreamsPerAddress}): try again later\n", head: false).ConfigureAwait(false);
            return;
        }
        c.Socket.NoDelay = true;
        await c.SendAsync(Head(200, $"multipart/x-mixed-replace; boundary={Boundary}", -1), _o.Clock).ConfigureAwait(false);
        if (head)
            return;
        // Each part ends with the next boundary, so a browser shows a frame as soon as it arrives (it waits for a
        // boundary to know the part is complete).
        await c.SendAsync(Encoding.ASCII.GetBytes($"--{Boundary}\r\n"), _o.Clock).ConfigureAwait(false);
        _ = DrainAsync(c);
        long seen = 0;
        while (!c.IsClosed && !_stopping)
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
    private static async Task DrainAsync(Connection c)
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

    private static byte[] Head(int status, string type, int length)
    {
        string reason = status switch
        {
            200 => "OK",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            _ => "Service Unavailable",
        };
        var head = new StringBuilder();
        head.Append($"HTTP/1.1 {status} {reason}\r\nContent-Type: {type}\r\nCache-Control: no-cache, no-store\r\nPragma: no-cache\r\n");
        head.Append("Connection: close\r\n");
        if (length >= 0)
            head.Append($"Content-Length: {length}\r\n");
        head.Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private void AddLatency(double ms)
    {
        lock (_latencies)
        {
            _latencies[_latencyCount % LatencyHistory] = ms;
            _latencyCount++;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _frames.Published -= WakeStreams;
        _frames.Close();
        _listener.Stop();
        _acceptor.Wait(TimeSpan.FromSeconds(10));
        _deadlines.Dispose();
        lock (_lock)
        {
            foreach (var c in _pending.Concat(_streams).Concat(_answering).ToArray())
                c.Close();
        }
    }

    /// <summary>One connection: its socket, where it is from, and what it is doing.</summary>
    private sealed class Connection(Socket socket, IPAddress address, string remote, long accepted)
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _ended;
        private long _sendingSince;
        private int _closed;
        public long Frames;

        public Socket Socket { get; } = socket;

        public IPAddress Address { get; } = address;

        public long Accepted { get; } = accepted;

        public LinkedListNode<Connection>? PendingNode { get; set; }

        public bool IsStream { get; set; }

        public AsyncSignal Signal { get; } = new();

        public bool IsClosed => Volatile.Read(ref _closed) != 0;

        public bool Ended => Interlocked.Read(ref _ended) != 0;

        public StreamClientReport Report()
        {
            long end = Ended ? Interlocked.Read(ref _ended) : Stopwatch.GetTimestamp();
            return new StreamClientReport(remote, Interlocked.Read(ref Frames), Stopwatch.GetElapsedTime(_started, end).TotalSeconds, !Ended);
        }

        /// <summary>Sends all of <paramref name="bytes"/>; the deadline check closes the connection if it stalls.</summary>
        [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, IClock clock)
        {
            Volatile.Write(ref _sendingSince, clock.Now);
            try
            {
                while (!bytes.IsEmpty)
                {
                    int n = await Socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
                    bytes = bytes[n..];
                }
            }
            finally
            {
                Volatile.Write(ref _sendingSince, 0);
            }
        }

        public void CloseIfStalled(long now, long limit)
        {
            long since = Volatile.Read(ref _sendingSince);
            if (since != 0 && now - since >= limit)
                Close();
        }

        public void End()
        {
            Interlocked.CompareExchange(ref _ended, Stopwatch.GetTimestamp(), 0);
            Close();
        }

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
                return;
            try
            {
                Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            Socket.Dispose();
            Signal.Set();
        }
    }
}

/// <summary>One client of /stream.mjpg: where from, frames sent, for how long, still connected.</summary>
internal readonly record struct StreamClientReport(string Remote, long Frames, double Seconds, bool Connected)
{
    public double Fps => Seconds > 0 ? Frames / Seconds : 0;
}
