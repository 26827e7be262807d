using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveSeg.Output;

/// <summary>
/// The request line of an HTTP/1.x request (method and path; the query is dropped) and its Host header (null when
/// absent); the other headers are checked for form and ignored. Parsing has two outcomes only: a request, or a
/// 400-class status to answer (400 Bad Request, 431 headers too large) — never an exception, whatever the bytes.
/// </summary>
internal readonly record struct HttpRequestLine(string Method, string Path, string? Host = null)
{
    /// <summary>Requests larger than this (request line + headers) are refused with 431.</summary>
    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>More header lines than this are refused with 431.</summary>
    public const int MaxHeaders = 100;

    /// <summary>Where the head ends (just after its blank line: CRLF CRLF, or LF LF), or -1 when it has not ended yet.</summary>
    public static int HeadEnd(ReadOnlySpan<byte> bytes)
    {
        int crlf = bytes.IndexOf("\r\n\r\n"u8), lf = bytes.IndexOf("\n\n"u8);
        if (crlf < 0)
            return lf < 0 ? -1 : lf + 2;
        return lf < 0 ? crlf + 4 : Math.Min(crlf + 4, lf + 2);
    }

    /// <summary>"GET /stream.mjpg?x=1 HTTP/1.1\r\n..." → (GET, /stream.mjpg); null when it is not a valid request head.</summary>
    public static HttpRequestLine? Parse(string request) => Parse(Encoding.Latin1.GetBytes(request), out _);

    /// <summary>
    /// Parses a request head (the bytes up to and including its blank line, or fewer). A request, or null and
    /// <paramref name="status"/> 400 (not a valid HTTP/1.0 or 1.1 request head) or 431 (too large, too many headers).
    /// </summary>
    public static HttpRequestLine? Parse(ReadOnlySpan<byte> head, out int status)
    {
        status = 400;
        if (head.Length > MaxHeaderBytes)
        {
            status = 431;
            return null;
        }
        int end = HeadEnd(head);
        if (end >= 0)
            head = head[..end];
        int lineEnd = head.IndexOf((byte)'\n');
        var line = Line(head, lineEnd);
        if (line.IsEmpty)
            return null;
        // METHOD SP TARGET SP HTTP/1.x — exactly two spaces.
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0)
            return null;
        int sp2 = line[(sp1 + 1)..].IndexOf((byte)' ');
        if (sp2 <= 0)
            return null;
        sp2 += sp1 + 1;
        var method = line[..sp1];
        var target = line[(sp1 + 1)..sp2];
        var version = line[(sp2 + 1)..];
        if (method.Length > 20 || !IsToken(method) || target[0] != '/' || !IsVisible(target) || !(version.SequenceEqual("HTTP/1.1"u8) || version.SequenceEqual("HTTP/1.0"u8)))
            return null;
        string? host = null;
        int headers = 0;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 1)..];
        while (!rest.IsEmpty)
        {
            int next = rest.IndexOf((byte)'\n');
            var header = Line(rest, next);
            rest = next < 0 ? [] : rest[(next + 1)..];
            if (header.IsEmpty)
            {
                if (next < 0 || rest.IsEmpty)
                    break; // the blank line ending the head
                return null;
            }
            if (++headers > MaxHeaders)
            {
                status = 431;
                return null;
            }
            if (header.IndexOf((byte)'\r') >= 0)
                return null;
            int colon = header.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(header[..colon]))
                return null; // no name, a space before the colon, or a folded line
            var value = Trim(header[(colon + 1)..]);
            foreach (byte b in value)
            {
                if (b is < 0x20 and not (byte)'\t' or 0x7F)
                    return null;
            }
            if (Ascii.EqualsIgnoreCase(header[..colon], "host"u8))
            {
                if (host is not null)
                    return null; // two Host headers
                host = Encoding.Latin1.GetString(value);
            }
        }
        string path = Encoding.ASCII.GetString(target);
        int query = path.IndexOfAny(['?', '#']);
        status = 0;
        return new HttpRequestLine(Encoding.ASCII.GetString(method), query < 0 ? path : path[..query], host);
    }

    /// <summary>The line before <paramref name="end"/> (a '\n' index, or -1: the rest), without its '\r'.</summary>
    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> text, int end)
    {
        var line = end < 0 ? text : text[..end];
        return line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0 && s[0] is (byte)' ' or (byte)'\t')
            s = s[1..];
        while (s.Length > 0 && s[^1] is (byte)' ' or (byte)'\t')
            s = s[..^1];
        return s;
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (byte b in s)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || "!#$%&'*+-.^_`|~"u8.Contains(b)))
                return false;
        }
        return true;
    }

    private static bool IsVisible(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
        {
            if (b is < 0x21 or > 0x7E)
                return false;
        }
        return true;
    }

    /// <summary>
    /// The Host header names this machine: <c>localhost</c>, a dotted IPv4 address or a bracketed IPv6 address, then
    /// optionally ':' and a port (digits, 1..65535) — parsed exactly, nothing after it. What a browser sends for
    /// http://127.0.0.1:8080/ or http://localhost:8080/. A web page that renamed itself to 127.0.0.1 (DNS rebinding)
    /// sends its own domain name instead (even one such as <c>127.0.0.1:8080.evil.com</c>), and is refused on a
    /// loopback-only server. No Host at all is accepted: HTTP/1.0 clients (VLC, ffmpeg, curl -0) may send none.
    /// </summary>
    public static bool IsLocalHost(string? host)
    {
        if (host is null)
            return true;
        ReadOnlySpan<char> name, port;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            if (close < 0)
                return false;
            name = host.AsSpan(1, close - 1);
            var after = host.AsSpan(close + 1);
            if (!after.IsEmpty && after[0] != ':')
                return false;
            port = after.IsEmpty ? [] : after[1..];
            if (after.Length == 1 || name.Contains('%') || !IPAddress.TryParse(name, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
        }
        else
        {
            int colon = host.IndexOf(':');
            name = colon < 0 ? host : host.AsSpan(0, colon);
            port = colon < 0 ? [] : host.AsSpan(colon + 1);
            if (colon >= 0 && port.IsEmpty)
                return false;
            if (!name.Equals("localhost", StringComparison.OrdinalIgnoreCase) && !IsDottedIPv4(name))
                return false;
        }
        return port.IsEmpty || (port.Length <= 5 && IsDigits(port) && int.Parse(port, provider: System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 65535);
    }

    private static bool IsDigits(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExceptInRange('0', '9');

    /// <summary>Four decimal parts of 1..3 digits, each at most 255 (no shorthand such as 127.1 or 2130706433).</summary>
    private static bool IsDottedIPv4(ReadOnlySpan<char> s)
    {
        int parts = 0;
        foreach (var range in s.Split('.'))
        {
            var part = s[range];
            if (++parts > 4 || part.Length is < 1 or > 3 || !IsDigits(part) || int.Parse(part, provider: System.Globalization.CultureInfo.InvariantCulture) > 255)
                return false;
        }
        return parts == 4;
    }
}
