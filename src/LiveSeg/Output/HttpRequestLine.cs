using System.Text;

namespace LiveSeg.Output;

/// <summary>The request line of an HTTP/1.x request (method and path; the query and the headers are read and ignored).</summary>
public readonly record struct HttpRequestLine(string Method, string Path)
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
        return new HttpRequestLine(parts[0], query < 0 ? path : path[..query]);
    }
}
