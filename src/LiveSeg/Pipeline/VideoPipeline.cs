using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Pipeline;

/// <summary>
/// Segments a video file end to end: capture → preprocess → infer → postprocess (+ temporal smoothing) → upload →
/// composite → read-back → encode. The constructor validates every input and opens every resource (the output file last, so a bad input
/// leaves no empty file); <see cref="Run"/> processes the frames.
/// <para>Pipelined (default): decode, inference, GL and encode each run on their own thread, joined by bounded queues;
/// order is kept and nothing is dropped (back-pressure). Sequential: the same stages, one after another on one thread.</para>
/// <para>Threading: the GL context is created by the constructor and is current on the constructing thread, so
/// <see cref="Run"/> and <see cref="Dispose"/> must be called on that thread.</para>
/// </summary>
public sealed class VideoPipeline : IDisposable
{
    private const int PoolSize = 5;
    private const int QueueCapacity = 2;

    private readonly VideoJob _job;
    private readonly VideoFileSource _source;
    private readonly OnnxSegmenter _segmenter;
    private readonly TemporalSmoother _smoother;
    private readonly EglContext _gl;
    private readonly ICompositor _compositor;
    private readonly VideoFileSink _sink;
    private readonly FrameSlot[] _slots;
    private bool _captureBusy;

    public VideoPipeline(VideoJob job)
    {
        _job = job;
        var disposables = new List<IDisposable>();
        try
        {
            VideoFileSink.Validate(job.Output);
            OutputCheck.File(job.Output, "output", Inputs(job));

            _source = Track(new VideoFileSource(job.Input), disposables);
            VideoFileSink.Validate(job.Output, _source.Width, _source.Height);
            _segmenter = Track(new OnnxSegmenter(job.Model, job.Device, job.InferenceThreads), disposables);
            using Mat? background = job.BackgroundPath is null ? null : BackgroundImage.LoadCover(job.BackgroundPath, _source.Width, _source.Height);
            _gl = Track(new EglContext(), disposables);
            _compositor = Track(new GlCompositor(_gl.Gl, new ShaderLibrary(), _source.Width, _source.Height,
                _segmenter.MaskWidth, _segmenter.MaskHeight, job.Effect, background), disposables);
            _smoother = new TemporalSmoother(_segmenter.MaskWidth * _segmenter.MaskHeight, job.Effect.Smoothing);
            _slots = new FrameSlot[job.Sequential ? 1 : PoolSize];
            for (int i = 0; i < _slots.Length; i++)
                _slots[i] = Track(new FrameSlot(_segmenter.MaskWidth, _segmenter.MaskHeight), disposables);
            _sink = new VideoFileSink(job.Output, _source.Fps, _source.Width, _source.Height);
        }
        catch
        {
            for (int i = disposables.Count - 1; i >= 0; i--)
                disposables[i].Dispose();
            throw;
        }
        int expected = _source.FrameCount > 0 ? _source.FrameCount : 1024;
        if (job.MaxFrames > 0)
            expected = Math.Min(expected, job.MaxFrames);
        ExpectedFrames = expected;
        Recorder = new MetricsRecorder(expected);
    }

    /// <summary>Every file a video run reads, for the same-file checks of everything it writes (output, metrics).</summary>
    public static IEnumerable<InputFile> Inputs(VideoJob job) =>
    [
        new(job.Input, "input video"), new(job.Model.OnnxPath, "model"), new(job.Model.ManifestPath, "model manifest"),
        new(job.BackgroundPath, "background image"),
    ];

    public VideoFileSource Source => _source;

    /// <summary>True once the output file was checked and put in place (false: no frame, or not yet finished).</summary>
    public bool OutputWritten { get; private set; }

    public VideoFileSink Sink => _sink;

    public OnnxSegmenter Segmenter => _segmenter;

    /// <summary>GL renderer string and EGL platform, e.g. "llvmpipe (LLVM 15.0.6, 256 bits) via EGL surfaceless".</summary>
    public string RendererDescription => $"{_gl.Renderer} via EGL {_gl.Platform}";

    public int ExpectedFrames { get; }

    /// <summary>Finished frames so far (readable from any thread, for progress) and, at the end, every frame's timings.</summary>
    public MetricsRecorder Recorder { get; }

    /// <summary>
    /// Processes the video. Cancelling <paramref name="stop"/> stops capture (even a capture blocked on a pipe); every
    /// frame already captured is still finished and written. Cancelling <paramref name="abort"/> drops the frames in
    /// flight too. Either way, and when a stage fails, the frames written so far are finalised, checked and put in
    /// place (<see cref="OutputWritten"/>). Returns true when the whole input was processed.
    /// </summary>
    public bool Run(CancellationToken stop, CancellationToken abort = default)
    {
        Recorder.Start();
        bool failed = true;
        try
        {
            if (_job.Sequential)
                RunSequential(stop);
            else
                RunPipelined(stop, abort);
            failed = false;
        }
        finally
        {
            Recorder.Stop();
            try
            {
                OutputWritten = _sink.Finish();
            }
            catch (LiveSegException) when (failed)
            {
                // the stage's own failure is the error to report; the output was left as it was
            }
        }
        return !stop.IsCancellationRequested;
    }

    private bool Capture(FrameSlot slot, int index)
    {
        long t = Stopwatch.GetTimestamp();
        slot.Timing.Reset(t);
        if ((_job.MaxFrames > 0 && index >= _job.MaxFrames) || !_source.Read(slot.Image))
            return false;
        slot.Index = index;
        slot.Timing.Add(Stage.Decode, t);
        return true;
    }

    /// <summary>Preprocess, infer, postprocess (+ temporal smoothing, counted as postprocess) into the slot's mask.</summary>
    private void Segment(FrameSlot slot)
    {
        _segmenter.Segment(slot.Image, slot.ImageArray, slot.Mask, ref slot.Timing);
        long t = Stopwatch.GetTimestamp();
        _smoother.Apply(slot.Mask);
        slot.Timing.Add(Stage.Postprocess, t);
    }

    private void Encode(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        _sink.Write(slot.OutputArray);
        slot.Timing.Add(Stage.Encode, t);
        Recorder.Add(slot.Index, ref slot.Timing);
    }

    private void RunSequential(CancellationToken cancel)
    {
        FrameSlot slot = _slots[0];
        for (int index = 0; !cancel.IsCancellationRequested && Capture(slot, index); index++)
        {
            Segment(slot);
            _compositor.Submit(slot);
            _compositor.Complete(slot);
            Encode(slot);
        }
    }

    private void RunPipelined(CancellationToken cancel, CancellationToken abort)
    {
        var free = new BoundedQueue<FrameSlot>(_slots.Length);
        foreach (var s in _slots)
            free.Add(s);
        var toInfer = new BoundedQueue<FrameSlot>(QueueCapacity);
        var toRender = new BoundedQueue<FrameSlot>(QueueCapacity);
        var toEncode = new BoundedQueue<FrameSlot>(QueueCapacity);
        BoundedQueue<FrameSlot>[] all = [free, toInfer, toRender, toEncode];
        Exception? failure = null;

        void Guard(Action body, BoundedQueue<FrameSlot> output)
        {
            try
            {
                body();
                output.Complete();
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
                foreach (var q in all)
                    q.Abort();
            }
        }

        var capture = new Thread(() => Guard(() =>
        {
            for (int index = 0; !cancel.IsCancellationRequested && free.TryTake(out var slot); index++)
            {
                if (!Capture(slot, index) || !toInfer.Add(slot))
                    break;
            }
        }, toInfer)) { Name = "liveseg-capture", IsBackground = true };

        var infer = new Thread(() => Guard(() =>
        {
            while (toInfer.TryTake(out var slot))
            {
                Segment(slot);
                if (!toRender.Add(slot))
                    break;
            }
        }, toRender)) { Name = "liveseg-inference", IsBackground = true };

        var encode = new Thread(() => Guard(() =>
        {
            while (toEncode.TryTake(out var slot))
            {
                Encode(slot);
                free.Add(slot);
            }
        }, free)) { Name = "liveseg-encode", IsBackground = true };

        capture.Start();
        infer.Start();
        encode.Start();
        // Stop: no frame enters after this, even while capture is blocked in a read (a pipe that delivers nothing).
        using var onStop = cancel.Register(toInfer.Complete);
        using var onAbort = abort.Register(() =>
        {
            foreach (var q in all)
                q.Abort();
        });

        // This thread owns the GL context: composite, keeping up to MaxPending frames in flight before reading back.
        var inFlight = new Queue<FrameSlot>(_compositor.MaxPending + 1);
        Guard(() =>
        {
            while (toRender.TryTake(out var slot))
            {
                _compositor.Submit(slot);
                inFlight.Enqueue(slot);
                if (inFlight.Count == _compositor.MaxPending && !CompleteOldest(inFlight, toEncode))
                    return;
            }
            while (inFlight.Count > 0 && CompleteOldest(inFlight, toEncode))
            {
            }
        }, toEncode);

        infer.Join();
        encode.Join();
        // A capture thread blocked in a read after a stop is left behind (a background thread); the source is then
        // not disposed under it.
        _captureBusy = !(cancel.IsCancellationRequested || abort.IsCancellationRequested ? capture.Join(TimeSpan.FromSeconds(2)) : capture.Join(Timeout.Infinite));
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    private bool CompleteOldest(Queue<FrameSlot> inFlight, BoundedQueue<FrameSlot> toEncode)
    {
        FrameSlot oldest = inFlight.Dequeue();
        _compositor.Complete(oldest);
        return toEncode.Add(oldest);
    }

    private static T Track<T>(T item, List<IDisposable> list) where T : IDisposable
    {
        list.Add(item);
        return item;
    }

    public void Dispose()
    {
        _sink.Dispose();
        if (!_captureBusy)
        {
            foreach (var s in _slots)
                s.Dispose();
        }
        _compositor.Dispose();
        _gl.Dispose();
        _segmenter.Dispose();
        if (!_captureBusy)
            _source.Dispose();
    }
}
