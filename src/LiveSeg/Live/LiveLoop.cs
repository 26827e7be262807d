using System.Collections.Concurrent;
using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using LiveSeg.Threading;
using Silk.NET.OpenGL;

namespace LiveSeg.Live;

/// <summary>What a live session did, for the summary line and the tests.</summary>
internal sealed record LiveResult(long Displayed, long Captured, long Dropped, long LateAtCapture, double Seconds, StageStats[] Stages,
    long RssAfterWarmUp, long RssAtEnd, long ManagedAfterWarmUp, long ManagedAtEnd)
{
    /// <summary>The mask's age when each shown frame was drawn: frames and ms, p50 and p95.</summary>
    public (double P50, double P95) MaskAgeFrames { get; init; }

    public (double P50, double P95) MaskAgeMs { get; init; }

    /// <summary>The steadiness meter's last figures (NaN when it did not run or saw fewer than two masks).</summary>
    public double EdgeErrorWarped { get; init; } = double.NaN;

    public double EdgeErrorStale { get; init; } = double.NaN;
}

/// <summary>
/// Live mode — the window composition of the shared stages, a game loop on the GL thread:
/// capture thread (<see cref="SourceStage"/>) → inference thread (<see cref="SegmentStage"/>, then <see cref="LivePeople"/>
/// with --person) → each <see cref="Step"/>:
/// keys and clicks (<see cref="LiveControls"/>, <see cref="LivePeople"/>) → newest frame + newest mask → <see cref="LiveView"/> (render, HUD, screenshot
/// before the swap) → the outputs (<see cref="OutputSinks"/>: stream, virtual camera, recording, each on its own
/// thread) → swap. The display is a window or, with <see cref="LiveOptions.Headless"/>, nothing visible.
/// Between threads only the newest item is kept (<see cref="Mailbox{T}"/>: latest wins), so latency never builds up;
/// dropped frames are counted. With <see cref="LiveOptions.Sync"/> a frame is shown only with its own mask.
/// <para>The window is made on the constructing thread, which must also call Start/Step/Finish (or Run) and Dispose.</para>
/// </summary>
internal sealed class LiveLoop : IDisposable
{
    /// <summary>The latency summary covers the newest this many displayed frames (memory stays flat however long a session runs).</summary>
    public const int SummaryFrames = 4096;

    /// <summary>Resident memory is sampled after this many displayed frames (buffers, JIT and caches warmed up).</summary>
    public const int WarmUpFrames = 100;

    private readonly LiveOptions _o;
    private readonly CancellationTokenSource _stop = new();
    private readonly SourceStage _source;
    private readonly SegmentStage _segment;
    private readonly ILiveDisplay _window;
    private readonly OutputSinks _outputs;
    private readonly ILiveCompositor _compositor;
    private readonly RollingStats _stats = new();
    private readonly LiveView _view;
    private readonly MotionComp _motion;
    private readonly SteadinessMeter? _steadiness;
    private readonly ConcurrentQueue<int> _keys = new();
    private readonly ConcurrentQueue<(double X, double Y)> _clicks = new();
    private readonly LivePeople? _people;
    private readonly LiveSlots _slots;
    private readonly MetricsRecorder _recorder = MetricsRecorder.Bounded(SummaryFrames);
    private readonly Thread _capture;
    private readonly Thread _inference;
    private Exception? _failure;
    private bool _haveFrame;
    private bool _haveMask;
    private long _lastPresent;
    private long _lastStatus;
    private string? _sourceStatus;
    private long _rssAfterWarmUp;
    private long _managedAfterWarmUp;

    public LiveLoop(LiveOptions options)
    {
        _o = options;
        _source = new SourceStage(options.Source, options.Clock, _stop.Token);
        try
        {
            int inferenceThreads = ThreadBudget.Inference(options.Model.Threads, pipelined: true), renderThreads = ThreadBudget.Render(options.RenderThreads, pipelined: true);
            _segment = new SegmentStage(options.Model with { Threads = inferenceThreads }, options.Mask);
            // People (--person): a person may hide for a second of video and keep their id (as in 'liveseg video').
            if (options.People is { } people)
                _people = new LivePeople(people with { HiddenFrames = Math.Max(1, (int)Math.Round(_source.Fps)) });
            IReadOnlyList<IFrameSink> sinks = options.OpenOutputs?.Invoke(_source.Width, _source.Height, _source.Fps) ?? [];
            try
            {
                _window = options.Headless
                    ? new HeadlessDisplay(_source.Width, _source.Height)
                    : new GlfwWindow(_source.Width, _source.Height, $"LiveSeg — {options.Source.Name}", options.VSync);
            }
            catch
            {
                foreach (var sink in sinks)
                    sink.Dispose();
                throw;
            }
            _outputs = new OutputSinks(_window.Gl, _source.Width, _source.Height, sinks);
            string? firstImage = options.Backgrounds.Count > 0 && !BackgroundVideo.IsVideo(options.Backgrounds[0]) ? options.Backgrounds[0] : null;
            _compositor = RendererChoice.ForLive(options.Renderer, _window, _source.Width, _source.Height, _segment.MaskWidth, _segment.MaskHeight,
                options.Effect, firstImage, renderThreads);
            ThreadsDescription = ThreadBudget.Describe(inferenceThreads, renderThreads, pipelined: true, _compositor is CpuLiveCompositor, options.RenderThreads);
            // A recording runs at the source's measured rate, or at a file's own rate when it is played at processing speed.
            Controls = new LiveControls(options, _segment, _compositor, _window, _source.Width, _source.Height,
                () => _source.AtProcessingSpeed ? _source.Fps : _source.MeasuredFps, _source.AtProcessingSpeed, _people);
            _motion = new MotionComp(options.MotionComp, options.Sync, _source.Width, _source.Height, _source.Fps);
            _steadiness = options.MotionComp == MotionCompMode.Off ? null : new SteadinessMeter(_source.Width, _source.Height);
            _view = new LiveView(_window, _compositor, Controls, _stats, _outputs, () => (_source.Captured, Dropped, _segment.Segmenter, _source.Status), _motion, _steadiness,
                _people);
            _window.KeyPressed += Press;
            _window.Clicked += Click;
            _slots = new LiveSlots(_segment.MaskWidth, _segment.MaskHeight, options.Sync);
            // File played without --realtime: nothing is dropped (back-pressure); a live source or --realtime: latest wins.
            bool backPressure = _source.AtProcessingSpeed;
            _capture = new Thread(() => Guard(() => _slots.CaptureLoop(_source, backPressure, Allocations, _stop.Token))) { Name = "liveseg-capture", IsBackground = true };
            _inference = new Thread(() => Guard(() => _slots.InferenceLoop(_segment, _people, _steadiness, backPressure, Allocations, _stop.Token))) { Name = "liveseg-inference", IsBackground = true };
            _view.WarmUp(_source.Width, _source.Height, _segment.MaskWidth, _segment.MaskHeight);
        }
        catch
        {
            // Whatever was opened (outputs' sockets and devices, the window, the model) is closed again.
            Dispose();
            throw;
        }
    }

    public LiveControls Controls { get; }

    public SourceStage Source => _source;

    public SegmentStage Segment => _segment;

    /// <summary>The people stage and click lock (--person), or null.</summary>
    public LivePeople? People => _people;

    public ILiveDisplay Window => _window;

    /// <summary>The outputs besides the window (not the recording).</summary>
    public IReadOnlyList<IFrameSink> Outputs => _outputs.Sinks;

    public string RendererDescription => $"{_window.Description}; {_compositor.Description}";

    /// <summary>For the header line: whether stale masks are warped to the shown frame, and why.</summary>
    public string MotionDescription => _motion.Describe();

    /// <summary>For the header line: the threads inside inference and the CPU renderer, and why.</summary>
    public string ThreadsDescription { get; } = "";

    /// <summary>Displayed frames' timings (end to end = capture → swap), the newest <see cref="SummaryFrames"/>.</summary>
    public MetricsRecorder Recorder => _recorder;

    /// <summary>Managed bytes allocated by the loop's threads since Start (0 capture, 1 inference, 2 the GL thread's steps).</summary>
    public ThreadAllocations Allocations { get; } = new(3);

    /// <summary>What the loop's threads allocated, the CPU renderer's band threads included.</summary>
    public long AllocatedBytes => Allocations.Total + _compositor.WorkerAllocatedBytes;

    /// <summary>A key press (from the window, or injected by a test); handled at the next step.</summary>
    public void Press(int key) => _keys.Enqueue(key);

    /// <summary>A left click at (<paramref name="x"/>, <paramref name="y"/>), framebuffer pixels from the top-left (from the window, or injected by a test); handled at the next step.</summary>
    public void Click(double x, double y) => _clicks.Enqueue((x, y));

    public LiveResult Run(CancellationToken cancel)
    {
        Start();
        try
        {
            while (Step(cancel))
            {
            }
        }
        finally
        {
            Finish();
        }
        if (_failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
        return new LiveResult(_recorder.Count, _source.Captured, Dropped, _source.Skipped, _recorder.ElapsedSeconds,
            LatencySummary.Compute(_recorder.Records), _rssAfterWarmUp, Environment.WorkingSet,
            _managedAfterWarmUp, GC.GetTotalMemory(forceFullCollection: true))
        {
            MaskAgeFrames = _motion.Ages.Frames(),
            MaskAgeMs = _motion.Ages.Milliseconds(),
            EdgeErrorWarped = _steadiness?.WarpedError ?? double.NaN,
            EdgeErrorStale = _steadiness?.StaleError ?? double.NaN,
        };
    }

    public void Start()
    {
        Allocations.Begin(2);
        if (_o.RecordFromStart)
        {
            Controls.Do(LiveAction.Record);
            // A recording asked for on the command line may be the session's only output: not starting is an error.
            if (Controls.RecordingError is { } why)
                Throw.User($"--record: the recording could not start ({why.TrimEnd('.')}): choose a writable --output-folder.");
        }
        _recorder.Start();
        _capture.Start();
        _inference.Start();
    }

    /// <summary>One turn of the game loop. False when the session is over (closed, --frames reached, input ended, failed).</summary>
    public bool Step(CancellationToken cancel = default)
    {
        if (_outputs.Failure is { } sinkFailure)
            Interlocked.CompareExchange(ref _failure, sinkFailure, null);
        if (_window.ShouldClose || cancel.IsCancellationRequested || _failure is not null)
            return false;
        _window.PollEvents();
        bool keys = !_keys.IsEmpty || !_clicks.IsEmpty;
        while (_keys.TryDequeue(out int key))
            Controls.Handle(key);
        while (_clicks.TryDequeue(out var click))
            Controls.Click(click.X, click.Y, _window.FramebufferSize, _source.Width, _source.Height);
        if (_people?.TakeAnswer() is { } answer)
            Controls.Say(answer);
        bool newMask = _slots.Results.TryTake(ref _slots.Result);
        // A frame is taken for display only once a mask exists to show it with: taken earlier it would be used up unseen
        // (a file at processing speed then lost its first frames, uncounted); waiting, the mailbox counts it if replaced.
        bool newFrame = _o.Sync ? newMask : (_haveMask || newMask) && _slots.ToDisplay.TryTake(ref _slots.Frame);
        _haveMask |= newMask;
        _haveFrame |= newFrame;
        if (!newFrame && !newMask)
        {
            if (_slots.Drained)
                return false;
            // Nothing new: redraw only for the HUD (4 times a second) or after a key; otherwise yield.
            if (!keys && Stopwatch.GetElapsedTime(_lastPresent) < TimeSpan.FromMilliseconds(250))
            {
                Thread.Sleep(1);
                return true;
            }
        }
        bool shownNew = newFrame && _haveMask;
        bool last = shownNew && _o.MaxFrames > 0 && _recorder.Count + 1 >= _o.MaxFrames;
        if (last && _o.ScreenshotPath is not null)
            Controls.PendingScreenshot = _o.ScreenshotPath;
        if (_haveFrame)
            Controls.UpdateBackground(Shown.TimestampNs);
        FrameTiming timing = _view.Draw(Shown, _slots.Result, _haveFrame && _haveMask, shownNew);
        _window.SwapBuffers();
        _outputs.Collect(ref timing);
        _lastPresent = Stopwatch.GetTimestamp();
        if (shownNew)
        {
            _recorder.Add(Shown.Index, ref timing);
            if (_recorder.Count == WarmUpFrames)
                (_rssAfterWarmUp, _managedAfterWarmUp) = (Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false));
            _stats.Add(timing.Ticks, _lastPresent);
        }
        EchoSourceStatus();
        if (_outputs.Sinks.Count > 0 && _o.Clock.Now - _lastStatus > Stopwatch.Frequency / 2)
            UpdateStatus();
        Allocations.Update(2);
        return !last;
    }

    /// <summary>The source's status (lost, reconnecting, back) on the console too, once per change (the HUD shows it all along).</summary>
    private void EchoSourceStatus()
    {
        string? status = _source.Status;
        if (ReferenceEquals(status, _sourceStatus))
            return;
        if (status is not null || _sourceStatus is not null)
            Console.WriteLine(status is null ? $"liveseg: {_o.Source.Name}: frames again" : $"liveseg: {status}");
        _sourceStatus = status;
    }

    /// <summary>The figures the stream's page shows (twice a second on <see cref="LiveOptions.Clock"/>; never per frame).</summary>
    private void UpdateStatus()
    {
        _lastStatus = _o.Clock.Now;
        _stats.Compute();
        var segmenter = _segment.Segmenter;
        _o.Status.Update(_stats, segmenter.Manifest.Name, segmenter.Provider, Controls.Describe(), _source.Captured, Dropped, _view.RefreshOutputsSummary(),
            _motion, _steadiness);
    }

    /// <summary>Stops the threads, ends a recording, and takes the --screenshot if the input ended before --frames.</summary>
    public void Finish()
    {
        _stop.Cancel();
        _slots.CloseAll();
        _capture.Join();
        _inference.Join();
        _recorder.Stop();
        if (_o.ScreenshotPath is not null && !File.Exists(_o.ScreenshotPath) && _haveFrame && _haveMask)
        {
            Controls.PendingScreenshot = _o.ScreenshotPath;
            _view.Draw(Shown, _slots.Result, ready: true, recordFrame: false);
        }
        Controls.StopRecording();
    }

    private FrameSlot Shown => _o.Sync ? _slots.Result : _slots.Frame;

    private void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _stop.Cancel();
        }
    }

    /// <summary>Frames captured but never shown: pacing skips plus frames replaced in a mailbox before display took them.</summary>
    private long Dropped => _source.Skipped + _slots.Dropped;

    public void Dispose()
    {
        if (_window is not null)
        {
            _window.KeyPressed -= Press;
            _window.Clicked -= Click;
        }
        Controls?.StopRecording();
        Controls?.Dispose();
        _outputs?.Dispose();
        _view?.Dispose();
        _compositor?.Dispose();
        _window?.Dispose();
        _segment?.Dispose();
        _people?.Dispose();
        _slots?.Dispose();
        _source.Dispose();
        _stop.Dispose();
    }
}
