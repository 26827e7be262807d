using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LiveSeg.Threading;

namespace LiveSeg.Output;

/// <summary>One connection to <see cref="MjpegServer"/>: its socket, where it is from, and what it is doing.</summary>
internal sealed class ServerConnection(Socket socket, IPAddress address, string remote, long accepted)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _ended;
    private long _sendingSince;
    private int _closed;
    public long Frames;

    public Socket Socket { get; } = socket;

    public IPAddress Address { get; } = address;

    public long Accepted { get; } = accepted;

    public LinkedListNode<ServerConnection>? PendingNode { get; set; }

    public bool IsStream { get; set; }

    public AsyncSignal Signal { get; } = new();

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public bool Ended => Interlocked.Read(ref _ended) != 0;

    public StreamClientReport Report()
    {
        long end = Ended ? Interlocked.Read(ref _ended) : Stopwatch.GetTimestamp();
        return new StreamClientReport(remote, Interlocked.Read(ref Frames), Stopwatch.GetElapsedTime(_started, end).TotalSeconds, !Ended);
    }

    /// <summary>Sends all of <paramref name="bytes"/>; the deadline check closes the connection if it stalls.</summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, IClock clock)
    {
        Volatile.Write(ref _sendingSince, clock.Now);
        try
        {
            while (!bytes.IsEmpty)
            {
                int n = await Socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
                bytes = bytes[n..];
            }
        }
        finally
        {
            Volatile.Write(ref _sendingSince, 0);
        }
    }

    public void CloseIfStalled(long now, long limit)
    {
        long since = Volatile.Read(ref _sendingSince);
        if (since != 0 && now - since >= limit)
            Close();
    }

    public void End()
    {
        Interlocked.CompareExchange(ref _ended, Stopwatch.GetTimestamp(), 0);
        Close();
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Socket.Dispose();
        Signal.Set();
    }
}

/// <summary>One client of /stream.mjpg: where from, frames sent, for how long, still connected.</summary>
internal readonly record struct StreamClientReport(string Remote, long Frames, double Seconds, bool Connected)
{
    public double Fps => Seconds > 0 ? Frames / Seconds : 0;
}
