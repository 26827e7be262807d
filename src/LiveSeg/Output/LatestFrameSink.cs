using LiveSeg.Threading;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// A sink with its own thread fed latest-wins: <see cref="Offer"/> copies the frame into a buffer and swaps it into a
/// <see cref="Mailbox{T}"/>; the thread always takes the newest and runs <see cref="Consume"/>. A frame replaced before
/// the thread took it is a drop. Three frame buffers, made at the first frame and reused.
/// </summary>
internal abstract class LatestFrameSink : IFrameSink
{
    private readonly Frame[] _frames = [new(), new(), new()];
    private readonly Mailbox<Frame> _box;
    private readonly Thread _thread;
    private Frame _producer;
    private long _delivered;
    private bool _started;
    private volatile Exception? _failure;

    protected LatestFrameSink(string threadName)
    {
        _box = new Mailbox<Frame>(_frames[0]);
        _producer = _frames[1];
        // Started at the first frame, so a subclass whose constructor fails leaves no thread behind.
        _thread = new Thread(Run) { Name = threadName, IsBackground = true };
    }

    public abstract string Name { get; }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Dropped => _box.Dropped;

    public Exception? Failure => _failure;

    public void Offer(Mat frame, long captureTimestamp)
    {
        if (_failure is not null)
            return;
        if (!_started)
        {
            _started = true;
            _thread.Start();
        }
        frame.CopyTo(_producer.Image);
        _producer.Timestamp = captureTimestamp;
        _producer = _box.Publish(_producer);
    }

    /// <summary>
    /// Does the sink's work with the newest frame (its own thread); false when it chose to skip the frame (not counted
    /// as delivered). An exception stops the sink (<see cref="Failure"/>).
    /// </summary>
    protected abstract bool Consume(Mat frame, long captureTimestamp);

    private void Run()
    {
        Frame mine = _frames[2];
        try
        {
            while (true)
            {
                if (!_box.WaitTake(ref mine, 250))
                {
                    if (_box.IsClosed)
                        break;
                    continue;
                }
                if (Consume(mine.Image, mine.Timestamp))
                    Interlocked.Increment(ref _delivered);
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }

    /// <summary>Stops the thread (after the frame it is working on) and frees the buffers.</summary>
    public virtual void Dispose()
    {
        _box.Close();
        if (_started)
            _thread.Join();
        foreach (Frame f in _frames)
            f.Image.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class Frame
    {
        public Mat Image { get; } = new();

        public long Timestamp;
    }
}
