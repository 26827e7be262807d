using System.Diagnostics;
using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using LiveSeg.Threading;
using OpenCvSharp;

namespace LiveSeg.Pipeline;

/// <summary>
/// Where frames come from and how. What a source allows follows from its capabilities (<see cref="IFrameSource.IsLive"/>,
/// <see cref="IFrameSource.Reconnects"/>): pacing and looping apply to files; reconnection to cameras and streams.
/// </summary>
internal sealed record SourceOptions
{
    /// <summary>Opens the source (<see cref="FrameSources.Open"/>); called again to loop a file or reconnect a live source.</summary>
    public required Func<IFrameSource> Open { get; init; }

    /// <summary>"camera 0", the URL or the file name, for messages.</summary>
    public required string Name { get; init; }

    /// <summary>File: deliver frames at the file's frame rate, skipping (and counting) frames when behind, like a camera.</summary>
    public bool Realtime { get; init; }

    /// <summary>File: start again at the end.</summary>
    public bool Loop { get; init; }

    /// <summary>
    /// A source that can reconnect (<see cref="IFrameSource.Reconnects"/>: a camera, a stream) is opened again, with
    /// back-off, when it stops delivering (live mode). False: its end is the end of the run (video mode).
    /// </summary>
    public bool Reconnect { get; init; }

    /// <summary>
    /// For tests of interruption: after this many frames the source gives no more until the run is stopped, so a
    /// signal certainly lands while the run is in progress, with a known number of frames done (0: off).
    /// <see cref="HoldAfterVariable"/> sets it for a whole <c>liveseg video</c> run.
    /// </summary>
    public int HoldAfter { get; init; }

    /// <summary>The environment variable that sets <see cref="HoldAfter"/> for the video pipeline's source.</summary>
    public const string HoldAfterVariable = "LIVESEG_HOLD_AFTER_FRAMES";

    /// <summary><see cref="HoldAfterVariable"/>'s value: a whole number of frames, 0 when unset or not a positive number.</summary>
    public static int HoldAfterFromEnvironment() =>
        int.TryParse(Environment.GetEnvironmentVariable(HoldAfterVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0;
}

/// <summary>
/// The source stage of both compositions: reads frames into slots, stamped at capture (decode time), with pacing,
/// looping and reconnection of live sources (with back-off). Waits go through an <see cref="IClock"/>, so tests drive them without sleeping.
/// Used by one thread (the capture thread); <see cref="Status"/>, <see cref="Captured"/> and <see cref="Skipped"/> may
/// be read from any thread.
/// </summary>
internal sealed class SourceStage : IDisposable
{
    private readonly SourceOptions _o;
    private readonly IClock _clock;
    private readonly CancellationToken _stop;
    private readonly Mat _discard = new();
    private IFrameSource _source;
    private long _start;
    private long _index;
    private int _delivered;
    private int _sequence;
    private long _captured;
    private long _skipped;
    private readonly long[] _stamps = new long[32];
    private int _stampCount;
    private int _restartsWithoutFrame;
    private readonly bool _reconnects;
    private readonly CancellationTokenRegistration _cancel;

    public SourceStage(SourceOptions options, IClock clock, CancellationToken stop)
    {
        _o = options;
        _clock = clock;
        _stop = stop;
        _source = options.Open();
        (Width, Height, Fps, FrameCount) = (_source.Width, _source.Height, _source.FrameRate, _source.FrameCount);
        (FpsWasGuessed, IsLive, _reconnects) = (_source.FrameRateGuessed, _source.IsLive, options.Reconnect && _source.Reconnects);
        _start = -1; // the clock starts at the first read, not at opening (live mode warms up in between)
        _cancel = stop.Register(() => Volatile.Read(ref _source).Cancel()); // a read blocked on a stream's pipe returns
    }

    /// <summary>Frames arrive at the source's own pace (camera, stream): no pacing, no looping.</summary>
    public bool IsLive { get; }

    /// <summary>A file read as fast as it is consumed (not live, no --realtime): its frames have no clock but their index.</summary>
    public bool AtProcessingSpeed => !IsLive && !_o.Realtime;

    /// <summary>Times a live source came back after it stopped delivering.</summary>
    public int Reconnections { get; private set; }

    /// <summary>Frames the source announced when opened (0 when unknown).</summary>
    public int FrameCount { get; }

    /// <summary>True when the source gave no usable frame rate and 30 fps was assumed.</summary>
    public bool FpsWasGuessed { get; }

    public int Width { get; }

    public int Height { get; }

    public double Fps { get; }

    public string Name => _o.Name;

    /// <summary>Frames taken from the source, shown or not (pacing skips included).</summary>
    public long Captured => Interlocked.Read(ref _captured);

    /// <summary>Frames skipped by --realtime pacing because the consumer was more than a frame behind.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>The rate frames really arrive at, over the last 32 (the nominal rate until 8 have come).</summary>
    public double MeasuredFps
    {
        get
        {
            int n = Math.Min(Volatile.Read(ref _stampCount), _stamps.Length);
            if (n < 8)
                return Fps;
            int newest = (_stampCount - 1) % _stamps.Length, oldest = (_stampCount - n) % _stamps.Length;
            double seconds = (_stamps[newest] - _stamps[oldest]) / (double)Stopwatch.Frequency;
            return seconds > 0 ? (n - 1) / seconds : Fps;
        }
    }

    /// <summary>Times a file was restarted (--loop).</summary>
    public int Loops { get; private set; }

    /// <summary>A line for the HUD and the console while a live source is lost; null when all is well.</summary>
    public string? Status { get; private set; }

    /// <summary>Reads the next frame into <paramref name="slot"/>. False at the end of a file (not looped) or when stopped.</summary>
    public bool Read(FrameSlot slot)
    {
        if (_start < 0)
            _start = _clock.Now;
        if (_o.HoldAfter > 0 && _delivered >= _o.HoldAfter)
        {
            _clock.Wait(Timeout.InfiniteTimeSpan, _stop); // held (tests): until the run is stopped
            return false;
        }
        while (!_stop.IsCancellationRequested)
        {
            if (_o.Realtime && !IsLive && !Pace())
                return false;
            long t = Stopwatch.GetTimestamp();
            slot.Timing.Reset(t);
            if (_source.Read(slot.Image))
            {
                slot.TimestampNs = _source.TimestampsKnown && _source.FrameTimeNs is >= 0 and long ns ? ns : (long)Math.Round(_delivered * 1e9 / Math.Max(1e-3, Fps));
                slot.Index = _delivered++;
                slot.Sequence = _sequence;
                _index++;
                slot.Timing.Add(Stage.Decode, t);
                _stamps[_stampCount++ % _stamps.Length] = t;
                Interlocked.Increment(ref _captured);
                Status = null;
                _restartsWithoutFrame = 0;
                return true;
            }
            if (_reconnects)
                Reconnect();
            else if (_o.Loop && !IsLive && _restartsWithoutFrame++ < 2)
                Reopen();
            else
                return false; // the end, or a looped file that gives nothing after restarting: end rather than spin
        }
        return false;
    }

    /// <summary>Realtime file: waits until the next frame is due; frames more than a period late are read and skipped.</summary>
    private bool Pace()
    {
        double period = 1.0 / Math.Max(1, Fps);
        while (!_stop.IsCancellationRequested)
        {
            double due = _index * period, now = (_clock.Now - _start) / (double)Stopwatch.Frequency;
            if (now < due)
            {
                _clock.Wait(TimeSpan.FromSeconds(Math.Min(due - now, 0.1)), _stop);
                continue;
            }
            if (now - due <= period || !_source.Read(_discard))
                return true;
            _index++;
            Interlocked.Increment(ref _captured);
            Interlocked.Increment(ref _skipped);
        }
        return false;
    }

    private void Reopen()
    {
        if (!_source.Rewind())
        {
            _source.Dispose();
            _source = _o.Open();
        }
        _start = _clock.Now;
        _index = 0;
        _sequence++;
        Loops++;
    }

    /// <summary>The waits between tries to reopen a lost live source: doubling from half a second up to 8 s.</summary>
    public static TimeSpan RetryDelay(int attempt) => TimeSpan.FromSeconds(Math.Min(8, 0.5 * Math.Pow(2, Math.Min(attempt, 10))));

    /// <summary>
    /// A live source stopped delivering (a camera unplugged, a stream ended or stalled): say so and open it again with
    /// back-off (<see cref="RetryDelay"/>) until it comes back at the same size.
    /// </summary>
    private void Reconnect()
    {
        var lost = _source;
        Volatile.Write(ref _source, EmptySource.Instance);
        lost.Dispose();
        string why = "stopped delivering frames";
        for (int attempt = 0; !_stop.IsCancellationRequested; attempt++)
        {
            TimeSpan wait = RetryDelay(attempt);
            Status = string.Create(CultureInfo.InvariantCulture, $"{_o.Name} {why}: reconnecting in {wait.TotalSeconds:0.#} s (attempt {attempt + 1})");
            _clock.Wait(wait, _stop);
            if (_stop.IsCancellationRequested)
                return;
            try
            {
                var source = _o.Open();
                if (source.Width == Width && source.Height == Height)
                {
                    Volatile.Write(ref _source, source);
                    if (_stop.IsCancellationRequested)
                        source.Cancel();
                    _sequence++;
                    _start = _clock.Now;
                    _index = 0;
                    Reconnections++;
                    return;
                }
                source.Dispose();
                why = $"came back at another size, not {Width}x{Height}";
            }
            catch (LiveSegException)
            {
            }
        }
    }

    public void Dispose()
    {
        _cancel.Dispose();
        _source.Dispose();
        _discard.Dispose();
    }

    /// <summary>Stands in for a live source that has not come back.</summary>
    private sealed class EmptySource : IFrameSource
    {
        public static readonly EmptySource Instance = new();

        public int Width => 0;

        public int Height => 0;

        public double FrameRate => 0;

        public int FrameCount => 0;

        public bool Read(Mat destination) => false;

        public void Dispose()
        {
        }
    }
}
