using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LiveSeg.Tests;

/// <summary>
/// <c>liveseg models fetch</c> against registries that misbehave, all on 127.0.0.1 (never the real registry): it ends
/// with the real cause in one line (exit 2), never hangs, reports progress, and leaves installed models as they were.
/// </summary>
[Slow]
public sealed class FetchNetworkTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _models;
    private readonly Dictionary<string, string> _env;

    public FetchNetworkTests()
    {
        _models = Path.Combine(_dir.Path, "models");
        Directory.CreateDirectory(_models);
        foreach (string name in new[] { "body.onnx", "body.json", "body-landscape.onnx", "body-landscape.json", "selfie_segmentation.tflite" })
            File.WriteAllText(Path.Combine(_models, name), "installed " + name);
        _env = new Dictionary<string, string> { ["LIVESEG_MODELS"] = _models, ["CI"] = "true" };
    }

    private Cli.Result Fetch(int port, int timeoutSeconds = 60) =>
        Cli.Start(_env, "models", "fetch", "body", "--force", "--registry", $"http://127.0.0.1:{port}/", "--timeout", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WaitForExit();

    private void AssertModelsUntouched()
    {
        foreach (string path in Directory.GetFiles(_models))
        {
            string name = Path.GetFileName(path);
            if (!name.StartsWith('.'))
                Assert.Equal("installed " + name, File.ReadAllText(path));
        }
        Assert.Equal(5, Directory.GetFiles(_models).Count(f => !Path.GetFileName(f).StartsWith('.')));
    }

    [Fact]
    public void RegistryThatNeverAnswers_TimesOut_NamingTheTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var held = new List<Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true)
                held.Add(await listener.AcceptSocketAsync()); // accepted, read by no one, never answered
        });
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var r = Fetch(port, timeoutSeconds: 1);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"no answer from 127.0.0.1:{port} within 1 s (--timeout)", r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        AssertModelsUntouched();
        listener.Stop();
        foreach (var s in held)
            s.Dispose();
    }

    [Fact]
    public void ClosedPort_IsConnectionRefused()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var r = Fetch(port);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"connection refused by 127.0.0.1:{port}", r.Stderr);
        AssertModelsUntouched();
    }

    [Theory]
    [InlineData("404 Not Found")]
    [InlineData("500 Internal Server Error")]
    public void HttpError_StatusIsInTheMessage(string status)
    {
        using var server = new OneAnswerServer($"HTTP/1.1 {status}\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here\n");
        var r = Fetch(server.Port);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"the registry answered HTTP {status}", r.Stderr);
        Assert.Contains("/@mediapipe/selfie_segmentation/-/selfie_segmentation-0.1.1675465747.tgz", server.Requests.Single());
        AssertModelsUntouched();
    }

    [Fact]
    public void DamagedDownload_ShowsProgress_ThenRefusesIt()
    {
        byte[] body = new byte[300_000];
        new Random(5).NextBytes(body);
        using var server = new OneAnswerServer($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n", body);
        var r = Fetch(server.Port);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("downloaded 0.0 KB / 293.0 KB (0%)", r.Stderr);
        Assert.Contains("downloaded 293.0 KB / 293.0 KB (100%)", r.Stderr);
        Assert.Contains("has integrity sha512-", r.Stderr);
        AssertModelsUntouched();
    }

    [Fact]
    public void AnswerCutShort_IsNamed()
    {
        using var server = new OneAnswerServer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\nonly this");
        var r = Fetch(server.Port);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("fetching @mediapipe/selfie_segmentation", r.Stderr);
        Assert.Matches("closed|broke|sent 9 of 1000", r.Stderr);
        AssertModelsUntouched();
    }

    [Theory]
    [InlineData("0", "1..3600")]
    [InlineData("3601", "1..3600")]
    [InlineData("soon", "whole number")]
    public void Timeout_OutOfRange_IsAOneLineError(string value, string said)
    {
        var r = Cli.Start(_env, "models", "fetch", "body", "--timeout", value).WaitForExit();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--timeout", r.Stderr);
        Assert.Contains(said, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        AssertModelsUntouched();
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Answers every connection with the same bytes once its request headers are in, then closes.</summary>
    private sealed class OneAnswerServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _loop;

        public OneAnswerServer(string head, byte[]? body = null)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            byte[] answer = [.. Encoding.ASCII.GetBytes(head), .. body ?? []];
            _loop = Task.Run(async () =>
            {
                while (true)
                {
                    Socket s;
                    try
                    {
                        s = await _listener.AcceptSocketAsync();
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        return;
                    }
                    using (s)
                    {
                        var request = new StringBuilder();
                        var buffer = new byte[4096];
                        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                        {
                            int n = await s.ReceiveAsync(buffer);
                            if (n == 0)
                                break;
                            request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                        }
                        lock (Requests)
                            Requests.Add(request.ToString());
                        await s.SendAsync(answer);
                        s.Shutdown(SocketShutdown.Both);
                    }
                }
            });
        }

        public int Port { get; }

        public List<string> Requests { get; } = [];

        public void Dispose()
        {
            _listener.Stop();
            _loop.Wait(TimeSpan.FromSeconds(30));
        }
    }
}
