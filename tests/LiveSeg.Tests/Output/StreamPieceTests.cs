using System.Diagnostics;
using System.Net;
using System.Text;
using LiveSeg.Output;

namespace LiveSeg.Tests;

/// <summary>The stream's HTTP pieces without a loop.</summary>
public sealed class StreamPieceTests
{
    [Theory]
    [InlineData("GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/stream.mjpg")]
    [InlineData("HEAD /frame.jpg?t=123 HTTP/1.0\r\n\r\n", "HEAD", "/frame.jpg")]
    [InlineData("GET / HTTP/1.1\n\n", "GET", "/")]
    public void RequestLine_IsParsed(string request, string method, string path)
    {
        var r = HttpRequestLine.Parse(request);
        Assert.Equal((method, path), (r?.Method, r?.Path));
        Assert.Equal(request.Contains("Host: x", StringComparison.Ordinal) ? "x" : null, r?.Host);
    }

    [Theory]
    [InlineData("\u0016\u0003\u0001 TLS hello")]
    [InlineData("GET stream HTTP/1.1\r\n\r\n")]
    [InlineData("GET / SPDY\r\n\r\n")]
    public void NotHttp_IsNull(string request) => Assert.Null(HttpRequestLine.Parse(request));

    [Theory]
    [InlineData(null, true)]
    [InlineData("127.0.0.1:8080", true)]
    [InlineData("localhost:8080", true)]
    [InlineData("[::1]:8080", true)]
    [InlineData("192.168.1.20:8080", true)]
    [InlineData("evil.example:8080", false)]
    [InlineData("127.0.0.1.nip.io", false)]
    public void HostHeader_OnlyAddressesAndLocalhost_AreThisMachine(string? host, bool local) =>
        Assert.Equal(local, HttpRequestLine.IsLocalHost(host));

    [Theory]
    [InlineData("8080", "127.0.0.1", 8080, false)]
    [InlineData(":0", "127.0.0.1", 0, false)]
    [InlineData("localhost:9000", "127.0.0.1", 9000, false)]
    [InlineData("127.0.0.1:8080", "127.0.0.1", 8080, false)]
    [InlineData("[::1]:8080", "::1", 8080, false)]
    [InlineData("0.0.0.0:8080", "0.0.0.0", 8080, true)]
    public void ServeAddress_DefaultsToLoopback_OthersAreExposed(string text, string address, int port, bool exposed)
    {
        var e = ServeAddress.Parse(text);
        Assert.Equal((IPAddress.Parse(address), port), (e.Address, e.Port));
        Assert.Equal(exposed, ServeAddress.IsExposed(e));
    }

    [Theory]
    [InlineData("127.0.0.1:http")]
    [InlineData("99999")]
    [InlineData("example.com:80")]
    public void ServeAddress_Bad_IsAOneLineError(string text)
    {
        var e = Assert.Throws<LiveSegException>(() => ServeAddress.Parse(text));
        Assert.StartsWith("--serve", e.Message);
    }

    private static string Ask(IPEndPoint at, string request, string? until = null) => StreamServerTests.Ask(at, request, until);

    [Fact]
    public void Server_OtherSitesCannotReadTheFeed_NoCorsHeader_ForeignHostRefused()
    {
        var frames = new LatestJpeg();
        frames.Publish([0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9], Stopwatch.GetTimestamp());
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames, () => "{}");
        string ok = Ask(server.Endpoint, "GET /frame.jpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK", ok);
        Assert.DoesNotContain("Access-Control-Allow-Origin", ok);
        string rebound = Ask(server.Endpoint, "GET /frame.jpg HTTP/1.1\r\nHost: evil.example:8080\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 403", rebound);
    }

    [Fact]
    public void Stream_EachPartEndsWithTheNextBoundary_SoBrowsersShowItAtOnce()
    {
        var frames = new LatestJpeg();
        byte[] jpeg = [0xFF, 0xD8, 9, 8, 7, 0xFF, 0xD9];
        frames.Publish(jpeg, Stopwatch.GetTimestamp());
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames, () => "{}");
        string b = MjpegServer.Boundary;
        string part = $"--{b}\r\nContent-Type: image/jpeg\r\nContent-Length: 7\r\n\r\n{Encoding.Latin1.GetString(jpeg)}\r\n--{b}\r\n";
        string text = Ask(server.Endpoint, "GET /stream.mjpg HTTP/1.1\r\nHost: localhost\r\n\r\n", until: part);
        Assert.Contains(part, text);
    }

    [Fact]
    public void Server_PortInUse_IsAOneLineError()
    {
        var frames = new LatestJpeg();
        using var first = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames, () => "{}");
        var e = Assert.Throws<LiveSegException>(() => new MjpegServer(first.Endpoint, frames, () => "{}"));
        Assert.Contains("cannot listen", e.Message);
    }
}
