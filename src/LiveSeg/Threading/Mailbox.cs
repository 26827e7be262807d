namespace LiveSeg.Threading;

/// <summary>
/// Latest-wins hand-over between two threads (live mode), by swapping buffers: the producer gives its filled item and
/// gets a free one back; the consumer gives its used item and gets the newest one. Nothing is allocated and nothing is
/// copied. An item published while the previous one was still unconsumed replaces it; that one is counted in
/// <see cref="Dropped"/>. So latency never builds up: the consumer always gets the newest item.
/// </summary>
internal sealed class Mailbox<T> where T : class
{
    private readonly object _lock = new();
    private T _middle;
    private bool _fresh;
    private bool _closed;

    /// <param name="spare">The item the mailbox holds before anything is published (it circulates like the others).</param>
    public Mailbox(T spare) => _middle = spare;

    public long Published { get; private set; }

    /// <summary>A published item waits to be taken.</summary>
    public bool HasFresh
    {
        get
        {
            lock (_lock)
                return _fresh;
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
                return _closed;
        }
    }

    public long Dropped { get; private set; }

    /// <summary>Hands over <paramref name="filled"/> and returns a free item (the replaced one, or the consumer's last).</summary>
    public T Publish(T filled)
    {
        lock (_lock)
        {
            if (_fresh)
                Dropped++;
            T free = _middle;
            _middle = filled;
            _fresh = true;
            Published++;
            Monitor.PulseAll(_lock);
            return free;
        }
    }

    /// <summary>If a new item is there, swaps it with <paramref name="mine"/> (which goes back for reuse) and returns true.</summary>
    public bool TryTake(ref T mine)
    {
        lock (_lock)
        {
            if (!_fresh)
                return false;
            (mine, _middle) = (_middle, mine);
            _fresh = false;
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Waits for a new item (see <see cref="TryTake"/>); false when closed or after <paramref name="timeoutMs"/>.</summary>
    public bool WaitTake(ref T mine, int timeoutMs)
    {
        lock (_lock)
        {
            if (!WaitWhileFresh(false, timeoutMs) || !_fresh)
                return false;
            (mine, _middle) = (_middle, mine);
            _fresh = false;
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Back-pressure for sources that must not drop (a file played as fast as it is consumed): waits until the last item was taken.</summary>
    public bool WaitUntilTaken(int timeoutMs)
    {
        lock (_lock)
            return WaitWhileFresh(true, timeoutMs) && !_closed;
    }

    /// <summary>Waits (under the lock) while "an item is fresh" equals <paramref name="fresh"/> and the box is open; false on timeout.</summary>
    private bool WaitWhileFresh(bool fresh, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        while (_fresh == fresh && !_closed)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0 || !Monitor.Wait(_lock, (int)left))
                return false;
        }
        return true;
    }

    /// <summary>Wakes every waiter; waits return false from now on.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }
}
