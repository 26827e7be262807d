using System.Text.Unicode;

namespace LiveSeg.Output;

/// <summary>
/// The newest encoded JPEG, shared by the stream's clients: the encoder thread <see cref="Publish"/>es each frame once,
/// already laid out as a multipart part (part headers, JPEG, next boundary), and every client sends that same buffer
/// (<see cref="Acquire"/> / <see cref="Release"/>: a reference count), so a frame is copied once however many clients
/// there are and a slow client only ever holds the frame it is sending. Frames return to a pool when no one holds them;
/// buffers grow to the largest frame seen and are then reused (no allocation per frame in the steady state).
/// </summary>
internal sealed class LatestJpeg
{
    private static readonly byte[] s_partEnd = System.Text.Encoding.ASCII.GetBytes($"\r\n--{MjpegServer.Boundary}\r\n");

    private readonly object _lock = new();
    private readonly Stack<Frame> _free = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Frame? _current;
    private long _sequence;
    private bool _closed;

    /// <summary>One published frame: its multipart part, and the JPEG inside it.</summary>
    public sealed class Frame
    {
        internal byte[] Buffer = new byte[64 * 1024];
        internal int References;

        public long Sequence { get; internal set; }

        public long CaptureTimestamp { get; internal set; }

        internal int PartLength { get; set; }

        internal int JpegOffset { get; set; }

        internal int JpegLength { get; set; }

        /// <summary>"Content-Type … Content-Length …" CRLF CRLF, the JPEG, CRLF "--boundary" CRLF.</summary>
        public ReadOnlyMemory<byte> Part => Buffer.AsMemory(0, PartLength);

        public ReadOnlyMemory<byte> Jpeg => Buffer.AsMemory(JpegOffset, JpegLength);
    }

    /// <summary>Raised (on the publishing thread) after each new frame, and once on <see cref="Close"/>.</summary>
    public event Action? Published;

    /// <summary>Frames published so far.</summary>
    public long Sequence
    {
        get
        {
            lock (_lock)
                return _sequence;
        }
    }

    /// <summary>Frame buffers made so far: the pool's size (it grows only while clients hold frames).</summary>
    public int FramesMade { get; private set; }

    /// <summary>Completes at the first frame, or when closed.</summary>
    public Task Ready => _ready.Task;

    public void Publish(ReadOnlySpan<byte> jpeg, long captureTimestamp)
    {
        Frame frame;
        lock (_lock)
        {
            if (!_free.TryPop(out frame!))
            {
                frame = new Frame();
                FramesMade++;
            }
        }
        // A frame off the free list is this thread's alone until it is made current.
        int need = 128 + jpeg.Length + s_partEnd.Length;
        if (frame.Buffer.Length < need)
            frame.Buffer = new byte[need * 5 / 4];
        Utf8.TryWrite(frame.Buffer, $"Content-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n", out int head);
        jpeg.CopyTo(frame.Buffer.AsSpan(head));
        s_partEnd.CopyTo(frame.Buffer.AsSpan(head + jpeg.Length));
        (frame.JpegOffset, frame.JpegLength, frame.PartLength) = (head, jpeg.Length, head + jpeg.Length + s_partEnd.Length);
        lock (_lock)
        {
            frame.References = 1; // the store's own
            frame.Sequence = ++_sequence;
            frame.CaptureTimestamp = captureTimestamp;
            var old = _current;
            _current = frame;
            if (old is not null)
                ReleaseLocked(old);
        }
        _ready.TrySetResult();
        Published?.Invoke();
    }

    /// <summary>The newest frame, held until <see cref="Release"/>; null before the first.</summary>
    public Frame? Acquire()
    {
        lock (_lock)
        {
            if (_current is null)
                return null;
            _current.References++;
            return _current;
        }
    }

    public void Release(Frame frame)
    {
        lock (_lock)
            ReleaseLocked(frame);
    }

    private void ReleaseLocked(Frame frame)
    {
        if (--frame.References == 0)
            _free.Push(frame);
    }

    /// <summary>No more frames: the stream's clients are ended.</summary>
    public void Close()
    {
        lock (_lock)
            _closed = true;
        _ready.TrySetResult();
        Published?.Invoke();
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

/// <summary>
/// A wake-up for one waiter, without allocation: <see cref="Set"/> completes the pending <see cref="WaitAsync"/>, or
/// the next one at once if none is pending (several sets before a wait count as one).
/// </summary>
internal sealed class AsyncSignal : System.Threading.Tasks.Sources.IValueTaskSource
{
    private System.Threading.Tasks.Sources.ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private readonly object _lock = new();
    private bool _set;
    private bool _waiting;

    public ValueTask WaitAsync()
    {
        lock (_lock)
        {
            if (_set)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }
            _core.Reset();
            _waiting = true;
            return new ValueTask(this, _core.Version);
        }
    }

    /// <summary>Wakes the waiter (its continuation runs on the thread pool), or the next wait if none is waiting.</summary>
    public void Set()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _set = true;
                return;
            }
            _waiting = false;
        }
        _core.SetResult(true);
    }

    void System.Threading.Tasks.Sources.IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    System.Threading.Tasks.Sources.ValueTaskSourceStatus System.Threading.Tasks.Sources.IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void System.Threading.Tasks.Sources.IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token,
        System.Threading.Tasks.Sources.ValueTaskSourceOnCompletedFlags flags) => _core.OnCompleted(continuation, state, token, flags);
}
