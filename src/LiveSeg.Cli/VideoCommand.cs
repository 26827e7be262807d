using System.Globalization;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Metrics;
using LiveSeg.Models;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary><c>liveseg video INPUT -o OUTPUT</c>: segment a video file end to end, with progress and a latency table.</summary>
public static class VideoCommand
{
    public const string Help = """
        liveseg video INPUT -o OUTPUT [options]

        Segments every frame of INPUT and writes OUTPUT with the same frame count, frame rate and size.
        OUTPUT's extension picks the codec: .mp4 (mp4v), .avi (MJPG), .mkv (FFV1, lossless), .mov (MJPG).
        INPUT may also be an image sequence pattern such as frames/%04d.png.

        Options:
          -o, --output FILE          output video (required)
          -m, --model NAME|FILE      body (default), body-landscape, nevus, or an .onnx file
              --manifest FILE.json   the model's manifest (default: FILE.json beside FILE.onnx)
          -e, --effect NAME          mask | tint | blur (default) | replace | outline
              --background IMAGE     replace: background image, scaled to cover (default: a soft gradient)
              --color #RRGGBB        tint/outline colour (default #20e080)
              --strength X           tint opacity 0..1 (default 0.5)
              --blur N               blur radius in pixels 1..32 (default 12)
              --outline-width N      outline sample distance in pixels 1..32 (default 3)
              --smooth X             temporal smoothing: weight of the previous mask 0..0.95 (default 0.3; 0 = off)
              --device NAME          auto (default: TensorRT → CUDA → CPU) | cpu | cuda | tensorrt
              --threads N            ONNX Runtime intra-op threads (default: one per core)
              --metrics FILE         write every frame's stage timings + summary (.json or .csv)
              --sequential           run the stages one after another on one thread (baseline)
              --frames N             stop after N frames
          -v, --verbose              stack traces on errors

        Ctrl-C stops capture, finishes the frames in flight and closes OUTPUT: it stays playable.
        """;

    public static readonly Dictionary<string, bool> Options = new()
    {
        ["-o"] = true, ["--output"] = true, ["-m"] = true, ["--model"] = true, ["--manifest"] = true,
        ["-e"] = true, ["--effect"] = true, ["--background"] = true, ["--color"] = true, ["--strength"] = true,
        ["--blur"] = true, ["--outline-width"] = true, ["--smooth"] = true, ["--device"] = true, ["--threads"] = true,
        ["--metrics"] = true, ["--sequential"] = false, ["--frames"] = true, ["-v"] = false, ["--verbose"] = false,
        ["-h"] = false, ["--help"] = false,
    };

    public static int Run(string[] args)
    {
        var cl = new CommandLine("liveseg video", args, Options);
        if (cl.Has("--help"))
        {
            Console.WriteLine(Help);
            return ExitCodes.Ok;
        }
        if (cl.Positionals.Count != 1)
            throw cl.Error(cl.Positionals.Count == 0 ? "missing INPUT video" : $"expected one INPUT, got {cl.Positionals.Count}");
        string output = cl.Get("--output") ?? throw cl.Error("missing -o OUTPUT");
        string? metrics = cl.Get("--metrics");
        VideoJob job = BuildJob(cl, cl.Positionals[0], output);
        if (metrics is not null)
            MetricsWriter.Validate(metrics, [.. VideoPipeline.Inputs(job), new(output, "output video")]);

        using var interrupts = new Interrupts();
        using var pipeline = new VideoPipeline(job);
        PrintHeader(pipeline, job);
        bool complete;
        using (new ProgressBar(() => pipeline.Recorder.Count, pipeline.ExpectedFrames))
            complete = pipeline.Run(interrupts.Token, interrupts.Abort);

        var recorder = pipeline.Recorder;
        string mode = job.Sequential ? "sequential" : "pipelined";
        string result = !pipeline.OutputWritten ? "no frame processed, nothing written" : complete ? "done" : "interrupted";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result}: {recorder.Count} frames in {recorder.ElapsedSeconds:F1} s = {recorder.FramesPerSecond:F1} fps ({mode}){(pipeline.OutputWritten ? $" → {output}" : "")}"));
        if (complete && job.MaxFrames == 0 && pipeline.Source.FrameCount > recorder.Count)
            Console.Error.WriteLine($"liveseg: warning: input '{job.Input}' held {recorder.Count} decodable frames, but its container claims {pipeline.Source.FrameCount}: the file is truncated or damaged; '{output}' has the {recorder.Count} frames that decoded.");
        Console.Write(LatencySummary.FormatTable(LatencySummary.Compute(recorder.Records)));
        if (metrics is not null)
        {
            try
            {
                MetricsWriter.Write(metrics, RunInfoOf(pipeline, job, mode, !complete), recorder.Records);
            }
            catch (LiveSegException e) when (pipeline.OutputWritten)
            {
                throw new LiveSegException($"{e.Message} The video '{output}' was written and kept.", e.ExitCode, e);
            }
            Console.WriteLine($"metrics: {metrics}");
        }
        if (!complete)
        {
            Console.Error.WriteLine(pipeline.OutputWritten
                ? $"liveseg: interrupted: '{output}' holds the {recorder.Count} frames processed before the stop and is playable."
                : $"liveseg: interrupted before the first frame: '{output}' was not written.");
            return ExitCodes.Interrupted;
        }
        return ExitCodes.Ok;
    }

    /// <summary>The options video, bench and live share: model (with device and inference threads), mask smoothing, effect (validated).</summary>
    public sealed record SharedOptions(ModelSettings Model, MaskSettings Mask, EffectSettings Effect);

    public static SharedOptions ParseShared(CommandLine cl)
    {
        var effect = new EffectSettings
        {
            Effect = EffectSettings.ParseEffect(cl.Get("--effect", "blur")),
            Color = cl.Get("--color") is { } c ? Rgb.Parse(c) : null,
            TintStrength = cl.GetFloat("--strength", 0.5f),
            BlurRadius = cl.GetInt("--blur", 12),
            OutlineWidth = cl.GetInt("--outline-width", 3),
        }.Validated();
        var mask = new MaskSettings { Smoothing = cl.GetFloat("--smooth", 0.3f) }.Validated();
        DeviceChoice device = ExecutionProviders.Parse(cl.Get("--device", "auto"));
        int threads = cl.GetInt("--threads", 0);
        int maxThreads = 4 * Environment.ProcessorCount;
        if (threads < 0 || threads > maxThreads)
            throw cl.Error($"--threads {threads} is out of range: use 0 (default: one per core) to {maxThreads} (4 × {Environment.ProcessorCount} cores)");
        var model = ModelCatalogue.Resolve(cl.Get("--model", "body"), cl.Get("--manifest"), message => Console.Error.WriteLine($"liveseg: {message}"));
        return new SharedOptions(new ModelSettings(model, device, threads), mask, effect);
    }

    /// <summary>Turns the options of video and bench into a job.</summary>
    public static VideoJob BuildJob(CommandLine cl, string input, string output)
    {
        int frames = cl.GetInt("--frames", 0);
        if (frames < 0)
            throw cl.Error("--frames must be 0 (all) or more");
        var shared = ParseShared(cl);
        return new VideoJob
        {
            Input = input,
            Output = output,
            Model = shared.Model,
            Mask = shared.Mask,
            Effect = shared.Effect,
            BackgroundPath = cl.Get("--background"),
            Sequential = cl.Has("--sequential"),
            MaxFrames = frames,
        };
    }

    public static void PrintHeader(VideoPipeline p, VideoJob job)
    {
        var s = p.Source;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"input:  {job.Input} ({s.Width}x{s.Height}, {s.Fps:0.##} fps{(s.FpsWasGuessed ? " assumed" : "")}, {s.FrameCount} frames)"));
        Console.WriteLine($"output: {job.Output} ({p.Sink.CodecName})");
        var m = p.Segmenter.Manifest;
        Console.WriteLine($"model:  {m.Name} ({m.Width}x{m.Height} → mask {p.Segmenter.MaskWidth}x{p.Segmenter.MaskHeight}); {p.Segmenter.ProviderReport}");
        Console.WriteLine(string.Create(inv, $"render: {p.RendererDescription}; effect {job.Effect.Effect.ToString().ToLowerInvariant()}, smoothing {job.Mask.Smoothing:0.##}; {(job.Sequential ? "sequential" : "pipelined")}"));
    }

    public static RunInfo RunInfoOf(VideoPipeline p, VideoJob job, string mode, bool interrupted) => new(
        job.Input, job.Output, p.Segmenter.Manifest.Name, p.Segmenter.Provider, job.Effect.Effect.ToString().ToLowerInvariant(),
        mode, p.Source.Width, p.Source.Height, p.Source.Fps, p.Recorder.Count, Math.Round(p.Recorder.ElapsedSeconds, 3),
        Math.Round(p.Recorder.FramesPerSecond, 2), interrupted);
}
