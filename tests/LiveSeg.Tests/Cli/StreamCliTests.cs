using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using LiveSeg.Output;
using OpenCvSharp;

namespace LiveSeg.Tests;

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
