using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Masks;
using LiveSeg.Models;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The virtual camera's colour conversion and format negotiation, checked against hand-computed bytes.</summary>
public sealed class VirtualCameraTests
{
    private static Mat Pixels(int width, int height, params (byte B, byte G, byte R)[] bgr)
    {
        var m = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < bgr.Length; i++)
            m.Set(i / width, i % width, new Vec3b(bgr[i].B, bgr[i].G, bgr[i].R));
        return m;
    }

    [Fact]
    public void Yuyv_IsBt601LimitedRange_ChromaFromThePairsMean()
    {
        // BT.601 limited range by hand: red Y = 16 + 0.256788*255 = 81.48 → 81; blue Y = 16 + 0.097906*255 = 40.97 → 41.
        // Their mean (127.5, 0, 127.5): U = 128 + (−0.148223 + 0.439216)*127.5 = 165.10 → 165,
        // V = 128 + (0.439216 − 0.071427)*127.5 = 174.89 → 175. White: 235/128, black: 16/128.
        using var m = Pixels(4, 2, (0, 0, 255), (255, 0, 0), (255, 255, 255), (255, 255, 255), (0, 0, 0), (0, 0, 0), (0, 255, 0), (0, 255, 0));
        var bytes = new byte[YuvPacker.FrameBytes(YuvLayout.Yuyv, 4, 2)];
        YuvPacker.Pack(m, YuvLayout.Yuyv, bytes);
        // Green: Y = 16 + 0.504129*255 = 144.55 → 145, U = 128 − 0.290993*255 = 53.80 → 54, V = 128 − 0.367788*255 = 34.21 → 34.
        Assert.Equal(new byte[] { 81, 165, 41, 175, 235, 128, 235, 128, 16, 128, 16, 128, 145, 54, 145, 34 }, bytes);
    }

    [Fact]
    public void I420_HasTheYPlaneThenQuarterSizeUAndVPlanes()
    {
        // 4x2: the left 2x2 block is red, green / blue, white — its mean is grey 127.5, so U = V = 128; the right block is
        // all red: U = 128 − 37.80 → 90, V = 128 + 112 → 240 (red in BT.601 limited range).
        using var m = Pixels(4, 2, (0, 0, 255), (0, 255, 0), (0, 0, 255), (0, 0, 255), (255, 0, 0), (255, 255, 255), (0, 0, 255), (0, 0, 255));
        var bytes = new byte[YuvPacker.FrameBytes(YuvLayout.I420, 4, 2)];
        Assert.Equal(12, bytes.Length);
        YuvPacker.Pack(m, YuvLayout.I420, bytes);
        Assert.Equal(new byte[] { 81, 145, 81, 81, 41, 235, 81, 81, /* U */ 128, 90, /* V */ 128, 240 }, bytes);
    }

    [Fact]
    public void Packing_RefusesOddSizes()
    {
        using var m = new Mat(3, 5, MatType.CV_8UC3, Scalar.All(0));
        Assert.Throws<ArgumentException>(() => YuvPacker.Pack(m, YuvLayout.Yuyv, new byte[100]));
    }

    [Fact]
    public void Format_AsksForTheFrameSize_RoundedDownToEven()
    {
        var f = V4l2Format.Wanted(641, 479, YuvLayout.Yuyv);
        Assert.Equal((640, 478, V4l2Format.FourCc("YUYV"), 1280, 640 * 478 * 2), (f.Width, f.Height, f.PixelFormat, f.BytesPerLine, f.SizeImage));
        var i = V4l2Format.Wanted(1280, 720, YuvLayout.I420);
        Assert.Equal(("YU12", 1280, 1280 * 720 * 3 / 2), (V4l2Format.FourCcText(i.PixelFormat), i.BytesPerLine, i.SizeImage));
    }

    [Fact]
    public void Format_TheDriversAnswerWins_AReadersFormatIsKept_AnUnwritableOneIsAnError()
    {
        var wanted = V4l2Format.Wanted(640, 480, YuvLayout.Yuyv);
        // Taken as asked.
        Assert.Equal(wanted, V4l2Format.Choose("/dev/video10", wanted, wanted, busy: false, current: default));
        // The driver kept what a reader holds (1280x720 I420): LiveSeg writes that.
        var held = new V4l2Format(1280, 720, V4l2Format.I420, 1280, 1280 * 720 * 3 / 2);
        Assert.Equal(held, V4l2Format.Choose("/dev/video10", wanted, held, busy: false, current: default));
        // Busy: the current format, with the sizes LiveSeg needs filled in.
        var current = new V4l2Format(320, 240, V4l2Format.Yuyv, 0, 0);
        Assert.Equal(new V4l2Format(320, 240, V4l2Format.Yuyv, 640, 320 * 240 * 2), V4l2Format.Choose("/dev/video10", wanted, null, busy: true, current));
        // Busy in RGB: a one-line error naming the device and the format.
        var rgb = new V4l2Format(640, 480, V4l2Format.FourCc("RGB3"), 1920, 640 * 480 * 3);
        var e = Assert.Throws<LiveSegException>(() => V4l2Format.Choose("/dev/video10", wanted, null, busy: true, rgb));
        Assert.Contains("/dev/video10", e.Message);
        Assert.Contains("RGB3 640x480", e.Message);
        // Refused and not busy: not a loopback device.
        e = Assert.Throws<LiveSegException>(() => V4l2Format.Choose("/dev/video10", wanted, null, busy: false, default));
        Assert.Contains("v4l2loopback", e.Message);
    }

    [Fact]
    public void Device_MissingOrNotAVideoDevice_IsAOneLineErrorSayingWhatToDo()
    {
        var e = Assert.Throws<LiveSegException>(() => V4l2Device.Open("/dev/video-liveseg-missing"));
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("modprobe v4l2loopback", e.Message);
        e = Assert.Throws<LiveSegException>(() => V4l2Device.Open("/dev/null"));
        Assert.Contains("not a video device", e.Message);
    }

    /// <summary>The real device path: only where a v4l2loopback device exists (the project's machines cannot load kernel modules).</summary>
    [SkippableFact]
    public void Device_Loopback_TakesFramesAtTheNegotiatedFormat()
    {
        string? device = Directory.Exists("/sys/devices/virtual/video4linux")
            ? Directory.GetDirectories("/sys/devices/virtual/video4linux").Select(d => "/dev/" + Path.GetFileName(d)).FirstOrDefault(File.Exists)
            : null;
        Skip.If(device is null, "no v4l2loopback device on this machine (sudo modprobe v4l2loopback devices=1 video_nr=10 exclusive_caps=1): the device path is not exercised here");
        using var sink = VirtualCameraSink.Open(device!, 640, 480, YuvLayout.Yuyv);
        using var frame = Synthetic.Frame(3, 640, 480);
        sink.Offer(frame, Stopwatch.GetTimestamp());
        Assert.Contains(device!, sink.Name);
        // The sink's thread writes it; wait (with a hang guard) until it did or failed.
        Assert.True(SpinWait.SpinUntil(() => sink.Delivered > 0 || sink.Failure is not null, 60_000), "the virtual camera never wrote the frame");
        Assert.Null(sink.Failure);
        Assert.Equal(1, sink.Delivered);
    }
}

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

/// <summary>A small HTTP client for the stream: reads the multipart parts of /stream.mjpg as JPEG bytes.</summary>
internal sealed class MjpegClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly BufferedStream _stream;

    public MjpegClient(string url, string path = "/stream.mjpg")
    {
        var uri = new Uri(url);
        _tcp = new TcpClient(uri.Host, uri.Port) { ReceiveTimeout = 60_000 };
        _stream = new BufferedStream(_tcp.GetStream());
        _stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {uri.Host}\r\n\r\n"));
        _stream.Flush();
        Headers = ReadHeaders();
    }

    public string Headers { get; }

    public string ReadHeaders()
    {
        var text = new StringBuilder();
        while (true)
        {
            string line = ReadLine();
            if (line.Length == 0 && text.Length > 0)
                return text.ToString();
            if (line.Length > 0)
                text.Append(line).Append('\n');
        }
    }

    /// <summary>The next part's JPEG bytes.</summary>
    public byte[] NextJpeg()
    {
        string head = ReadHeaders();
        Assert.Contains("--" + MjpegServer.Boundary, head);
        Assert.Contains("Content-Type: image/jpeg", head);
        int length = int.Parse(head.Split('\n').First(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))[15..].Trim());
        var bytes = new byte[length];
        _stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The rest of a non-streaming answer (after the headers).</summary>
    public byte[] Body()
    {
        int length = int.Parse(Headers.Split('\n').First(l => l.StartsWith("Content-Length:", StringComparison.Ordinal))[15..].Trim());
        var bytes = new byte[length];
        _stream.ReadExactly(bytes);
        return bytes;
    }

    private string ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            int b = _stream.ReadByte();
            if (b < 0)
                throw new EndOfStreamException("the server closed the stream");
            if (b == '\n')
                return line.ToString().TrimEnd('\r');
            line.Append((char)b);
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }
}

/// <summary>Live mode's outputs through the real executable, headless (--no-window: EGL, no display needed).</summary>
[Slow]
public sealed class StreamCliTests : IDisposable
{
    private const int Width = 320, Height = 240;
    private readonly TempDir _dir = new();

    private (RunningCli Cli, string Url) StartServing(string effect)
    {
        string clip = _dir.File("moving.mkv");
        Synthetic.WriteVideo(clip, 60, Width, Height, 30);
        string model = Synthetic.ColorKeyModel(_dir);
        var cli = Cli.Start(["live", "--input", clip, "--realtime", "--loop", "--model", model, "--effect", effect, "--no-window",
            "--serve", "127.0.0.1:0"]);
        string line = cli.WaitForLine(l => l.StartsWith("output: stream http://", StringComparison.Ordinal));
        return (cli, line["output: stream ".Length..].Trim());
    }

    [Fact]
    public void Stream_TwoClientsGetChangingFramesOfTheFrameSize_AClientThatDropsBreaksNothing()
    {
        var (cli, url) = StartServing("tint");
        using (cli)
        {
            using var a = new MjpegClient(url);
            using var b = new MjpegClient(url);
            Assert.Contains("multipart/x-mixed-replace; boundary=" + MjpegServer.Boundary, a.Headers);
            // A third client reads one frame and hangs up mid-stream.
            using (var quitter = new MjpegClient(url))
                quitter.NextJpeg();
            var seen = new List<Mat>();
            for (int i = 0; i < 12; i++)
            {
                foreach (var client in new[] { a, b })
                {
                    var image = Cv2.ImDecode(client.NextJpeg(), ImreadModes.Color);
                    Assert.False(image.Empty(), "a part is not a JPEG");
                    Assert.Equal((Width, Height), (image.Width, image.Height));
                    seen.Add(image);
                }
            }
            // The red square moves 2 px a frame: over 12 frames the picture changed.
            double change = seen.Skip(1).Max(m => Cv2.Norm(m, seen[0], NormTypes.L1) / (Width * Height));
            Assert.True(change > 1, $"the stream's frames do not change (largest mean difference {change:F2})");
            // The page and a single frame answer while the stream runs.
            using (var page = new MjpegClient(url, "/"))
                Assert.Contains("/stream.mjpg", Encoding.UTF8.GetString(page.Body()));
            using (var single = new MjpegClient(url, "/frame.jpg"))
            using (var frame = Cv2.ImDecode(single.Body(), ImreadModes.Color))
                Assert.Equal((Width, Height), (frame.Width, frame.Height));
            using (var stats = new MjpegClient(url, "/stats.json"))
                Assert.Contains("\"fps\":", Encoding.UTF8.GetString(stats.Body()));
            cli.Signal("TERM");
            var r = cli.WaitForExit();
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            Assert.Contains("3 stream client(s)", r.Stdout);
            Assert.Contains("(left)", r.Stdout);
            foreach (var m in seen)
                m.Dispose();
        }
    }

    [SkippableFact]
    public void Stream_PageInAHeadlessBrowser_ShowsTheCompositedFrame()
    {
        string? chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);
        Skip.If(chromium is null && !OperatingSystem.IsLinux(), "no Chromium here");
        Assert.True(chromium is not null, "chromium is missing: run scripts/install-deps (apt package chromium)");
        var (cli, url) = StartServing("blur");
        using (cli)
        {
            using (var first = new MjpegClient(url))
                first.NextJpeg(); // the stream is running before the browser opens the page
            string shot = _dir.File("page.png");
            var psi = new ProcessStartInfo(chromium!) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=480,360",
                         $"--user-data-dir={_dir.File("chromium-profile")}", $"--screenshot={shot}", "--timeout=3000", url })
                psi.ArgumentList.Add(a);
            using (var browser = Process.Start(psi)!)
            {
                browser.StandardError.ReadToEndAsync();
                browser.StandardOutput.ReadToEnd();
                Assert.True(browser.WaitForExit(120_000), "chromium hung");
            }
            cli.Signal("TERM");
            cli.WaitForExit();
            using var page = Cv2.ImRead(shot);
            Assert.False(page.Empty(), "chromium wrote no screenshot");
            // The synthetic clip blurred: a blue background (blurring a flat colour keeps it) and the red square. The page
            // is dark grey (#111) around the image, so blue and red pixels can only come from the composited frames.
            using var red = new Mat();
            using var blue = new Mat();
            Cv2.InRange(page, new Scalar(0, 0, 150), new Scalar(90, 90, 255), red);
            Cv2.InRange(page, new Scalar(120, 0, 0), new Scalar(255, 120, 90), blue);
            int area = page.Width * page.Height;
            Assert.True(Cv2.CountNonZero(blue) > area / 10, $"the page shows no stream: {Cv2.CountNonZero(blue)} blue pixels of {area}");
            Assert.True(Cv2.CountNonZero(red) > area / 50, $"the page shows no person (the red square): {Cv2.CountNonZero(red)} red pixels of {area}");
        }
    }

    [Fact]
    public void NoWindow_WithNothingToShowItOn_IsAUserError()
    {
        string model = Synthetic.ColorKeyModel(_dir);
        var r = Cli.Run("live", "--input", model, "--model", model, "--no-window");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--no-window shows nothing by itself", r.Stderr);
    }

    [Fact]
    public void VirtualCamera_Missing_IsAOneLineErrorBeforeAnythingRuns()
    {
        string clip = _dir.File("c.mkv");
        Synthetic.WriteVideo(clip, 5, Width, Height, 30);
        var r = Cli.Run("live", "--input", clip, "--model", Synthetic.ColorKeyModel(_dir), "--no-window", "--virtual-camera", "/dev/video-liveseg-missing");
        Assert.True(r.ExitCode == 2, r.Stdout + r.Stderr);
        Assert.Contains("virtual camera /dev/video-liveseg-missing does not exist", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>The loop and its outputs in-process, headless: a stalled output never stalls the loop.</summary>
public sealed class OutputLoopTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>An output whose work blocks until the test lets it go, as a client that stopped reading would.</summary>
    private sealed class StalledSink : LatestFrameSink
    {
        public readonly ManualResetEventSlim Release = new(false);
        public readonly ManualResetEventSlim Entered = new(false);
        public int Consumed;

        public StalledSink() : base("test-stalled")
        {
        }

        public override string Name => "stalled";

        protected override bool Consume(Mat frame, long captureTimestamp)
        {
            Consumed++;
            Entered.Set();
            Release.Wait();
            return true;
        }
    }

    /// <summary>Keeps a copy of every frame it gets.</summary>
    private sealed class CollectingSink : IFrameSink
    {
        public readonly List<Mat> Frames = [];

        public string Name => "collect";

        public long Delivered => Frames.Count;

        public long Dropped => 0;

        public Exception? Failure => null;

        public void Offer(Mat frame, long captureTimestamp) => Frames.Add(frame.Clone());

        public void Dispose()
        {
            foreach (var f in Frames)
                f.Dispose();
        }
    }

    [Fact]
    public void StalledOutput_DoesNotStallTheLoop_ItsFramesAreDropped_OthersGetEveryFrame()
    {
        string clip = _dir.File("c.mkv");
        Synthetic.WriteVideo(clip, 30, 160, 120, 30);
        var stalled = new StalledSink();
        var collect = new CollectingSink();
        var options = new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(clip), Name = clip },
            Model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null), DeviceChoice.Cpu),
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off },
            Sync = true,
            Headless = true,
            VSync = false,
            OpenOutputs = (_, _, _) => [stalled, collect],
        };
        LiveResult result;
        using var loop = new LiveLoop(options);
        try
        {
            Assert.Contains("no window", loop.RendererDescription);
            result = loop.Run(CancellationToken.None);
            Assert.True(stalled.Entered.Wait(120_000), "the stalled output never got a frame"); // a hang guard, not a timing check
            // Every frame of the file was shown while the output sat in its first frame.
            Assert.Equal(30, result.Displayed);
            Assert.Equal(1, stalled.Consumed);
            Assert.True(stalled.Dropped >= 27, $"only {stalled.Dropped} frames counted as dropped by the stalled output");
            Assert.Equal(30, collect.Frames.Count);
            // The frames the outputs got are the composited ones: the mask effect, white where the red square is.
            var square = Synthetic.SquareAt(29, 160, 120);
            var last = collect.Frames[^1];
            Assert.True(last.At<Vec3b>(square.Y + square.Height / 2, square.X + square.Width / 2).Item1 > 200);
            Assert.True(last.At<Vec3b>(2, 2).Item1 < 50);
        }
        finally
        {
            stalled.Release.Set(); // the loop's end disposes its outputs: the stalled one must be able to finish
        }
    }

    public void Dispose() => _dir.Dispose();
}
