namespace LiveSeg.Threading;

/// <summary>
/// A fixed-capacity FIFO between two pipeline threads (a ring buffer under a lock: nothing is allocated after
/// construction). <see cref="Add"/> blocks while full (back-pressure: file mode never drops a frame); <see cref="TryTake"/>
/// blocks while empty and returns false once the queue is completed and drained, or aborted.
/// </summary>
internal sealed class BoundedQueue<T> where T : class
{
    private readonly T?[] _items;
    private readonly object _lock = new();
    private int _head;
    private int _count;
    private bool _completed;
    private bool _aborted;

    public BoundedQueue(int capacity) => _items = new T?[capacity];

    public int Count
    {
        get
        {
            lock (_lock)
                return _count;
        }
    }

    /// <summary>Adds an item, waiting for room. Returns false (item not added) if the queue was aborted or completed.</summary>
    public bool Add(T item)
    {
        lock (_lock)
        {
            while (_count == _items.Length && !_aborted)
                Monitor.Wait(_lock);
            if (_aborted || _completed)
                return false;
            _items[(_head + _count) % _items.Length] = item;
            _count++;
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Takes the oldest item, waiting for one. False when completed and empty, or aborted.</summary>
    public bool TryTake(out T item)
    {
        lock (_lock)
        {
            while (_count == 0 && !_completed && !_aborted)
                Monitor.Wait(_lock);
            if (_aborted || _count == 0)
            {
                item = null!;
                return false;
            }
            item = _items[_head]!;
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>No more items will be added (a later Add returns false); takers drain what is left, then get false.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Stops everything: blocked and future Add/TryTake return false at once (used when a stage fails).</summary>
    public void Abort()
    {
        lock (_lock)
        {
            _aborted = true;
            Monitor.PulseAll(_lock);
        }
    }
}
