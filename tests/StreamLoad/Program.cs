// A load generator for liveseg's stream server (run by scripts/stream-load; not a test). Loopback only, bounded
// counts, and every mode stops itself after --seconds.
//
//   StreamLoad hold    --port P --count N --seconds S            hold N idle connections (sends nothing), then report
//   StreamLoad measure --port P --pid PID --streams N --seconds S
//        100 streaming clients (each from its own loopback address 127.0.1.x, reading and dropping), then a normal
//        client from 127.0.0.1: page and stats fetch times and its stream's fps; the server's threads and RSS
//        (/proc/PID/status) before, during (peak) and after.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

var options = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2)
    options[args[i].TrimStart('-')] = args[i + 1];
int Opt(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
int port = Opt("port", 0);
int seconds = Math.Clamp(Opt("seconds", 20), 1, 600);
var server = new IPEndPoint(IPAddress.Loopback, port);
using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 30)); // hang guard for the whole run

switch (args.Length > 0 ? args[0] : "")
{
    case "hold":
        return await Hold(Math.Clamp(Opt("count", 10_000), 1, 20_000));
    case "measure":
        return await Measure(Opt("pid", 0), Math.Clamp(Opt("streams", 100), 0, 250));
    default:
        Console.Error.WriteLine("usage: StreamLoad hold --port P --count N --seconds S | measure --port P --pid PID --streams N --seconds S");
        return 2;
}

async Task<int> Hold(int count)
{
    var sockets = new List<Socket>(count);
    int failed = 0;
    using var gate = new SemaphoreSlim(256);
    var clock = Stopwatch.StartNew();
    var tasks = Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync(stop.Token);
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // Spread over 127.0.0.1 .. 127.0.0.50 so the ephemeral ports of one address do not run out.
            s.Bind(new IPEndPoint(new IPAddress([127, 0, 0, (byte)(1 + i % 50)]), 0));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await s.ConnectAsync(server, timeout.Token);
            lock (sockets)
                sockets.Add(s);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref failed);
            s.Dispose();
        }
        finally
        {
            gate.Release();
        }
    }).ToArray();
    await Task.WhenAll(tasks);
    Console.WriteLine($"held {sockets.Count} idle connections ({failed} failed to connect) in {clock.Elapsed.TotalSeconds:0.0} s");
    try
    {
        await Task.Delay(TimeSpan.FromSeconds(seconds), stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
    // How many the server closed meanwhile (readable with nothing to read = end of stream).
    int closed = sockets.Count(s => s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
    Console.WriteLine($"after {seconds} s: {closed} of {sockets.Count} idle connections closed by the server");
    sockets.ForEach(s => s.Dispose());
    return 0;
}

async Task<int> Measure(int pid, int streams)
{
    var before = Proc(pid);
    Console.WriteLine($"server before streams: threads {before.Threads}, RSS {before.RssMb:0.0} MB");
    long peakThreads = before.Threads;
    double peakRss = before.RssMb;
    using var sampling = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            var p = Proc(pid);
            peakThreads = Math.Max(peakThreads, p.Threads);
            peakRss = Math.Max(peakRss, p.RssMb);
            try
            {
                await Task.Delay(200, sampling.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });

    // The streaming clients: each reads and drops what comes, counting bytes.
    long streamBytes = 0;
    int streaming = 0, refused = 0;
    using var streamsStop = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
    var readers = Enumerable.Range(0, streams).Select(i => Task.Run(async () =>
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.Bind(new IPEndPoint(new IPAddress([127, 0, 1, (byte)(1 + i % 250)]), 0));
            await s.ConnectAsync(server, streamsStop.Token);
            await s.SendAsync(Encoding.ASCII.GetBytes($"GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"), streamsStop.Token);
            var buffer = new byte[64 * 1024];
            int n = await s.ReceiveAsync(buffer, streamsStop.Token);
            if (n < 12 || Encoding.ASCII.GetString(buffer, 0, 12) != "HTTP/1.1 200")
            {
                Interlocked.Increment(ref refused);
                return;
            }
            Interlocked.Increment(ref streaming);
            while ((n = await s.ReceiveAsync(buffer, streamsStop.Token)) > 0)
                Interlocked.Add(ref streamBytes, n);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
        }
    })).ToArray();
    await WaitFor(() => streaming + refused == streams, TimeSpan.FromSeconds(30));
    Console.WriteLine($"{streaming} streaming clients ({refused} refused)");
    await Task.Delay(TimeSpan.FromSeconds(2), stop.Token); // let the server settle under the load

    // The normal client.
    var (pageMs, pageStatus, _) = await Fetch("/");
    var (statsMs, statsStatus, statsBefore) = await Fetch("/stats.json");
    Console.WriteLine($"normal client: GET / {pageStatus} in {pageMs:0.0} ms; GET /stats.json {statsStatus} in {statsMs:0.0} ms");
    long bytesBefore = Interlocked.Read(ref streamBytes);
    var window = Stopwatch.StartNew();
    var (frames, streamSeconds, firstLine) = await CountFrames(seconds);
    double otherMbps = (Interlocked.Read(ref streamBytes) - bytesBefore) / window.Elapsed.TotalSeconds / 1e6;
    Console.WriteLine($"normal client stream: {firstLine}; {frames} frames in {streamSeconds:0.0} s = {frames / streamSeconds:0.0} fps " +
        $"(the {streaming} other clients read {otherMbps:0.0} MB/s in all, {otherMbps * 1e6 / Math.Max(1, streaming) / Math.Max(1, frames / streamSeconds) / 1024:0} KB a frame each at that rate)");
    var (_, _, statsAfter) = await Fetch("/stats.json");
    Console.WriteLine($"the live loop's own figures (/stats.json) before and after that window: {statsBefore} | {statsAfter}");
    var during = Proc(pid);
    streamsStop.Cancel();
    await Task.WhenAll(readers);
    sampling.Cancel();
    await sampler;
    Console.WriteLine($"server during load: threads {during.Threads} (peak {peakThreads}), RSS {during.RssMb:0.0} MB (peak {peakRss:0.0}); " +
        $"RSS growth over the run: {peakRss - before.RssMb:+0.0;-0.0} MB");
    return 0;
}

async Task<(double Ms, string Status, string Body)> Fetch(string path)
{
    var clock = Stopwatch.StartNew();
    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    await s.ConnectAsync(server, stop.Token);
    await s.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"), stop.Token);
    var all = new MemoryStream();
    var buffer = new byte[16 * 1024];
    int n;
    while ((n = await s.ReceiveAsync(buffer, stop.Token)) > 0)
        all.Write(buffer, 0, n);
    string text = Encoding.Latin1.GetString(all.ToArray());
    int body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
    return (clock.Elapsed.TotalMilliseconds, text.Length >= 12 ? text[..12] : "(nothing)", body < 0 ? "" : text[(body + 4)..]);
}

async Task<(long Frames, double Seconds, string Status)> CountFrames(int duration)
{
    using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    await s.ConnectAsync(server, stop.Token);
    await s.SendAsync(Encoding.ASCII.GetBytes($"GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"), stop.Token);
    byte[] boundary = Encoding.ASCII.GetBytes("\r\n--liveseg-frame\r\n");
    var buffer = new byte[256 * 1024];
    long frames = 0;
    string status = "";
    int carry = 0;
    var clock = Stopwatch.StartNew();
    using var window = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
    window.CancelAfter(TimeSpan.FromSeconds(duration));
    try
    {
        while (true)
        {
            int n = await s.ReceiveAsync(buffer.AsMemory(carry), window.Token);
            if (n == 0)
                break;
            if (status.Length == 0)
                status = Encoding.ASCII.GetString(buffer, 0, Math.Min(12, carry + n));
            int length = carry + n, at = 0, found;
            while ((found = buffer.AsSpan(at, length - at).IndexOf(boundary)) >= 0)
            {
                frames++; // each part ends with the next boundary
                at += found + boundary.Length;
            }
            carry = Math.Min(length, boundary.Length - 1); // a boundary split across two reads
            buffer.AsSpan(length - carry, carry).CopyTo(buffer);
        }
    }
    catch (OperationCanceledException)
    {
    }
    return (frames, clock.Elapsed.TotalSeconds, status);
}

static async Task WaitFor(Func<bool> condition, TimeSpan limit)
{
    var clock = Stopwatch.StartNew();
    while (!condition() && clock.Elapsed < limit)
        await Task.Delay(50);
}

static (long Threads, double RssMb) Proc(int pid)
{
    long threads = 0, rssKb = 0;
    foreach (string line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("Threads:", StringComparison.Ordinal))
            threads = long.Parse(line[8..].Trim(), CultureInfo.InvariantCulture);
        else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            rssKb = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
    return (threads, rssKb / 1024.0);
}
