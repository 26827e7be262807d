using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Media;
using LiveSeg.Metrics;
using LiveSeg.Output;
using LiveSeg.Rendering;
using LiveSeg.Threading;

namespace LiveSeg.Pipeline;

/// <summary>
/// Segments a video file end to end — the file composition of the shared stages:
/// <see cref="SourceStage"/> → <see cref="SegmentStage"/> → the compositor (<see cref="GlCompositor"/>: upload,
/// composite, read-back; or <see cref="FastCpuCompositor"/>, as <see cref="RendererChoice"/> picks) → <see cref="VideoFileSink"/>
/// (FFmpeg: each frame at its input time, the input's sound carried over; with <see cref="MatteStage"/> for a
/// transparent background or a matte beside the output; with auto-framing, <see cref="CropStage"/> crops each picture
/// to the slot's <see cref="FrameSlot.Crop"/> first). The constructor validates every input and opens every resource (the output last, so
/// a bad input leaves no file); <see cref="Run"/> processes the frames.
/// <para>Pipelined (default): decode, inference, GL and encode each on their own thread, joined by bounded queues;
/// order is kept and nothing is dropped (back-pressure). Sequential: the same stages, one after another, one thread.</para>
/// <para>The GL context is current on the constructing thread: call <see cref="Run"/> and <see cref="Dispose"/> there.</para>
/// </summary>
internal sealed class VideoPipeline : IDisposable
{
    private const int PoolSize = 5;
    private const int QueueCapacity = 2;

    private readonly VideoSettings _job;
    private readonly CancellationTokenSource _stopCapture = new();
    private readonly List<IDisposable> _owned = [];
    private readonly SourceStage _source;
    private readonly SegmentStage _segment;
    private readonly LiveSeg.People.PeopleStage? _people;
    private readonly Action<FrameSlot> _infer;
    private readonly ICompositor _compositor;
    private readonly VideoFileSink _sink;
    private readonly VideoFileSink? _matteSink;
    private readonly MatteStage? _matte;
    private readonly CropStage? _crop, _matteCrop;
    private readonly long _startNs;
    private readonly FrameSlot[] _slots;
    private readonly BackgroundVideo? _background;
    private readonly Action<OpenCvSharp.Mat> _setBackground = _ => { };
    private bool _captureBusy;
    private int _warmUpLeft;
    private RangeSource? _range;

    public VideoPipeline(VideoSettings job)
    {
        _job = job;
        try
        {
            var pixels = job.Alpha ? RawPixels.Bgra32 : RawPixels.Bgr24;
            VideoOutput Output(int w, int h, MediaContext media) => new(job.Output, w, h, pixels, job.Encode, media);
            VideoOutput Matte(int w, int h, MediaContext media) => new(job.MattePath!, w, h, RawPixels.Gray8, job.Encode with { Codec = VideoCodec.Auto, Crf = null }, media);
            var unknown = new MediaContext(null, null, default);
            if (!VideoFileSource.IsPattern(job.Output))
                OutputCheck.File(job.Output, "output", job.Inputs);
            VideoFileSink.Plan(Output(0, 0, unknown));
            if (job.MattePath is not null)
            {
                if (!VideoFileSource.IsPattern(job.MattePath))
                    OutputCheck.File(job.MattePath, "matte", [.. job.Inputs, new(job.Output, "output video")]);
                VideoFileSink.Plan(Matte(0, 0, unknown));
            }
            // Any source (file, image sequence, camera, stream); a live one is read until it ends or the run is stopped.
            // Sound, exact rates and time base come from a file only (a stream is not probed: an HTTP server made with
            // -listen 1 serves one client, which the probe would use up).
            MediaInfo? info = FrameSources.KindOf(job.Input) == SourceKind.File ? MediaInfo.Probe(job.Input) : null;
            var sourceSettings = new SourceSettings { AllowGaps = job.AllowGaps };
            _source = Own(new SourceStage(new SourceOptions { Open = () => OpenSource(job, info, sourceSettings), Name = FrameSources.Describe(job.Input), HoldAfter = SourceOptions.HoldAfterFromEnvironment() },
                SystemClock.Instance, _stopCapture.Token));
            _warmUpLeft = job.WarmUp;
            Media = new MediaContext(info is null ? null : job.Input, info, info?.NominalRate is { IsValid: true } r ? r : Rational.FromDouble(_source.Fps));
            _startNs = (long)Math.Round((info?.VideoStart ?? 0) * 1e9);
            // Checked at the frame size before the model loads; the sinks are made last, from these plans.
            var output = Output(_source.Width, _source.Height, Media);
            var outputPlan = VideoFileSink.Plan(output);
            var matte = job.MattePath is null ? null : Matte(_source.Width, _source.Height, Media);
            var mattePlan = matte is null ? null : VideoFileSink.Plan(matte);
            bool pipelined = !job.Sequential;
            int inferenceThreads = ThreadBudget.Inference(job.Model.Threads, pipelined), renderThreads = ThreadBudget.Render(job.RenderThreads, pipelined);
            _segment = Own(new SegmentStage(job.Model with { Threads = inferenceThreads }, job.Mask));
            // People (--person): on the inference thread, right after the mask; a person may hide for a second of video.
            if (job.People is { } people)
                _people = Own(new LiveSeg.People.PeopleStage(people with { HiddenFrames = Math.Max(1, (int)Math.Round(_source.Fps)) }));
            _infer = _people is null ? _segment.Segment : Infer;
            // A video background is decoded ahead on its own thread and handed to the compositor before each frame.
            bool moving = job.Effect.Effect == EffectKind.Replace && job.BackgroundPath is { } bg && BackgroundVideo.IsVideo(bg);
            if (moving)
                _background = Own(new BackgroundVideo(job.BackgroundPath!, _source.Width, _source.Height, waitForFrames: true));
            var renderer = RendererChoice.ForVideo(job.Renderer, _source.Width, _source.Height, _segment.MaskWidth, _segment.MaskHeight,
                job.Effect, moving ? null : job.BackgroundPath, renderThreads);
            if (renderer.Context is not null)
                Own(renderer.Context);
            _compositor = Own(renderer.Compositor);
            _setBackground = _compositor.SetBackground;
            RendererDescription = renderer.Description;
            ThreadsDescription = ThreadBudget.Describe(inferenceThreads, renderThreads, pipelined, renderer.Context is null, job.RenderThreads);
            _slots = new FrameSlot[job.Sequential ? 1 : PoolSize];
            for (int i = 0; i < _slots.Length; i++)
                _slots[i] = Own(new FrameSlot(_segment.MaskWidth, _segment.MaskHeight));
            if (job.Alpha || job.MattePath is not null)
                _matte = Own(new MatteStage(_source.Width, _source.Height, _segment.MaskWidth, _segment.MaskHeight, job.Effect, job.Effect.Effect == EffectKind.Mask));
            // Auto-framing (--autoframe): the people stage moves the slot's crop; each finished picture is cropped to it.
            if (job.People is { AutoFrame: > 0 })
            {
                _crop = Own(new CropStage());
                if (job.MattePath is not null)
                    _matteCrop = Own(new CropStage());
            }
            _sink = new VideoFileSink(output, outputPlan);
            if (matte is not null)
            {
                try
                {
                    _matteSink = new VideoFileSink(matte, mattePlan);
                }
                catch
                {
                    _sink.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            DisposeOwned();
            throw;
        }
        int expected = _source.FrameCount > 0 ? Math.Max(0, _source.FrameCount - job.WarmUp) : 0;
        ExpectedFrames = job.MaxFrames > 0 && (expected == 0 || job.MaxFrames < expected) ? job.MaxFrames : expected;
        Recorder = new MetricsRecorder(ExpectedFrames > 0 ? ExpectedFrames : 1024); // it grows past its first capacity
    }

    public SourceStage Source => _source;

    /// <summary>A range's start was reached by seeking (false: decoded from the start, or no range).</summary>
    public bool Seeked => _range?.Seeked ?? false;

    public VideoFileSink Sink => _sink;

    /// <summary>The matte's writer (--matte), or null.</summary>
    public VideoFileSink? MatteSink => _matteSink;

    /// <summary>The input's exact rate, time base and other streams (sound), as the output carries them.</summary>
    public MediaContext Media { get; }

    public OnnxSegmenter Segmenter => _segment.Segmenter;

    /// <summary>
    /// The renderer, e.g. "CPU renderer, 2 threads (auto: OpenGL here is software, llvmpipe …)" or "NVIDIA H100 …/PCIe/SSE2
    /// via EGL device", and how mask edges are made.
    /// </summary>
    public string RendererDescription { get; } = "";

    /// <summary>For the header line: the threads inside inference and the CPU renderer, and why.</summary>
    public string ThreadsDescription { get; } = "";

    /// <summary>The frames this run will process: the container's count (or --max-frames, if fewer); 0 when unknown.</summary>
    public int ExpectedFrames { get; }

    /// <summary>Finished frames so far (readable from any thread, for progress) and, at the end, every frame's timings.</summary>
    public MetricsRecorder Recorder { get; }

    /// <summary>Managed bytes the run's own threads allocated while processing frames (capture, inference, GL, encode).</summary>
    public ThreadAllocations Allocations { get; } = new(4);

    /// <summary>What the run's threads allocated, the CPU renderer's band threads included.</summary>
    public long AllocatedBytes => Allocations.Total + _compositor.WorkerAllocatedBytes;

    /// <summary>True once the output file was checked and put in place (false: no frame, or not yet finished).</summary>
    public bool OutputWritten { get; private set; }

    /// <summary>True once the matte (--matte) was checked and put in place.</summary>
    public bool MatteWritten { get; private set; }

    /// <summary>
    /// Processes the video. Cancelling <paramref name="stop"/> stops capture (even a capture blocked on a pipe); every
    /// frame already captured is still finished and written. Cancelling <paramref name="abort"/> drops the frames in
    /// flight too. Either way, and when a stage fails, the frames written so far are finalised, checked and put in
    /// place (<see cref="OutputWritten"/>). Returns true when the whole input was processed.
    /// </summary>
    public bool Run(CancellationToken stop, CancellationToken abort = default)
    {
        using var stopCapture = stop.Register(_stopCapture.Cancel);
        Recorder.Start();
        bool failed = true;
        try
        {
            if (_job.Sequential)
                RunSequential();
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
                MatteWritten = _matteSink?.Finish() ?? false;
            }
            catch (LiveSegException) when (failed)
            {
                // the stage's own failure is the error to report; the output was left as it was
            }
        }
        return !stop.IsCancellationRequested;
    }

    /// <summary>
    /// The input (or the part of it <see cref="VideoSettings.Range"/> asks for, from <see cref="VideoSettings.WarmUp"/>
    /// frames before its start). A variable-rate file is not seeked: its frame numbers cannot be found from times.
    /// </summary>
    private IFrameSource OpenSource(VideoSettings job, MediaInfo? info, SourceSettings settings)
    {
        if (job.Range.IsAll)
            return FrameSources.Open(job.Input, settings);
        bool constantRate = info is null || !info.AverageFrameRate.IsValid || !info.FrameRate.IsValid
            || Math.Abs(info.AverageFrameRate.Value - info.FrameRate.Value) <= 0.01 * info.FrameRate.Value;
        return _range = new RangeSource(job.Input, job.Range.Start - job.WarmUp, job.Range.End, constantRate, job.AllowGaps, job.Range.Start);
    }

    /// <summary>
    /// Reads the next frame to process. The warm-up frames before a range's start are read and segmented here first (on
    /// the capture thread, before any frame goes on: the segmenter is not yet in use elsewhere), and never drawn or written.
    /// </summary>
    private bool Capture(FrameSlot slot, int index)
    {
        for (; _warmUpLeft > 0; _warmUpLeft--)
        {
            if (!_source.Read(slot))
                return false;
            _infer(slot);
        }
        if ((_job.MaxFrames != 0 && index >= _job.MaxFrames) || !_source.Read(slot))
            return false;
        slot.Index = index;
        return true;
    }

    /// <summary>Segment, then keep the chosen people (--person).</summary>
    private void Infer(FrameSlot slot)
    {
        _segment.Segment(slot);
        _people!.Process(slot, _segment.ModelFrame);
    }

    private void Render(FrameSlot slot)
    {
        Submit(slot);
        _compositor.Complete(slot);
    }

    private void Encode(FrameSlot slot)
    {
        long t = System.Diagnostics.Stopwatch.GetTimestamp();
        long time = slot.TimestampNs + _startNs;
        OpenCvSharp.Mat frame = _job.Alpha ? _matte!.MakeBgra(slot) : slot.Output;
        OpenCvSharp.Mat? matte = _matteSink is null ? null : _job.Alpha ? _matte!.Gray : _matte!.MakeGray(slot);
        if (_crop is not null)
        {
            t = slot.Timing.Add(Stage.Encode, t);
            frame = _crop.Apply(frame, slot.Crop, ref slot.Timing);
            if (matte is not null)
                matte = _matteCrop!.Apply(matte, slot.Crop, ref slot.Timing);
            t = System.Diagnostics.Stopwatch.GetTimestamp();
        }
        _sink.Write(frame, time);
        _matteSink?.Write(matte!, time);
        slot.Timing.Add(Stage.Encode, t);
        Recorder.Add(slot.Index, ref slot.Timing);
    }

    private void RunSequential()
    {
        FrameSlot slot = _slots[0];
        Allocations.Begin(0);
        for (int index = 0; Capture(slot, index); index++)
        {
            _infer(slot);
            Render(slot);
            Encode(slot);
            Allocations.Update(0);
        }
    }

    private void RunPipelined(CancellationToken stop, CancellationToken abort)
    {
        var free = new BoundedQueue<FrameSlot>(_slots.Length);
        foreach (var s in _slots)
            free.Add(s);
        var toInfer = new BoundedQueue<FrameSlot>(QueueCapacity);
        var toRender = new BoundedQueue<FrameSlot>(QueueCapacity);
        var toEncode = new BoundedQueue<FrameSlot>(QueueCapacity);
        BoundedQueue<FrameSlot>[] all = [free, toInfer, toRender, toEncode];
        var threads = new StageThreads(() => Array.ForEach(all, q => q.Abort()));

        var capture = threads.Start("liveseg-capture", () =>
        {
            Allocations.Begin(0);
            for (int index = 0; free.TryTake(out var slot) && Capture(slot, index) && toInfer.Add(slot); index++)
                Allocations.Update(0);
        }, toInfer.Complete);
        var infer = threads.Stage("liveseg-inference", toInfer, _infer, toRender, Allocations, 1);
        var encode = threads.Stage("liveseg-encode", toEncode, Encode, free, Allocations, 2);
        // Stop: no frame enters after this, even while capture is blocked in a read. Abort: drop the frames in flight.
        using var onStop = stop.Register(toInfer.Complete);
        using var onAbort = abort.Register(() => Array.ForEach(all, q => q.Abort()));

        // This thread owns the GL context: composite, keeping up to MaxPending frames in flight before reading back.
        var inFlight = new Queue<FrameSlot>(_compositor.MaxPending + 1);
        Allocations.Begin(3);
        threads.Guard(() =>
        {
            while (toRender.TryTake(out var slot))
            {
                Submit(slot);
                Allocations.Update(3);
                inFlight.Enqueue(slot);
                if (inFlight.Count == _compositor.MaxPending && !CompleteOldest(inFlight, toEncode))
                    return;
            }
            while (inFlight.Count > 0 && CompleteOldest(inFlight, toEncode))
            {
            }
        }, toEncode.Complete);

        infer.Join();
        encode.Join();
        // A capture blocked in a read after a stop is left behind (a background thread): its source is then not disposed under it.
        _captureBusy = !capture.Join(stop.IsCancellationRequested || abort.IsCancellationRequested ? TimeSpan.FromSeconds(2) : Timeout.InfiniteTimeSpan);
        threads.ThrowIfFailed();
    }

    /// <summary>Starts compositing a frame, with its background frame first when the background is a video.</summary>
    private void Submit(FrameSlot slot)
    {
        _background?.Update(slot.TimestampNs, _setBackground);
        _compositor.Submit(slot);
    }

    private bool CompleteOldest(Queue<FrameSlot> inFlight, BoundedQueue<FrameSlot> toEncode)
    {
        FrameSlot oldest = inFlight.Dequeue();
        _compositor.Complete(oldest);
        return toEncode.Add(oldest);
    }

    private T Own<T>(T item) where T : IDisposable
    {
        _owned.Add(item);
        return item;
    }

    private void DisposeOwned()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            if (_captureBusy && _owned[i] is SourceStage or FrameSlot)
                continue;
            _owned[i].Dispose();
        }
        _owned.Clear();
    }

    public void Dispose()
    {
        _sink.Dispose();
        _matteSink?.Dispose();
        DisposeOwned();
        _stopCapture.Dispose();
    }
}
