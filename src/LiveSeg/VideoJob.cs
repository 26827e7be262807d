using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Models;
using LiveSeg.Pipeline;
using System.Runtime.ExceptionServices;
using LiveSeg.Rendering;

namespace LiveSeg;

/// <summary>What <see cref="VideoJob.Run"/> does: which file to read and write, with which model and effect.</summary>
public sealed record VideoOptions
{
    /// <summary>The video (or image sequence such as <c>frames/%04d.png</c>) to read. Never written to.</summary>
    public required string Input { get; init; }

    /// <summary>
    /// The video to write, via a temporary file beside it: through Debian's ffmpeg, codec by extension (.mp4/.mov/.mkv
    /// H.264, .webm VP9, .avi Motion JPEG, or a PNG pattern such as <c>out/%05d.png</c>), each frame at its input time,
    /// the input's sound kept. Without ffmpeg, OpenCV's writer (mp4v, MJPEG, FFV1; no sound, constant rate).
    /// </summary>
    public required string Output { get; init; }

    /// <summary>The video codec (default: by the output's extension).</summary>
    public LiveSeg.Media.VideoCodec Codec { get; init; }

    /// <summary>The encoder (default: a hardware encoder that opens, else the CPU).</summary>
    public LiveSeg.Media.VideoEncoder Encoder { get; init; }

    /// <summary>Constant quality, lower is better (null: the codec's default; 0..51 for H.264/HEVC, 0..63 for VP9/AV1).</summary>
    public int? Crf { get; init; }

    /// <summary>Encoder speed as an x264/x265 preset name (null: superfast).</summary>
    public string? Preset { get; init; }

    /// <summary>Carry the input's sound, subtitles, chapters and tags over (default true).</summary>
    public bool KeepAudio { get; init; } = true;

    /// <summary>Write the person over a transparent background (straight alpha) instead of <see cref="Effect"/>: .mov (ProRes 4444), .webm (VP9), .mkv (FFV1) or PNG.</summary>
    public bool TransparentBackground { get; init; }

    /// <summary>Also write the mask itself (8-bit grey, lossless by default) to this file, frame for frame (null: none).</summary>
    public string? MattePath { get; init; }

    /// <summary>A catalogue name (<c>body</c>, …) or an .onnx path.</summary>
    public string Model { get; init; } = "body";

    /// <summary>Where inference runs, threads, smoothing (unset: 0.95, which steadies a video's masks) and a manifest for a bare model file.</summary>
    public SegmenterOptions Segmenter { get; init; } = new();

    /// <summary>The effect and its settings (default: background blur).</summary>
    public EffectSettings Effect { get; init; } = new();

    /// <summary>The image behind the person for <see cref="EffectKind.Replace"/> (null: a built-in gradient).</summary>
    public string? BackgroundPath { get; init; }

    /// <summary>Which compositor draws the effect (default auto: OpenGL on a GPU, the CPU renderer where OpenGL is software or missing).</summary>
    public RendererKind Renderer { get; init; }

    /// <summary>The number of frames to process from the start (0 = all; negative is refused); stopping there is a complete run.</summary>
    public int MaxFrames { get; init; }
}

/// <summary>How far a <see cref="VideoJob"/> is: frames done, frames expected (0 when unknown).</summary>
public readonly record struct VideoProgress(int Frames, int ExpectedFrames);

/// <summary>What a <see cref="VideoJob"/> did.</summary>
/// <param name="Frames">Frames processed and written.</param>
/// <param name="Seconds">Wall time of the processing.</param>
/// <param name="Complete">Every frame asked for was processed: the whole input, or its first <see cref="VideoOptions.MaxFrames"/> (false: cancelled).</param>
/// <param name="OutputWritten">The output file is in place (false only when no frame was processed).</param>
/// <param name="ProviderReport">Which execution provider ran and why.</param>
public sealed record VideoResult(int Frames, double Seconds, bool Complete, bool OutputWritten, string ProviderReport)
{
    /// <summary>Frames per second over the run.</summary>
    public double FramesPerSecond => Seconds > 0 ? Frames / Seconds : 0;
}

/// <summary>Segments a whole video file: decode, inference, compositing (OpenGL on headless EGL, or the CPU renderer) and encoding, pipelined.</summary>
public static class VideoJob
{
    /// <summary>
    /// Runs the job and returns when it is done (it blocks the calling thread; the stages run on threads of their own, the
    /// OpenGL work on one that is never the caller's). Cancelling
    /// <paramref name="cancel"/> stops reading: the frames already read are finished and the output is closed, playable,
    /// with every frame processed so far (<see cref="VideoResult.Complete"/> is then false). Bad input is a
    /// <see cref="LiveSegException"/> with a one-line message. <paramref name="progress"/> hears how far it is five
    /// times a second (from a timer thread, one report at a time) and once more at the end, and never after Run
    /// returns; if its handler throws, the run stops as if cancelled, the output keeps what was done, and Run
    /// rethrows that exception. These guarantees hold for an <see cref="IProgress{T}"/> whose Report runs the handler
    /// itself; <see cref="Progress{T}"/> posts it to its synchronisation context (or the thread pool), so there it
    /// may run after Run returns and its exceptions are not seen here. Run blocks the calling thread: a handler that
    /// waits for that thread (a UI dispatcher's Invoke) deadlocks.
    /// </summary>
    public static VideoResult Run(VideoOptions options, IProgress<VideoProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Input, nameof(options) + "." + nameof(options.Input));
        ArgumentNullException.ThrowIfNull(options.Output, nameof(options) + "." + nameof(options.Output));
        ArgumentNullException.ThrowIfNull(options.Model, nameof(options) + "." + nameof(options.Model));
        if (options.MaxFrames < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxFrames, "MaxFrames is the number of frames to process: 0 (all) or more");
        if (!Enum.IsDefined(options.Renderer))
            throw new ArgumentOutOfRangeException(nameof(options), options.Renderer, $"Renderer {(int)options.Renderer} is not a RendererKind: use {string.Join(", ", Enum.GetNames<RendererKind>())}");
        options.Effect.CheckKind(nameof(options));
        var seg = (options.Segmenter ?? new SegmenterOptions()).Validated(nameof(options));
        var settings = new VideoSettings
        {
            Input = options.Input,
            Output = options.Output,
            Model = new ModelSettings(ModelCatalogue.Resolve(options.Model, seg.ManifestPath, seg.Log ?? (_ => { })), seg.Device, seg.Threads),
            Mask = new MaskSettings { Smoothing = seg.SmoothingOr(0.95f, nameof(options)) }.Validated(),
            Effect = options.TransparentBackground ? options.Effect.Validated() with { Effect = EffectKind.Mask } : options.Effect.Validated(),
            BackgroundPath = options.BackgroundPath,
            MaxFrames = options.MaxFrames,
            Renderer = options.Renderer,
            Encode = new LiveSeg.Media.EncodeSettings
            {
                Codec = Enum.IsDefined(options.Codec) ? options.Codec : throw new ArgumentOutOfRangeException(nameof(options), options.Codec, "unknown VideoCodec"),
                Encoder = Enum.IsDefined(options.Encoder) ? options.Encoder : throw new ArgumentOutOfRangeException(nameof(options), options.Encoder, "unknown VideoEncoder"),
                Crf = options.Crf,
                Preset = options.Preset,
                KeepStreams = options.KeepAudio,
            },
            Alpha = options.TransparentBackground,
            MattePath = options.MattePath,
        };
        // The pipeline's OpenGL context is made and used on a thread of its own: a caller's thread may have its own
        // graphics context current (GLX, WGL, EGL), which EGL would refuse to displace or LiveSeg would leave replaced.
        VideoResult? result = null;
        ExceptionDispatchInfo? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                result = RunHere(settings, progress, cancel);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }) { Name = "liveseg-video" };
        worker.Start();
        worker.Join();
        failure?.Throw();
        return result!;
    }

    private static VideoResult RunHere(VideoSettings settings, IProgress<VideoProgress>? progress, CancellationToken cancel)
    {
        using var pipeline = new VideoPipeline(settings);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var reporter = new ProgressReporter(progress, () => new(pipeline.Recorder.Count, pipeline.ExpectedFrames), stop);
        bool complete;
        try
        {
            using (progress is null ? null : new Timer(_ => reporter.Report(last: false), null, 0, 200))
                complete = pipeline.Run(stop.Token);
            reporter.Report(last: true);
        }
        finally
        {
            reporter.Finish();
        }
        reporter.ThrowIfHandlerFailed();
        var r = pipeline.Recorder;
        return new VideoResult(r.Count, r.ElapsedSeconds, complete, pipeline.OutputWritten, pipeline.Segmenter.ProviderReport);
    }

    /// <summary>
    /// Hands progress to the caller's handler one report at a time, none after the last (or after Run failed); a
    /// handler that throws stops the run instead of taking the process down from the timer thread.
    /// </summary>
    private sealed class ProgressReporter(IProgress<VideoProgress>? progress, Func<VideoProgress> now, CancellationTokenSource stop)
    {
        private readonly object _gate = new();
        private bool _finished;
        private ExceptionDispatchInfo? _failure;

        public void Report(bool last)
        {
            if (progress is null)
                return;
            bool stopRun = false;
            lock (_gate)
            {
                if (_finished)
                    return;
                if (last)
                    _finished = true;
                try
                {
                    progress.Report(now());
                }
                catch (Exception e)
                {
                    _finished = true;
                    _failure = ExceptionDispatchInfo.Capture(e);
                    stopRun = !last;
                }
            }
            if (stopRun)
            {
                // Outside the lock: cancelling runs the pipeline's stop callbacks here, on the timer thread.
                try
                {
                    stop.Cancel();
                }
                catch (AggregateException)
                {
                    // a stop callback failed: the run still stops (capture is told first), and the handler's exception is rethrown
                }
            }
        }

        public void Finish()
        {
            lock (_gate)
                _finished = true;
        }

        public void ThrowIfHandlerFailed() => _failure?.Throw();
    }
}
