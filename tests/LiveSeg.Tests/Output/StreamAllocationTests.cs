using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LiveSeg.Output;

namespace LiveSeg.Tests;

[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

/// <summary>What streaming allocates, measured process-wide, so alone (no other test running).</summary>
[Collection(nameof(MeasuredAlone))]
public sealed class StreamAllocationTests
{
    [Fact]
    public void Streaming_AllocatesNothingPerClientAndFrame()
    {
        const int Clients = 16;
        var frames = new LatestJpeg();
        using var server = new MjpegServer(new IPEndPoint(IPAddress.Loopback, 0), frames, () => "{}");
        var sockets = new List<Socket>();
        var readers = new List<Thread>();
        for (int i = 0; i < Clients; i++)
        {
            var s = StreamServerTests.Idle(server.Endpoint);
            s.Send(Encoding.ASCII.GetBytes("GET /stream.mjpg HTTP/1.0\r\n\r\n"));
            sockets.Add(s);
            var reader = new Thread(() =>
            {
                var buffer = new byte[64 * 1024];
                try
                {
                    while (s.Receive(buffer) > 0)
                    {
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            });
            reader.Start();
            readers.Add(reader);
        }
        Assert.True(SpinWait.SpinUntil(() => server.Clients.Count == Clients, TimeSpan.FromSeconds(60)));
        byte[] jpeg = new byte[40_000];
        long sent = 0;
        Func<bool> allSent = () => server.FramesServed == sent; // made once: a lambda made per frame would be the allocation measured
        void Frames(int n)
        {
            for (int i = 0; i < n; i++)
            {
                jpeg[0] = (byte)i;
                frames.Publish(jpeg, Stopwatch.GetTimestamp());
                sent += Clients;
                Assert.True(SpinWait.SpinUntil(allSent, TimeSpan.FromSeconds(60)), "hang guard");
            }
        }
        // Allocated per frame in the server's threads (all but this publishing one), over 100 frames; the least of
        // three tries, as the runtime now and then grows a queue by a whole segment at once (hundreds of KB).
        double Measure()
        {
            long total = GC.GetTotalAllocatedBytes(precise: true), mine = GC.GetAllocatedBytesForCurrentThread();
            Frames(100);
            long totalAfter = GC.GetTotalAllocatedBytes(precise: true), mineAfter = GC.GetAllocatedBytesForCurrentThread();
            return ((totalAfter - total) - (mineAfter - mine)) / 100.0;
        }
        Frames(100);
        double[] tries = [Measure(), Measure(), Measure()];
        sockets.ForEach(s => s.Dispose());
        readers.ForEach(t => t.Join());
        // Any object made per client and frame (24 B at least) would be 384 B a frame here. (The publishing thread
        // queues one thread-pool work item a frame: the runtime's global queue, about 24 B a frame amortised.)
        Assert.True(tries.Min() < 16, $"bytes per frame for {Clients} clients, three tries: {string.Join(", ", tries)}");
    }
}
