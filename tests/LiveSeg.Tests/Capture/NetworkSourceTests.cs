using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LiveSeg.Capture;
using LiveSeg.Pipeline;
using LiveSeg.Threading;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>A stream that Debian's ffmpeg serves on this machine: HTTP MPEG-TS (<c>-listen 1</c>, one client) or UDP MPEG-TS.</summary>
public sealed class LocalStream : IDisposable
{
    private readonly Process _ffmpeg;

    /// <param name="protocol">"http" or "udp".</param>
    /// <param name="port">A free port (<see cref="FreePort"/>).</param>
    /// <param name="source">An ffmpeg lavfi source, e.g. "color=c=red:s=160x120:r=25" or "testsrc=s=160x120:r=25".</param>
    /// <param name="seconds">How long the stream runs.</param>
    /// <param name="realtime">Send at the stream's own rate (-re), like a camera; false: as fast as the reader takes it.</param>
    public LocalStream(string protocol, int port, string source, double seconds, bool realtime = true)
    {
        Url = protocol == "http" ? $"http://127.0.0.1:{port}/live.ts" : $"udp://127.0.0.1:{port}";
        string output = protocol == "http" ? Url : Url + "?pkt_size=1316";
        var psi = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in (string[])["-hide_banner", "-nostdin", "-loglevel", "error", .. realtime ? ["-re"] : (string[])[], "-f", "lavfi", "-i", source,
            "-t", seconds.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-pix_fmt", "yuv420p",
            "-f", "mpegts", .. protocol == "http" ? ["-listen", "1"] : (string[])[], output])
            psi.ArgumentList.Add(a);
        _ffmpeg = Process.Start(psi)!;
        _ffmpeg.ErrorDataReceived += (_, _) => { };
        _ffmpeg.BeginErrorReadLine();
        // An HTTP server is ready once it listens (read from /proc: connecting would use up its only client).
        if (protocol == "http")
            Assert.True(SpinWait.SpinUntil(() => Listening(port) || _ffmpeg.HasExited, TimeSpan.FromSeconds(30)) && !_ffmpeg.HasExited, "the HTTP stream did not start");
    }

    public string Url { get; }

    public bool HasExited => _ffmpeg.HasExited;

    /// <summary>A port nothing listens on now (TCP and UDP), picked by the system.</summary>
    public static int FreePort()
    {
        using var tcp = new TcpListener(IPAddress.Loopback, 0);
        tcp.Start();
        int port = ((IPEndPoint)tcp.LocalEndpoint).Port;
        tcp.Stop();
        return port;
    }

    private static bool Listening(int port)
    {
        string hex = $"0100007F:{port:X4}";
        return File.ReadLines("/proc/net/tcp").Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, _, "0A", ..] && local == hex);
    }

    public void Dispose()
    {
        try
        {
            _ffmpeg.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        _ffmpeg.WaitForExit();
        _ffmpeg.Dispose();
    }
}

/// <summary>
/// Network inputs (issue 25): streams that Debian's ffmpeg serves here — HTTP MPEG-TS and UDP — read through
/// <see cref="FrameSources"/>: frames, size, rate and timestamps; the end of a stream; a stream that stops and comes
/// back (reconnected with back-off, the status saying so); and the CLI's video and live modes on a URL.
/// Waits are on conditions, bounded generously; nothing sleeps.
/// </summary>
[Slow]
public sealed class NetworkSourceTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    [Theory]
    [InlineData("http://cam.local/live.ts", "Network")]
    [InlineData("rtsp://user:secret@cam.local:554/stream", "Network")]
    [InlineData("udp://127.0.0.1:5000", "Network")]
    [InlineData("srt://127.0.0.1:9000", "Network")]
    [InlineData("0", "Camera")]
    [InlineData("frames/%04d.png", "ImageSequence")]
    [InlineData("clip.mp4", "File")]
    [InlineData("ftp://host/clip.mp4", "File")]
    public void FrameSources_TellWhatAnInputNames(string input, string expected)
    {
        var kind = Enum.Parse<SourceKind>(expected);
        Assert.Equal(kind, FrameSources.KindOf(input));
        Assert.Equal(kind is SourceKind.Camera or SourceKind.Network, FrameSources.IsLive(input));
    }

    [Fact]
    public void Describe_HidesAStreamsPassword()
    {
        Assert.Equal("rtsp://user:***@cam.local:554/stream", FrameSources.Describe("rtsp://user:secret@cam.local:554/stream"));
        Assert.Equal("camera 3", FrameSources.Describe("3"));
    }

    [Fact]
    public void Http_FramesArriveWithTheStreamsSizeRateAndTimestamps_UntilItEnds()
    {
        int port = LocalStream.FreePort();
        using var server = new LocalStream("http", port, "color=c=red:s=160x120:r=25", 1.2, realtime: false);
        using var source = FrameSources.Open(server.Url);
        Assert.True(source.IsLive && source.Reconnects && source.TimestampsKnown && !source.FrameRateGuessed);
        Assert.Equal((160, 120, 25.0), (source.Width, source.Height, source.FrameRate));
        using var frame = new Mat();
        var times = new List<long>();
        while (source.Read(frame))
        {
            times.Add(source.FrameTimeNs);
            var px = frame.At<Vec3b>(60, 80);
            Assert.True(px.Item2 > 230 && px.Item0 < 25 && px.Item1 < 25, $"frame {times.Count}: {px} is not red");
        }
        Assert.Equal(30, times.Count); // 1.2 s at 25 fps, to the end of the stream
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i * 40_000_000L), times);
    }

    [Fact]
    public void Udp_IsRead_AndAStalledStreamEnds()
    {
        int port = LocalStream.FreePort();
        var settings = new SourceSettings { StallTimeout = TimeSpan.FromSeconds(1) };
        using var server = new LocalStream("udp", port, "color=c=blue:s=160x120:r=25", 2);
        using var source = FrameSources.Open($"udp://127.0.0.1:{port}", settings);
        Assert.Equal((160, 120), (source.Width, source.Height));
        using var frame = new Mat();
        int frames = 0;
        while (source.Read(frame)) // a UDP sender that stops does not close anything: the watchdog ends the stream
            frames++;
        Assert.True(frames > 5, $"{frames} frames");
        Assert.True(frame.Empty() || frame.At<Vec3b>(60, 80).Item0 > 230);
    }

    [Fact]
    public void Open_OfAStreamThatIsNotThere_IsOneLineNamingIt()
    {
        int port = LocalStream.FreePort();
        var e = Assert.Throws<LiveSegException>(() => FrameSources.Open($"http://user:pw@127.0.0.1:{port}/live.ts"));
        Assert.Equal(2, e.ExitCode);
        Assert.Contains($"input 'http://user:***@127.0.0.1:{port}/live.ts' cannot be read as a video stream", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("udp")]
    public void LiveSource_ThatStopsAndComesBack_IsReconnected_AndTheStatusSaysSo(string protocol)
    {
        int port = LocalStream.FreePort();
        string url = protocol == "http" ? $"http://127.0.0.1:{port}/live.ts" : $"udp://127.0.0.1:{port}";
        var settings = new SourceSettings { StallTimeout = TimeSpan.FromSeconds(1), OpenTimeout = TimeSpan.FromSeconds(5) };
        using var first = new LocalStream(protocol, port, "color=c=blue:s=160x120:r=25", 3);
        using var stop = new CancellationTokenSource();
        using var stage = new SourceStage(new SourceOptions { Open = () => FrameSources.Open(url, settings), Name = url, Reconnect = true },
            SystemClock.Instance, stop.Token);
        Assert.True(stage.IsLive);
        using var backInRed = new ManualResetEventSlim();
        int sequenceOfRed = -1;
        var reader = new Thread(() =>
        {
            using var slot = new FrameSlot(1, 1);
            while (stage.Read(slot))
            {
                if (slot.Image.At<Vec3b>(60, 80).Item2 > 230 && !backInRed.IsSet)
                {
                    sequenceOfRed = slot.Sequence;
                    backInRed.Set();
                }
            }
        }) { IsBackground = true };
        reader.Start();
        try
        {
            // The first stream ends: the stage says so, and retries with back-off.
            Assert.True(SpinWait.SpinUntil(() => stage.Status is not null, Generous), "the end of the stream was not noticed");
            Assert.Contains("reconnecting", stage.Status);
            using var second = new LocalStream(protocol, port, "color=c=red:s=160x120:r=25", 60);
            Assert.True(backInRed.Wait(Generous), "the stream came back but no frame of it arrived");
            Assert.Equal(1, sequenceOfRed); // a new run of frames: smoothing starts afresh
            Assert.Equal(1, stage.Reconnections);
            Assert.True(SpinWait.SpinUntil(() => stage.Status is null, Generous));
        }
        finally
        {
            stop.Cancel(); // unblocks the read (ffmpeg is stopped)
            Assert.True(reader.Join(Generous), "the read did not return after the stop");
        }
    }

    [Fact]
    public void VideoCommand_OnAnHttpStream_ReadsUntilItEnds_AndWritesAPlayableFile()
    {
        int port = LocalStream.FreePort();
        using var server = new LocalStream("http", port, "testsrc=s=160x120:r=25", 1, realtime: false);
        string output = _dir.File("out.mkv");
        var r = Cli.Run("video", server.Url, "-o", output, "--model", Synthetic.ColorKeyModel(_dir), "--codec", "ffv1");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains($"input:  {server.Url} (160x120, 25 fps, live)", r.Stdout);
        var probe = Synthetic.Probe(output);
        Assert.Equal((25, 160, 120), (probe.Frames, probe.Width, probe.Height));
    }

    [Fact]
    public void LiveCommand_OnAnHttpStream_ShowsItsFrames()
    {
        int port = LocalStream.FreePort();
        using var server = new LocalStream("http", port, "testsrc=s=160x120:r=25", 60);
        string shot = _dir.File("shot.png");
        var r = Cli.Run("live", "--input", server.Url, "--no-window", "--screenshot", shot, "--frames", "10", "--model", Synthetic.ColorKeyModel(_dir));
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        Assert.Contains("live", r.Stdout.Split('\n').First(l => l.StartsWith("input:", StringComparison.Ordinal)));
        using var image = Cv2.ImRead(shot);
        Assert.Equal((160, 120), (image.Width, image.Height));
    }

    public void Dispose() => _dir.Dispose();
}
