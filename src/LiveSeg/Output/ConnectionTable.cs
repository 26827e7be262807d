using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LiveSeg.Output;

/// <summary>
/// The connections of <see cref="MjpegServer"/> and their caps (<see cref="MjpegServerOptions"/>), under one lock: the
/// pending ones (no complete request head yet; beyond the caps the oldest is closed), the clients of /stream.mjpg (in all
/// and per address), the other answers being sent (the page reserve), and the stream clients' reports kept for the
/// summary. <see cref="CheckDeadlines"/> closes idle pending connections and stalled sends.
/// </summary>
internal sealed class ConnectionTable(MjpegServerOptions options)
{
    private const int KeptReports = 256;

    private readonly MjpegServerOptions _o = options;
    private readonly object _lock = new();
    private readonly LinkedList<ServerConnection> _pending = new();
    private readonly Dictionary<IPAddress, int> _pendingByAddress = [];
    private readonly List<ServerConnection> _streams = [];
    private readonly Dictionary<IPAddress, int> _streamsByAddress = [];
    private readonly List<ServerConnection> _answering = [];
    private readonly List<ServerConnection> _reports = [];
    private volatile bool _stopping;

    /// <summary>The server is stopping: no connection is admitted, no stream client added.</summary>
    public bool Stopping => _stopping;

    /// <summary>Connections that have not yet sent a complete request.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
                return _pending.Count;
        }
    }

    /// <summary>Clients of /stream.mjpg so far, connected now or not, with their frame counts (for the summary).</summary>
    public IReadOnlyList<StreamClientReport> Reports()
    {
        lock (_lock)
            return _reports.Select(c => c.Report()).ToArray();
    }

    /// <summary>A new connection is pending; beyond the caps the oldest pending one (of its address, or of all) is closed.</summary>
    public ServerConnection? Admit(Socket socket)
    {
        if (socket.RemoteEndPoint is not IPEndPoint remote)
        {
            socket.Dispose();
            return null;
        }
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var c = new ServerConnection(socket, address, remote.ToString(), _o.Clock.Now);
        lock (_lock)
        {
            if (_stopping)
            {
                c.Close();
                return null;
            }
            if (_pendingByAddress.GetValueOrDefault(address) >= _o.MaxPendingPerAddress)
                ClosePendingLocked(OldestPending(address));
            else if (_pending.Count >= _o.MaxPending)
                ClosePendingLocked(_pending.First!.Value);
            c.PendingNode = _pending.AddLast(c);
            _pendingByAddress[address] = _pendingByAddress.GetValueOrDefault(address) + 1;
        }
        return c;
    }

    /// <summary>The connection has sent a complete request head: off the pending list; false when it was not there (closed by a deadline or a newer connection).</summary>
    public bool LeavePending(ServerConnection c)
    {
        lock (_lock)
            return RemovePendingLocked(c);
    }

    /// <summary>Takes a place in the page reserve (false: it is full, and a short 503 is all this connection gets).</summary>
    public bool TakePagePlace(ServerConnection c)
    {
        lock (_lock)
        {
            if (_answering.Contains(c))
                return true;
            if (_answering.Count >= _o.PageReserve)
                return false;
            _answering.Add(c);
            return true;
        }
    }

    /// <summary>
    /// Makes the connection a client of /stream.mjpg, if the caps allow and the server is not stopping; false when not,
    /// with <paramref name="allFull"/> telling whether the cap of all clients (or else that of its address) was reached.
    /// </summary>
    public bool TryAddStream(ServerConnection c, out bool allFull)
    {
        lock (_lock)
        {
            int all = _streams.Count;
            int fromHere = _streamsByAddress.GetValueOrDefault(c.Address);
            allFull = all >= _o.MaxStreams;
            if (all < _o.MaxStreams && fromHere < _o.MaxStreamsPerAddress && !_stopping)
            {
                c.IsStream = true;
                _streams.Add(c);
                _streamsByAddress[c.Address] = fromHere + 1;
                _reports.Add(c);
                if (_reports.Count > KeptReports && _reports.FindIndex(r => r.Ended) is >= 0 and var oldest)
                    _reports.RemoveAt(oldest);
            }
            return c.IsStream;
        }
    }

    /// <summary>Copies the stream clients into <paramref name="buffer"/> (grown when too small); returns how many.</summary>
    public int CopyStreams(ref ServerConnection[] buffer)
    {
        lock (_lock)
        {
            int n = _streams.Count;
            if (buffer.Length < n)
                buffer = new ServerConnection[Math.Max(n, buffer.Length * 2)];
            _streams.CopyTo(buffer);
            return n;
        }
    }

    /// <summary>The connection has ended: off every list (its report stays).</summary>
    public void Remove(ServerConnection c)
    {
        lock (_lock)
        {
            RemovePendingLocked(c);
            if (c.IsStream && _streams.Remove(c))
                Decrement(_streamsByAddress, c.Address);
            _answering.Remove(c);
        }
    }

    /// <summary>Closes pending connections past the header deadline and connections whose send stalled past the send timeout.</summary>
    public void CheckDeadlines()
    {
        long now = _o.Clock.Now;
        long header = Ticks(_o.HeaderTimeout), send = Ticks(_o.SendTimeout);
        lock (_lock)
        {
            while (_pending.First is { } oldest && now - oldest.Value.Accepted >= header)
                ClosePendingLocked(oldest.Value);
            foreach (var c in _streams)
                c.CloseIfStalled(now, send);
            foreach (var c in _answering)
                c.CloseIfStalled(now, send);
        }
    }

    /// <summary>From now on nothing is admitted (see <see cref="Stopping"/>).</summary>
    public void Stop() => _stopping = true;

    /// <summary>Closes every connection still listed.</summary>
    public void CloseAll()
    {
        lock (_lock)
        {
            foreach (var c in _pending.Concat(_streams).Concat(_answering).ToArray())
                c.Close();
        }
    }

    private ServerConnection OldestPending(IPAddress address)
    {
        for (var node = _pending.First; node is not null; node = node.Next)
        {
            if (node.Value.Address.Equals(address))
                return node.Value;
        }
        throw new InvalidOperationException("pending count out of step");
    }

    private void ClosePendingLocked(ServerConnection c)
    {
        RemovePendingLocked(c);
        c.Close();
    }

    /// <summary>Takes the connection off the pending list; false when it was not there (closed by a deadline or a newer connection).</summary>
    private bool RemovePendingLocked(ServerConnection c)
    {
        if (c.PendingNode is null)
            return false;
        _pending.Remove(c.PendingNode);
        c.PendingNode = null;
        Decrement(_pendingByAddress, c.Address);
        return true;
    }

    private static void Decrement(Dictionary<IPAddress, int> counts, IPAddress address)
    {
        int n = counts[address] - 1;
        if (n == 0)
            counts.Remove(address);
        else
            counts[address] = n;
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);
}
