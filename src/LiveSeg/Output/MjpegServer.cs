using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace LiveSeg.Output;

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
/// <remarks>
/// This class listens, accepts and routes each request; <see cref="ConnectionTable"/> keeps the connections, their caps
/// and deadlines; <see cref="HttpAnswers"/> sends the page, the figures, one frame and the short answers;
/// <see cref="MjpegStreamer"/> sends the stream.
/// </remarks>
internal sealed class MjpegServer : IDisposable
{
    public const string Boundary = "liveseg-frame";

    private readonly TcpListener _listener;
    private readonly LatestJpeg _frames;
    private readonly bool _exposed;
    private readonly ConnectionTable _connections;
    private readonly HttpAnswers _answers;
    private readonly MjpegStreamer _streamer;
    private readonly Task _acceptor;
    private readonly Timer _deadlines;

    /// <param name="endpoint">Where to listen; port 0 picks a free port (see <see cref="Endpoint"/>).</param>
    /// <param name="frames">The newest JPEG, published by the encoder.</param>
    /// <param name="status">The figures for /stats.json (JSON text).</param>
    /// <param name="options">Caps and deadlines; null: the defaults.</param>
    public MjpegServer(IPEndPoint endpoint, LatestJpeg frames, Func<string> status, MjpegServerOptions? options = null)
    {
        _frames = frames;
        var o = options ?? new MjpegServerOptions();
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
        _connections = new ConnectionTable(o);
        _answers = new HttpAnswers(_connections, frames, status, o.Clock);
        _streamer = new MjpegStreamer(_connections, frames, _answers, o);
        _frames.Published += _streamer.WakeStreams;
        _deadlines = new Timer(_ => _connections.CheckDeadlines(), null, o.CheckInterval, o.CheckInterval);
        _acceptor = Task.Run(AcceptAsync);
    }

    /// <summary>The address and port actually listened on.</summary>
    public IPEndPoint Endpoint { get; }

    public string Url => $"http://{Format(Endpoint)}/";

    /// <summary>Connections that have not yet sent a complete request.</summary>
    public int PendingCount => _connections.PendingCount;

    /// <summary>Clients of /stream.mjpg so far, connected now or not, with their frame counts (for the summary).</summary>
    public IReadOnlyList<StreamClientReport> Clients => _connections.Reports();

    /// <summary>Frames sent over /stream.mjpg to all clients.</summary>
    public long FramesServed => _streamer.FramesServed;

    /// <summary>Latency from capture to the frame's last byte handed to a client's socket (ms), p50 and p95 of the newest 4096.</summary>
    public (double P50, double P95, long Count) Latency() => _streamer.Latency();

    public static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";

    private async Task AcceptAsync()
    {
        while (!_connections.Stopping)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (_connections.Stopping && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false); // out of file descriptors, say: let connections end
                continue;
            }
            if (_connections.Admit(socket) is { } connection)
                _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(ServerConnection c)
    {
        try
        {
            var (request, status) = await ReadRequestAsync(c).ConfigureAwait(false);
            if (status < 0)
                return; // closed before a complete request (by the client, a deadline or a newer connection)
            if (status != 0)
                await _answers.AnswerTextAsync(c, status, "the request is not valid HTTP/1.x\n", head: false).ConfigureAwait(false);
            else if (!_exposed && !HttpRequestLine.IsLocalHost(request.Host))
                await _answers.AnswerTextAsync(c, 403, "this stream serves this machine only\n", head: false).ConfigureAwait(false);
            else if (request.Method is not ("GET" or "HEAD"))
                await _answers.AnswerTextAsync(c, 405, "only GET and HEAD\n", head: false).ConfigureAwait(false);
            else if (request.Path == "/stream.mjpg")
                await _streamer.StreamAsync(c, head: request.Method == "HEAD").ConfigureAwait(false);
            else
                await _answers.AnswerAsync(c, request.Path, head: request.Method == "HEAD").ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The client went away or stalled past a deadline: only this connection ends.
        }
        finally
        {
            _connections.Remove(c);
            c.End();
        }
    }

    /// <summary>Reads up to the blank line ending the head: status 0 and the request, 400/431, or -1 when the connection ended first.</summary>
    private async Task<(HttpRequestLine Request, int Status)> ReadRequestAsync(ServerConnection c)
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
            if (!_connections.LeavePending(c))
                return (default, -1);
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

    public void Dispose()
    {
        _connections.Stop();
        _frames.Published -= _streamer.WakeStreams;
        _frames.Close();
        _listener.Stop();
        _acceptor.Wait(TimeSpan.FromSeconds(10));
        _deadlines.Dispose();
        _connections.CloseAll();
    }
}
