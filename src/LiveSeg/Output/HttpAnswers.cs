using System.Text;
using LiveSeg.Threading;

namespace LiveSeg.Output;

/// <summary>
/// The answers of <see cref="MjpegServer"/> other than the stream: the page (<c>/</c>), <c>/stats.json</c>,
/// <c>/frame.jpg</c>, and the short text answers (404, 503, the errors). Each takes a place in the page reserve
/// (<see cref="MjpegServerOptions.PageReserve"/>) first: when it is full the answer is a short 503. Every answer closes
/// its connection.
/// </summary>
internal sealed class HttpAnswers
{
    private readonly ConnectionTable _connections;
    private readonly LatestJpeg _frames;
    private readonly Func<string> _status;
    private readonly IClock _clock;

    /// <param name="connections">Where the page reserve is kept.</param>
    /// <param name="frames">The newest JPEG, for /frame.jpg.</param>
    /// <param name="status">The figures for /stats.json (JSON text).</param>
    /// <param name="clock">The clock the send deadline is measured on.</param>
    public HttpAnswers(ConnectionTable connections, LatestJpeg frames, Func<string> status, IClock clock)
    {
        _connections = connections;
        _frames = frames;
        _status = status;
        _clock = clock;
    }

    public async Task AnswerAsync(ServerConnection c, string path, bool head)
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

    public async Task AnswerTextAsync(ServerConnection c, int status, string body, bool head, string type = "text/plain")
    {
        if (!_connections.TakePagePlace(c))
            (status, body, type, head) = (503, "busy: try again\n", "text/plain", false);
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        await c.SendAsync(Head(status, type, bytes.Length), _clock).ConfigureAwait(false);
        if (!head)
            await c.SendAsync(bytes, _clock).ConfigureAwait(false);
    }

    private async Task AnswerFrameAsync(ServerConnection c, bool head)
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
            if (!_connections.TakePagePlace(c))
            {
                await AnswerTextAsync(c, 503, "busy\n", head).ConfigureAwait(false);
                return;
            }
            await c.SendAsync(Head(200, "image/jpeg", frame.JpegLength), _clock).ConfigureAwait(false);
            if (!head)
                await c.SendAsync(frame.Jpeg, _clock).ConfigureAwait(false);
        }
        finally
        {
            _frames.Release(frame);
        }
    }

    /// <summary>A response head: the status line and headers (no caching, <c>Connection: close</c>); length -1: no Content-Length.</summary>
    public static byte[] Head(int status, string type, int length)
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
}
