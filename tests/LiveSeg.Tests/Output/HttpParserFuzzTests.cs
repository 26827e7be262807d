using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveSeg.Output;
using Xunit.Abstractions;

namespace LiveSeg.Tests;

/// <summary>
/// Fuzzing the stream server's request parser: the committed seed corpus (corpus/http) and a fixed-seed mutation loop,
/// deterministic, so every run checks the same inputs. The only outcomes allowed are the documented ones: a request
/// (method a token, path starting with '/'), or a 400-class status (400 or 431) — never an exception. A share of the
/// mutants also goes through a real server, whose answer must be an HTTP status line or a close.
/// </summary>
public sealed class HttpParserFuzzTests(ITestOutputHelper output)
{
    public const int Iterations = 5000;
    private const int ThroughServer = 150;

    private static readonly byte[][] s_tokens =
    [
        "\r\n"u8.ToArray(), "\n"u8.ToArray(), "\r\n\r\n"u8.ToArray(), " "u8.ToArray(), ":"u8.ToArray(), "Host: "u8.ToArray(),
        "["u8.ToArray(), "]"u8.ToArray(), "%"u8.ToArray(), "?"u8.ToArray(), "#"u8.ToArray(), "/"u8.ToArray(), "HTTP/1.1"u8.ToArray(),
        ":65536"u8.ToArray(), ":0"u8.ToArray(), ".evil.com"u8.ToArray(), "\t"u8.ToArray(), [0], [0xFF], [0x7F], [0x80], "\r"u8.ToArray(),
    ];

    public static byte[][] Seeds() =>
        Directory.GetFiles(Path.Combine(Repo.Root, "tests", "LiveSeg.Tests", "corpus", "http")).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();

    /// <summary>The mutants, the same on every run (seeded).</summary>
    public static IEnumerable<byte[]> Inputs()
    {
        var seeds = Seeds();
        foreach (var seed in seeds)
            yield return seed;
        var random = new Random(27);
        for (int i = 0; i < Iterations; i++)
        {
            var bytes = new List<byte>(seeds[random.Next(seeds.Length)]);
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++)
                Mutate(bytes, random, seeds);
            yield return [.. bytes];
        }
    }

    private static void Mutate(List<byte> bytes, Random random, byte[][] seeds)
    {
        int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
        switch (random.Next(7))
        {
            case 0 when bytes.Count > 0:
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                bytes[at] = (byte)random.Next(256);
                break;
            case 2 when bytes.Count > 0:
                bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                break;
            case 3:
                bytes.InsertRange(at, s_tokens[random.Next(s_tokens.Length)]);
                break;
            case 4:
                var other = seeds[random.Next(seeds.Length)];
                int from = random.Next(other.Length);
                bytes.InsertRange(at, other.AsSpan(from, Math.Min(other.Length - from, 1 + random.Next(40))).ToArray());
                break;
            case 5 when bytes.Count > 0:
                int length = Math.Min(bytes.Count - at, 1 + random.Next(16));
                var chunk = bytes.GetRange(at, length);
                for (int r = random.Next(1, 200); r > 0; r--)
                    bytes.InsertRange(at, chunk);
                break;
            default:
                bytes.Insert(at, (byte)random.Next(256));
                break;
        }
    }

    [Fact]
    public void Parser_OnlyEverParsesOrRejectsWith400Class()
    {
        int parsed = 0, rejected = 0, n = 0;
        var statuses = new SortedDictionary<int, int>();
        foreach (var input in Inputs())
        {
            n++;
            HttpRequestLine? request;
            int status;
            try
            {
                int end = HttpRequestLine.HeadEnd(input);
                Assert.InRange(end, -1, input.Length);
                request = HttpRequestLine.Parse(input, out status);
                if (request is { } r)
                    HttpRequestLine.IsLocalHost(r.Host);
                HttpRequestLine.Parse(Encoding.Latin1.GetString(input));
            }
            catch (Exception e)
            {
                Assert.Fail($"input {n} ({Convert.ToBase64String(input)}) threw {e}");
                return;
            }
            if (request is { } ok)
            {
                Assert.Equal(0, status);
                Assert.StartsWith("/", ok.Path);
                Assert.Matches("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", ok.Method);
                parsed++;
            }
            else
            {
                Assert.Contains(status, new[] { 400, 431 });
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                rejected++;
            }
        }
        Assert.Equal(Seeds().Length + Iterations, n);
        Assert.True(parsed > 100 && rejected > 100, $"the mutants should reach both outcomes: {parsed} parsed, {rejected} rejected");
        output.WriteLine($"{n} inputs: {parsed} parsed, {rejected} rejected ({string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))})");
    }

    [Slow]
    [Fact]
    public void Server_AnswersMutantsWithAStatusOrACloses()
    {
        var frames = new LatestJpeg();
        frames.Publish([0xFF, 0xD8, 0xFF, 0xD9], 0);
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames, () => "{}",
            new MjpegServerOptions { HeaderTimeout = TimeSpan.FromMilliseconds(100), CheckInterval = TimeSpan.FromMilliseconds(20) });
        var answers = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in Inputs().Where((_, i) => i % (Iterations / ThroughServer) == 0))
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 60_000 };
            s.Connect(server.Endpoint);
            var first = new byte[12];
            int got = 0;
            try
            {
                s.Send(input);
                // Not a stream: the answer is a status line (or, for an incomplete head, a close at the deadline).
                int n;
                while (got < first.Length && (n = s.Receive(first, got, first.Length - got, SocketFlags.None)) > 0)
                    got += n;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
            {
            }
            string status = got == 0 ? "closed" : Encoding.Latin1.GetString(first, 0, got);
            Assert.True(status == "closed" || System.Text.RegularExpressions.Regex.IsMatch(status, "^HTTP/1.1 (200|400|403|404|405|431|503)"), $"answer '{status}'");
            answers[status] = answers.GetValueOrDefault(status) + 1;
        }
        output.WriteLine(string.Join(", ", answers.Select(a => $"{a.Key.Trim()}: {a.Value}")));
        Assert.True(answers.Count > 2);
    }
}
