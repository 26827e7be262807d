using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LiveSeg.Live;
using LiveSeg.Metrics;
using LiveSeg.Output;

namespace LiveSeg.Tests;

/// <summary>
/// The stream server against hostile clients, all on loopback: idle connections cannot lock it, caps per address,
/// exact Host parsing, stats JSON that stays JSON. No sleeps: waits are on answers, each with a hang guard.
/// </summary>
public sealed class StreamServerTests
{
    private static readonly byte[] s_jpeg = [0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9];

    private static MjpegServer Serve(LatestJpeg? frames = null, Func<string>? status = null) =>
        new(new IPEndPoint(IPAddress.Loopback, 0), frames ?? new LatestJpeg(), status ?? (() => "{\"fps\":30}"));

    /// <summary>Connects (from <paramref name="from"/>, default 127.0.0.1) and sends nothing.</summary>
    internal static Socket Idle(IPEndPoint at, IPAddress? from = null)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 60_000 };
        if (from is not null)
            s.Bind(new IPEndPoint(from, 0));
        s.Connect(at);
        return s;
    }

    /// <summary>Sends a raw request; reads until the server closes or the text contains <paramref name="until"/>.</summary>
    internal static string Ask(IPEndPoint at, string request, string? until = null, IPAddress? from = null)
    {
        using var s = Idle(at, from);
        s.Send(Encoding.ASCII.GetBytes(request));
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int got;
        while ((until is null || !text.ToString().Contains(until, StringComparison.Ordinal)) && (got = s.Receive(buffer)) > 0)
            text.Append(Encoding.Latin1.GetString(buffer, 0, got));
        return text.ToString();
    }

    private static string Get(IPEndPoint at, string path, IPAddress? from = null, string? until = null) =>
        Ask(at, $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{at.Port}\r\n\r\n", until, from);

    /// <summary>True once the server closed this connection (reads end of stream; a reset counts too).</summary>
    internal static bool ClosedByServer(Socket s)
    {
        try
        {
            return s.Receive(new byte[256]) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    [Fact]
    public void FortyIdleConnections_PageAndStatsStillAnswered()
    {
        using var server = Serve();
        var idle = Enumerable.Range(0, 40).Select(_ => Idle(server.Endpoint)).ToList();
        try
        {
            string page = Get(server.Endpoint, "/");
            Assert.StartsWith("HTTP/1.1 200 OK", page);
            Assert.Contains("<img id=\"feed\"", page);
            string stats = Get(server.Endpoint, "/stats.json");
            Assert.StartsWith("HTTP/1.1 200 OK", stats);
            Assert.EndsWith("{\"fps\":30}", stats);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void IdleConnections_MakeNoThreads()
    {
        using var server = Serve();
        int before = Process.GetCurrentProcess().Threads.Count;
        var idle = Enumerable.Range(0, 300).Select(_ => Idle(server.Endpoint)).ToList();
        try
        {
            Get(server.Endpoint, "/"); // answered after every connection before it was taken in
            int after = Process.GetCurrentProcess().Threads.Count;
            Assert.True(after - before < 100, $"{after - before} more threads for 300 idle connections");
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Theory]
    [InlineData("127.0.0.1:{0}", true)]
    [InlineData("localhost:{0}", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]:{0}", true)]
    [InlineData("127.0.0.1:{0}.evil.com", false)]
    [InlineData("127.0.0.1:{0}:{0}", false)]
    [InlineData("127.0.0.1:", false)]
    [InlineData("127.0.0.1:99999", false)]
    [InlineData("127.0.0.1:-1", false)]
    [InlineData("127.0.0.1 evil.com", false)]
    [InlineData("127.0.0.1.evil.com:{0}", false)]
    [InlineData("localhost.evil.com", false)]
    [InlineData("[::1].evil.com", false)]
    [InlineData("[::1]x:{0}", false)]
    [InlineData("[::1", false)]
    [InlineData("", false)]
    public void HostHeader_IsParsedExactly(string host, bool served)
    {
        using var frames = new Published();
        using var server = Serve(frames.Frames);
        string answer = Ask(server.Endpoint, $"GET /frame.jpg HTTP/1.1\r\nHost: {string.Format(System.Globalization.CultureInfo.InvariantCulture, host, server.Endpoint.Port)}\r\n\r\n");
        Assert.StartsWith(served ? "HTTP/1.1 200" : "HTTP/1.1 4", answer);
    }

    [Fact]
    public void StatsJson_HostileModelName_StaysValidJson()
    {
        var status = new LiveStatus();
        var stats = new RollingStats();
        stats.Compute();
        string name = "line\nbreak\0nul \"quoted\" back\\slash \u2028 \u0001";
        status.Update(stats, name, "cpu\r\n", "blur", 10, 2, "stream \"x\"");
        using var json = JsonDocument.Parse(status.Json);
        Assert.Equal(name, json.RootElement.GetProperty("model").GetString());
        Assert.Equal("cpu\r\n", json.RootElement.GetProperty("provider").GetString());
        Assert.Equal(10, json.RootElement.GetProperty("captured").GetInt64());
        Assert.True(json.RootElement.GetProperty("p50_ms").GetProperty("end_to_end").ValueKind == JsonValueKind.Number);
    }

    private static readonly IPAddress s_a = IPAddress.Parse("127.0.0.2"), s_b = IPAddress.Parse("127.0.0.3"), s_c = IPAddress.Parse("127.0.0.4");

    private static void WaitUntil(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(60)), $"hang guard: {what}");

    /// <summary>Opens /stream.mjpg from <paramref name="from"/>; the status line and headers, and the socket left open.</summary>
    private static (Socket Socket, string Head) OpenStream(IPEndPoint at, IPAddress from)
    {
        var s = Idle(at, from);
        s.Send(Encoding.ASCII.GetBytes($"GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1:{at.Port}\r\n\r\n"));
        var text = new StringBuilder();
        var one = new byte[1];
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && s.Receive(one) == 1)
            text.Append((char)one[0]);
        return (s, text.ToString());
    }

    [Fact]
    public void IdleConnections_AreClosedAtTheHeaderDeadline_NotBefore()
    {
        var clock = new FakeClock();
        using var frames = new Published();
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames.Frames, () => "{}",
            new MjpegServerOptions { Clock = clock, CheckInterval = TimeSpan.FromMilliseconds(10) });
        var idle = Enumerable.Range(0, 5).Select(_ => Idle(server.Endpoint)).ToList();
        var trickle = Idle(server.Endpoint);
        trickle.Send("GET / HT"u8.ToArray()); // a request that never completes
        idle.Add(trickle);
        try
        {
            WaitUntil(() => server.PendingCount == 6, "six pending connections");
            clock.Advance(TimeSpan.FromSeconds(4.5));
            // Before the deadline an idle connection may still ask (deadline checks have run meanwhile).
            idle[0].Send(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            var answer = new byte[15];
            idle[0].Receive(answer);
            Assert.Equal("HTTP/1.1 200 OK", Encoding.ASCII.GetString(answer));
            clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var s in idle.Skip(1))
                Assert.True(ClosedByServer(s));
            Assert.Equal(0, server.PendingCount);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void PendingCapPerAddress_ClosesThatAddresssOldest_OthersKeepTheirs()
    {
        using var frames = new Published();
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames.Frames, () => "{}", new MjpegServerOptions { MaxPendingPerAddress = 4 });
        var mine = Enumerable.Range(0, 4).Select(_ => Idle(server.Endpoint, s_a)).ToList();
        WaitUntil(() => server.PendingCount == 4, "four pending");
        var flood = new List<Socket>();
        for (int i = 0; i < 6; i++)
        {
            flood.Add(Idle(server.Endpoint, s_b));
            WaitUntil(() => server.PendingCount == Math.Min(4 + flood.Count, 8), "the flood's connections taken in");
        }
        try
        {
            Assert.True(ClosedByServer(flood[0]));
            Assert.True(ClosedByServer(flood[1]));
            foreach (var s in mine)
            {
                s.Send(Encoding.ASCII.GetBytes("GET /stats.json HTTP/1.1\r\nHost: localhost\r\n\r\n"));
                var answer = new byte[15];
                s.Receive(answer);
                Assert.Equal("HTTP/1.1 200 OK", Encoding.ASCII.GetString(answer));
            }
        }
        finally
        {
            mine.Concat(flood).ToList().ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void StreamCaps_PerAddressAndInAll_PageAndStatsStillAnswered()
    {
        using var frames = new Published();
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames.Frames, () => "{\"fps\":1}",
            new MjpegServerOptions { MaxStreams = 3, MaxStreamsPerAddress = 2 });
        var open = new List<Socket>();
        void Streams(IPAddress from)
        {
            var (socket, head) = OpenStream(server.Endpoint, from);
            open.Add(socket);
            Assert.StartsWith("HTTP/1.1 200 OK", head);
        }
        void Refused(IPAddress from, string said)
        {
            string answer = Get(server.Endpoint, "/stream.mjpg", from);
            Assert.StartsWith("HTTP/1.1 503", answer);
            Assert.Contains(said, answer);
        }
        try
        {
            Streams(s_a);
            Streams(s_a);
            Refused(s_a, "from your address (2)");
            Streams(s_b);
            Refused(s_c, "too many stream clients (3)");
            Assert.StartsWith("HTTP/1.1 200 OK", Get(server.Endpoint, "/", s_c));
            Assert.EndsWith("{\"fps\":1}", Get(server.Endpoint, "/stats.json", s_c));
            Assert.StartsWith("HTTP/1.1 200 OK", Get(server.Endpoint, "/frame.jpg", s_c));
            // A stream that ends frees its place.
            open[0].Dispose();
            WaitUntil(() => server.Clients.Count(c => c.Connected) == 2, "the closed stream noticed");
            Streams(s_c);
        }
        finally
        {
            open.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void ClientThatNeverReads_DoesNotHoldUpAnother_EveryFrameSharedOnce()
    {
        var frames = new LatestJpeg();
        using var server = Serve(frames);
        var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        stalled.Connect(server.Endpoint);
        stalled.Send(Encoding.ASCII.GetBytes("GET /stream.mjpg HTTP/1.0\r\n\r\n"));
        using var reader = new MjpegClient(server.Url);
        WaitUntil(() => server.Clients.Count == 2, "both streams started");
        byte[] jpeg = new byte[256 * 1024];
        for (int i = 0; i < 40; i++)
        {
            jpeg.AsSpan().Fill((byte)i);
            frames.Publish(jpeg, Stopwatch.GetTimestamp());
            Assert.Equal((byte)i, reader.NextJpeg()[1000]);
        }
        stalled.Dispose();
    }

    [Fact]
    public void FrameJpg_GivesItsFrameBack_ThePoolDoesNotGrow()
    {
        using var frames = new Published();
        using var server = Serve(frames.Frames);
        for (int i = 0; i < 5; i++)
            Assert.StartsWith("HTTP/1.1 200 OK", Get(server.Endpoint, "/frame.jpg"));
        for (int i = 0; i < 10; i++)
            frames.Frames.Publish(s_jpeg, Stopwatch.GetTimestamp());
        Assert.Equal(2, frames.Frames.FramesMade); // the current frame and the one being filled, taking turns
    }

    [Theory]
    [InlineData("GET stream HTTP/1.1\r\n\r\n", "HTTP/1.1 400")]
    [InlineData("GET / HTTP/2.0\r\n\r\n", "HTTP/1.1 400")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.1 400")]
    [InlineData("GET / HTTP/1.1\r\n folded: x\r\n\r\n", "HTTP/1.1 400")]
    [InlineData("POST / HTTP/1.1\r\n\r\n", "HTTP/1.1 405")]
    [InlineData("GET /nothing HTTP/1.1\r\n\r\n", "HTTP/1.1 404")]
    public void MalformedOrUnknown_AreAnsweredWithTheirStatus(string request, string status)
    {
        using var server = Serve();
        Assert.StartsWith(status, Ask(server.Endpoint, request));
    }

    [Fact]
    public void HeadTooLarge_Is431()
    {
        using var server = Serve();
        // Exactly the limit and no blank line: the server reads all of it (nothing unread to reset the connection).
        string huge = "GET / HTTP/1.1\r\nX-Pad: ";
        huge += new string('a', HttpRequestLine.MaxHeaderBytes - huge.Length);
        Assert.StartsWith("HTTP/1.1 431", Ask(server.Endpoint, huge));
    }

    /// <summary>A LatestJpeg with one frame published.</summary>
    internal sealed class Published : IDisposable
    {
        public LatestJpeg Frames { get; } = new();

        public Published() => Frames.Publish(s_jpeg, Stopwatch.GetTimestamp());

        public void Dispose() => Frames.Close();
    }
}
