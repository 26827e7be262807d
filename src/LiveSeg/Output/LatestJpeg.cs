namespace LiveSeg.Output;

/// <summary>
/// The newest encoded JPEG, shared by the stream's clients: the encoder thread <see cref="Publish"/>es each frame once,
/// and each client copies it into its own buffer (<see cref="WaitNewer"/>) and sends it outside the lock, so a slow
/// client only ever delays itself. Buffers grow to the largest frame seen and are then reused.
/// </summary>
internal sealed class LatestJpeg
{
    private readonly object _lock = new();
    private byte[] _data = new byte[64 * 1024];
    private int _length;
    private long _sequence;
    private long _captureTimestamp;
    private bool _closed;

    /// <summary>Frames published so far.</summary>
    public long Sequence
    {
        get
        {
            lock (_lock)
                return _sequence;
        }
    }

    public void Publish(ReadOnlySpan<byte> jpeg, long captureTimestamp)
    {
        lock (_lock)
        {
            if (_data.Length < jpeg.Length)
                _data = new byte[jpeg.Length * 5 / 4];
            jpeg.CopyTo(_data);
            _length = jpeg.Length;
            _captureTimestamp = captureTimestamp;
            _sequence++;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for a frame after <paramref name="seen"/> and copies it into
    /// <paramref name="buffer"/> (grown when too small). Returns its sequence number, or <paramref name="seen"/> on timeout
    /// or when closed.
    /// </summary>
    public long WaitNewer(long seen, ref byte[] buffer, out int length, out long captureTimestamp, int timeoutMs)
    {
        lock (_lock)
        {
            long deadline = Environment.TickCount64 + timeoutMs;
            while (_sequence <= seen && !_closed)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_lock, (int)left))
                    break;
            }
            if (_sequence <= seen)
            {
                (length, captureTimestamp) = (0, 0);
                return seen;
            }
            if (buffer.Length < _length)
                buffer = new byte[_data.Length];
            _data.AsSpan(0, _length).CopyTo(buffer);
            (length, captureTimestamp) = (_length, _captureTimestamp);
            return _sequence;
        }
    }

    /// <summary>Wakes every waiting client; waits return at once from now on.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
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
}
