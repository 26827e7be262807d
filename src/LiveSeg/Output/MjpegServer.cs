using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveSeg.Output;

/// <summary>
/// A small HTTP/1.1 server for the composited feed, on its own threads (one to accept, one per client):
/// <c>/stream.mjpg</c> — <c>multipart/x-mixed-replace</c> JPEG frames, each new frame once (browsers, OBS media or
/// browser source, VLC, ffmpeg); <c>/frame.jpg</c> — the newest frame as one JPEG; <c>/stats.json</c> — the HUD's
/// figures; <c>/</c> — a page showing the stream and the figures. GET and HEAD only; any other request gets 404/405.
/// A client that stalls or disconnects only ends its own thread. Bound to the address given (loopback by default); no
/// CORS header, so other web pages cannot read the frames, and on loopback a request must name this machine as its Host
/// (no DNS rebinding).
/// </summary>
internal sealed class MjpegServer : IDisposable
{
    public const string Boundary = "liveseg-frame";
    private const int MaxClients = 32;
    private const int LatencyHistory = 4096;
    private const int RequestTimeoutMs = 10_000;
    private static readonly byte[] s_partEnd = Encoding.ASCII.GetBytes($"\r\n--{Boundary}\r\n");

    private readonly TcpListener _listener;
    private readonly LatestJpeg _frames;
    private readonly Func<string> _status;
    private readonly Thread _acceptor;
    private readonly List<Client> _clients = [];
    private readonly double[] _latencies = new double[LatencyHistory];
    private long _latencyCount;
    private volatile bool _stopping;
    private readonly bool _exposed;

    /// <param name="endpoint">Where to listen; port 0 picks a free port (see <see cref="Endpoint"/>).</param>
    /// <param name="frames">The newest JPEG, published by the encoder.</param>
    /// <param name="status">The figures for /stats.json (JSON text).</param>
    public MjpegServer(IPEndPoint endpoint, LatestJpeg frames, Func<string> status)
    {
        _frames = frames;
        _status = status;
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
        _acceptor = new Thread(Accept) { Name = "liveseg-http", IsBackground = true };
        _acceptor.Start();
    }

    /// <summary>The address and port actually listened on.</summary>
    public IPEndPoint Endpoint { get; }

    public string Url => $"http://{Format(Endpoint)}/";

    /// <summary>Clients of /stream.mjpg so far, connected now or not, with their frame counts (for the summary).</summary>
    public IReadOnlyList<StreamClientReport> Clients
    {
        get
        {
            lock (_clients)
                return _clients.Where(c => c.IsStream).Select(c => c.Report()).ToArray();
        }
    }

    /// <summary>Frames sent over /stream.mjpg to all clients.</summary>
    public long FramesServed
    {
        get
        {
            lock (_clients)
                return _clients.Sum(c => c.Frames);
        }
    }

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

    private void Accept()
    {
        while (!_stopping)
        {
            Socket socket;
            try
            {
                socket = _listener.AcceptSocket();
            }
            catch (Exception) when (_stopping)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var client = new Client(this, socket);
            lock (_clients)
            {
                // Ended stream clients are kept for the summary, the newest 256 of them.
                _clients.RemoveAll(c => c.Ended && !c.IsStream);
                while (_clients.Count > 256 && _clients.FindIndex(c => c.Ended) is >= 0 and var oldest)
                    _clients.RemoveAt(oldest);
                client.Busy = _clients.Count(c => !c.Ended) >= MaxClients;
                _clients.Add(client);
            }
            client.Start();
        }
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
        _frames.Close();
        _listener.Stop();
        _acceptor.Join();
        Client[] clients;
        lock (_clients)
            clients = [.. _clients];
        foreach (var c in clients)
            c.Stop();
    }

    /// <summary>One connection: reads one request, answers it (the stream until the client or the server goes).</summary>
    private sealed class Client(MjpegServer server, Socket socket)
    {
        private Thread? _worker;
        private long _frames;
        private long _started;
        private long _ended;
        private string _remote = "?";

        public bool IsStream { get; private set; }

        /// <summary>Too many clients: this one is answered 503 once its request is read.</summary>
        public bool Busy { get; set; }

        public bool Ended => Interlocked.Read(ref _ended) != 0;

        public long Frames => Interlocked.Read(ref _frames);

        public StreamClientReport Report()
        {
            long end = Ended ? Interlocked.Read(ref _ended) : Stopwatch.GetTimestamp();
            return new StreamClientReport(_remote, Frames, Stopwatch.GetElapsedTime(_started, end).TotalSeconds, !Ended);
        }

        public void Start()
        {
            _started = Stopwatch.GetTimestamp();
            _remote = socket.RemoteEndPoint?.ToString() ?? "?";
            _worker = new Thread(Serve) { Name = "liveseg-http-client", IsBackground = true };
            _worker.Start();
        }

        public void Stop()
        {
            Shut(socket);
            _worker?.Join();
        }

        private static void Shut(Socket socket)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        private void Serve()
        {
            try
            {
                socket.NoDelay = true;
                socket.SendTimeout = RequestTimeoutMs;
                socket.ReceiveTimeout = RequestTimeoutMs;
                using var stream = new NetworkStream(socket, ownsSocket: true);
                HttpRequestLine? request;
                // One deadline for the whole request, so a client trickling bytes cannot hold a slot for long.
                using (var deadline = new CancellationTokenSource(RequestTimeoutMs))
                using (deadline.Token.Register(() => Shut(socket)))
                    request = HttpRequestLine.Read(stream);
                if (request is null)
                    return;
                if (Busy)
                    WriteText(stream, "503 Service Unavailable", "text/plain", "too many clients\n", head: false);
                else if (!server._exposed && !HttpRequestLine.IsLocalHost(request.Value.Host))
                    WriteText(stream, "403 Forbidden", "text/plain", "this stream serves this machine only\n", head: false);
                else
                    Answer(stream, request.Value);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The client went away or stalled past the timeout: only this connection ends.
            }
            finally
            {
                Interlocked.Exchange(ref _ended, Stopwatch.GetTimestamp());
            }
        }

        private void Answer(NetworkStream stream, HttpRequestLine request)
        {
            if (request.Method is not ("GET" or "HEAD"))
            {
                WriteText(stream, "405 Method Not Allowed", "text/plain", "only GET and HEAD\n", head: false);
                return;
            }
            bool head = request.Method == "HEAD";
            switch (request.Path)
            {
                case "/":
                case "/index.html":
                    WriteText(stream, "200 OK", "text/html; charset=utf-8", StreamPage.Html, head);
                    break;
                case "/stats.json":
                    WriteText(stream, "200 OK", "application/json", server._status(), head);
                    break;
                case "/frame.jpg":
                    WriteFrame(stream, head);
                    break;
                case "/stream.mjpg":
                    IsStream = true;
                    Stream(stream, head);
                    break;
                default:
                    WriteText(stream, "404 Not Found", "text/plain", "not found: try / or /stream.mjpg or /frame.jpg\n", head);
                    break;
            }
        }

        private void WriteFrame(NetworkStream stream, bool head)
        {
            byte[] buffer = new byte[64 * 1024];
            long seen = server._frames.WaitNewer(Math.Max(0, server._frames.Sequence - 1), ref buffer, out int length, out _, 10_000);
            if (length == 0 || seen == 0)
            {
                WriteText(stream, "503 Service Unavailable", "text/plain", "no frame yet\n", head);
                return;
            }
            WriteHead(stream, "200 OK", "image/jpeg", length);
            if (!head)
                stream.Write(buffer, 0, length);
        }

        private void Stream(NetworkStream stream, bool head)
        {
            WriteHead(stream, "200 OK", $"multipart/x-mixed-replace; boundary={Boundary}", -1);
            if (head)
                return;
            // Each part ends with the next boundary, so a browser shows a frame as soon as it arrives (it waits for a
            // boundary to know the part is complete).
            stream.Write(Encoding.ASCII.GetBytes($"--{Boundary}\r\n"));
            byte[] buffer = new byte[256 * 1024];
            byte[] partHead = new byte[128];
            long seen = 0;
            while (!server._stopping)
            {
                long next = server._frames.WaitNewer(seen, ref buffer, out int length, out long captured, 1000);
                if (next == seen)
                {
                    if (server._frames.IsClosed)
                        return;
                    continue;
                }
                seen = next;
                System.Text.Unicode.Utf8.TryWrite(partHead, $"Content-Type: image/jpeg\r\nContent-Length: {length}\r\n\r\n", out int n);
                stream.Write(partHead, 0, n);
                stream.Write(buffer, 0, length);
                stream.Write(s_partEnd);
                Interlocked.Increment(ref _frames);
                if (captured != 0)
                    server.AddLatency(Stopwatch.GetElapsedTime(captured).TotalMilliseconds);
            }
        }

        private static void WriteText(NetworkStream stream, string status, string type, string body, bool head)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            WriteHead(stream, status, type, bytes.Length);
            if (!head)
                stream.Write(bytes);
        }

        private static void WriteHead(NetworkStream stream, string status, string type, int length)
        {
            var head = new StringBuilder();
            head.Append($"HTTP/1.1 {status}\r\nContent-Type: {type}\r\nCache-Control: no-cache, no-store\r\nPragma: no-cache\r\n");
            head.Append("Connection: close\r\n");
            if (length >= 0)
                head.Append($"Content-Length: {length}\r\n");
            head.Append("\r\n");
            stream.Write(Encoding.ASCII.GetBytes(head.ToString()));
        }
    }
}

/// <summary>One client of /stream.mjpg: where from, frames sent, for how long, still connected.</summary>
internal readonly record struct StreamClientReport(string Remote, long Frames, double Seconds, bool Connected)
{
    public double Fps => Seconds > 0 ? Frames / Seconds : 0;
}
