using System.Text;

namespace LiveSeg.Output;

/// <summary>
/// The request line of an HTTP/1.x request (method and path; the query is dropped) and its Host header (null when
/// absent); the other headers are read and ignored.
/// </summary>
internal readonly record struct HttpRequestLine(string Method, string Path, string? Host = null)
{
    /// <summary>Requests larger than this (request line + headers) are refused.</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>Reads up to the blank line ending the headers; null when the client closed first or sent something that is not HTTP.</summary>
    public static HttpRequestLine? Read(Stream stream)
    {
        var bytes = new byte[MaxHeaderBytes];
        int length = 0;
        while (length < bytes.Length)
        {
            int n = stream.Read(bytes, length, bytes.Length - length);
            if (n == 0)
                return null;
            length += n;
            if (bytes.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0 || bytes.AsSpan(0, length).IndexOf("\n\n"u8) >= 0)
                return Parse(Encoding.ASCII.GetString(bytes, 0, length));
        }
        return null;
    }

    /// <summary>"GET /stream.mjpg?x=1 HTTP/1.1\r\n..." → (GET, /stream.mjpg); null when it is not a request line.</summary>
    public static HttpRequestLine? Parse(string request)
    {
        int end = request.IndexOf('\n');
        string line = (end < 0 ? request : request[..end]).TrimEnd('\r');
        string[] parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !parts[1].StartsWith('/'))
            return null;
        string path = parts[1];
        int query = path.IndexOfAny(['?', '#']);
        string? host = null;
        foreach (string header in request.Split('\n').Skip(1))
        {
            if (header.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
                host = header[5..].Trim();
        }
        return new HttpRequestLine(parts[0], query < 0 ? path : path[..query], host);
    }

    /// <summary>
    /// The host part of a Host header names this machine by a loopback name or an IP address: what a browser sends for
    /// http://127.0.0.1:8080/ or http://localhost:8080/. A web page that renamed itself to 127.0.0.1 (DNS rebinding)
    /// sends its own domain name instead, and is refused on a loopback-only server.
    /// </summary>
    public static bool IsLocalHost(string? host)
    {
        if (string.IsNullOrEmpty(host))
            return true; // HTTP/1.0 clients (VLC, ffmpeg, curl -0) may send none
        string name = host.StartsWith('[') ? host[1..Math.Max(1, host.IndexOf(']'))] : host.Split(':')[0];
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || System.Net.IPAddress.TryParse(name, out _);
    }
}
