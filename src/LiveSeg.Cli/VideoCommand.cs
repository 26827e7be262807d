using System.CommandLine;
using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary><c>liveseg video INPUT -o OUTPUT</c>: segment a video file end to end, with progress and a latency table.</summary>
internal static class VideoCommand
{
    private static readonly Argument<string> s_input = new("INPUT")
    {
        Description = "the video file, an image sequence pattern such as frames/%04d.png, a camera index, or a stream URL (rtsp://, http(s)://, udp://, srt://: read until it ends or Ctrl-C)",
    };

    private static readonly Option<string> s_output = new("--output", "-o")
    {
        Description = "output video: .mp4/.mov/.mkv (H.264), .webm (VP9), .avi (Motion JPEG), or a PNG sequence out/%05d.png; the input's sound and timing are kept",
        HelpName = "FILE",
        Required = true,
    };

    /// <summary>--metrics (video, bench): every frame's stage timings and the summary.</summary>
    internal static Option<string?> Metrics { get; } = Opt.Text("--metrics", "write every frame's stage timings + summary (.json or .csv)", "FILE");

    /// <summary>--report (video, bench): plots and an index.html.</summary>
    internal static Option<string?> Report { get; } = Opt.Text("--report", "write a report folder: latency plots (PNG) and index.html", "DIR");

    /// <summary>--frames (video, bench): a cap on the frames read.</summary>
    internal static Option<int> Frames { get; } = Opt.Int("--frames", "stop after N frames", 0, 0, int.MaxValue, "0 = all, or more");

    private static readonly EncodeOptions s_encode = new();
    /// <summary>--allow-gaps (video, live): an image sequence with a gap is read up to it, with a warning, instead of refused.</summary>
    internal static Option<bool> AllowGaps { get; } = Opt.Flag("--allow-gaps", "an image-sequence input with a missing frame: process the frames before the gap (a warning) instead of stopping with an error");

    private static readonly Option<string?> s_range = Opt.Text("--range",
        "process frames A..B−1 only (0-based; A.. to the end), smoothing from enough frames before A that every frame equals a whole run's; timestamps stay the input's (join parts with 'liveseg concat')", "A..B");

    private static readonly Option<bool> s_sequential = Opt.Flag("--sequential", "run the stages one after another on one thread (baseline)");

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "segment every frame of a video file into a new video (same frame count, rate and size)";

    public static Command Build()
    {
        var command = new Command("video", Summary)
        {
            s_input, s_output,
        };
        Commands.Shared.AddTo(command);
        PeopleOptions.AddTo(command);
        RenderOptions.AddTo(command);
        s_encode.AddTo(command);
        command.Add(Metrics);
        command.Add(Report);
        command.Add(s_sequential);
        command.Add(Frames);
        command.Add(AllowGaps);
        command.Add(s_range);
        command.SetAction(Run);
        return Commands.Note(command, """
            Example: liveseg video in.mp4 -o out.mp4 --effect replace --background beach.jpg --report out/report
                     liveseg video in.mp4 -o person.mov --effect alpha        (ProRes 4444, transparent background)
                     liveseg video in.mp4 -o out.mp4 --matte matte.mkv         (the mask too, lossless)
            Every frame keeps its input time (variable rate kept); the sound, subtitles and chapters are copied (or
            re-encoded where the container needs it). Odd frame sizes: vp9 (.webm), ffv1 (.mkv), prores (.mov), mjpeg
            (.avi) keep them; H.264/HEVC/AV1 need even sizes.
            --range A..B processes frames A to B−1 (from 0): the frames before A are smoothed first (warm-up: ceil(ln(1/510)/ln s)
            frames at smoothing s, 122 at 0.95; more for a feathered edge or the outline), so a lossless part equals the
            same frames of a whole run within 1 LSB. 'liveseg concat PART... -o OUT' joins parts with the input's sound.
            Ctrl-C stops capture, finishes the frames in flight and closes OUTPUT: it stays playable, with its sound
            up to the last frame (exit 130).
            """);
    }

    private static int Run(ParseResult r)
    {
        string output = r.GetValue(s_output)!;
        string? metrics = r.GetValue(Metrics);
        string? report = r.GetValue(Report);
        VideoSettings job = BuildJob(r, r.GetValue(s_input)!, output) with
        {
            Sequential = r.GetValue(s_sequential),
            Encode = s_encode.Read(r),
            Alpha = Commands.Shared.Effect.IsAlpha(r),
            MattePath = r.GetValue(s_encode.Matte),
            AllowGaps = r.GetValue(AllowGaps),
        };
        if (r.GetValue(s_range) is { } range)
            job = WithRange(job, FrameRange.Parse(range));
        if (metrics is not null)
            MetricsWriter.Validate(metrics, [.. job.Inputs, new(output, "output video")]);
        if (report is not null)
            Reports.RunReport.Check(report, [.. job.Inputs, new(output, "output video"), new(metrics, "metrics file")]);

        using var interrupts = new Interrupts();
        using var pipeline = new VideoPipeline(job);
        PrintHeader(pipeline, job);
        foreach (string note in pipeline.Sink.Notes)
            Console.Error.WriteLine($"liveseg: note: {note}");
        bool complete;
        using (new ProgressBar(() => pipeline.Recorder.Count, pipeline.ExpectedFrames))
            complete = pipeline.Run(interrupts.Token, interrupts.Abort);

        var recorder = pipeline.Recorder;
        string mode = job.Sequential ? "sequential" : "pipelined";
        string result = !pipeline.OutputWritten ? "no frame processed, nothing written" : complete ? "done" : "interrupted";
        if (pipeline.MatteWritten)
            Console.WriteLine($"matte: {job.MattePath}");
        Ui.Result(string.Create(CultureInfo.InvariantCulture,
            $"{result}: {recorder.Count} frames in {recorder.ElapsedSeconds:F1} s = {recorder.FramesPerSecond:F1} fps ({mode}){(pipeline.OutputWritten ? $" → {output}" : "")}"), complete);
        if (complete && job.MaxFrames == 0 && pipeline.ExpectedFrames > recorder.Count)
            Console.Error.WriteLine($"liveseg: warning: input '{job.Input}' held {recorder.Count} decodable frames{(job.Range.IsAll ? "" : $" in range {job.Range}")}, but its container claims {pipeline.ExpectedFrames}: the file is truncated or damaged; '{output}' has the {recorder.Count} frames that decoded.");
        var stats = LatencySummary.Compute(recorder.Records);
        Ui.Latency(stats);
        RunInfo info = RunInfoOf(pipeline, job, mode, !complete);
        KeepVideo(pipeline, output, () =>
        {
            if (metrics is not null)
            {
                MetricsWriter.Write(metrics, info, recorder.Records);
                Console.WriteLine($"metrics: {metrics}");
            }
            if (report is not null && recorder.Count > 0)
            {
                var run = new Reports.ReportRun(1, mode, recorder.FramesPerSecond, recorder.Records.ToArray());
                Reports.RunReport.Write(report, $"liveseg video {Path.GetFileName(job.Input)}", Reports.RunReport.Settings(info, job), [run]);
                Console.WriteLine($"report: {Path.Combine(report, "index.html")}");
            }
        });
        if (!complete)
        {
            Console.Error.WriteLine(pipeline.OutputWritten
                ? $"liveseg: interrupted: '{output}' holds the {recorder.Count} frames processed before the stop and is playable."
                : $"liveseg: interrupted before the first frame: '{output}' was not written.");
            return ExitCodes.Interrupted;
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// A part of the input (--range): no sound (the join takes it from the input), the input named in the part's
    /// container so that 'liveseg concat' finds it.
    /// </summary>
    private static VideoSettings WithRange(VideoSettings job, FrameRange range)
    {
        if (job.MattePath is not null)
            Throw.User("--range and --matte cannot go together: write the matte of the whole input, or parts without it.");
        if (FrameSources.IsLive(job.Input))
            Throw.User($"--range needs a video file or an image sequence: '{job.Input}' is a live source, read from now on.");
        return job with
        {
            Range = range,
            Encode = job.Encode with { KeepStreams = false, KeepStartTime = true, Tags = [new(LiveSeg.Media.Concat.SourceTag, Path.GetFullPath(job.Input))] },
        };
    }

    /// <summary>Runs <paramref name="write"/> (metrics, report); a failure there says that the video was kept.</summary>
    private static void KeepVideo(VideoPipeline pipeline, string output, Action write)
    {
        try
        {
            write();
        }
        catch (LiveSegException e) when (pipeline.OutputWritten)
        {
            throw new LiveSegException($"{SettingFlags.Describe(e)} The video '{output}' was written and kept.", e.ExitCode, e);
        }
    }

    /// <summary>Turns the shared options of video and bench into a job (not yet sequential).</summary>
    internal static VideoSettings BuildJob(ParseResult r, string input, string output)
    {
        PeopleOptions.Check(r); // before the model is resolved (and fetched on first use)
        var shared = Commands.Shared.Read(r);
        return new VideoSettings
        {
            Input = input,
            Output = output,
            Model = shared.Model,
            Mask = shared.Mask,
            Effect = shared.Effect,
            BackgroundPath = r.GetValue(Commands.Shared.Effect.Background),
            People = PeopleOptions.Read(r),
            MaxFrames = r.GetValue(Frames),
            Renderer = RendererChoice.Parse(r.GetValue(RenderOptions.Renderer)!),
            RenderThreads = r.GetValue(RenderOptions.Threads),
        };
    }

    public static void PrintHeader(VideoPipeline p, VideoSettings job)
    {
        var s = p.Source;
        var inv = CultureInfo.InvariantCulture;
        string rate = p.Media.Info is { } info ? $"{info.NominalRate} fps{(info.AverageFrameRate.IsValid && Math.Abs(info.AverageFrameRate.Value - info.NominalRate.Value) > 0.01 * info.NominalRate.Value ? string.Create(inv, $", variable: {info.AverageFrameRate.Value:0.##} on average") : "")}"
            : string.Create(inv, $"{s.Fps:0.##} fps{(s.FpsWasGuessed ? " assumed" : "")}");
        string frames = s.IsLive ? "live" : $"{s.FrameCount} frames";
        Console.WriteLine(string.Create(inv, $"input:  {s.Name} ({s.Width}x{s.Height}, {rate}, {frames}{(p.Media.Info is { Audio.Count: > 0 } a ? $", {a.Audio.Count} audio" : "")})"));
        if (!job.Range.IsAll)
            Console.WriteLine($"range:  frames {job.Range} ({p.ExpectedFrames} frames; {job.WarmUp} warm-up frames before {job.Range.Start} smoothed, not written; {(p.Seeked ? "reached by seeking" : "decoded from the start")})");
        Console.WriteLine($"output: {job.Output} ({p.Sink.CodecName}{(job.Alpha ? "; transparent background, straight alpha" : "")})");
        if (p.MatteSink is { } matte)
            Console.WriteLine($"matte:  {job.MattePath} ({matte.CodecName})");
        var m = p.Segmenter.Manifest;
        Console.WriteLine($"model:  {m.Name} ({m.Width}x{m.Height} → mask {p.Segmenter.MaskWidth}x{p.Segmenter.MaskHeight}); {p.Segmenter.ProviderReport}");
        Console.WriteLine(string.Create(inv, $"render: {p.RendererDescription}; effect {job.Effect.Effect.ToString().ToLowerInvariant()}, smoothing {job.Mask.Smoothing:0.##}; {(job.Sequential ? "sequential" : "pipelined")}"));
        Console.WriteLine($"threads: {p.ThreadsDescription}");
    }

    public static RunInfo RunInfoOf(VideoPipeline p, VideoSettings job, string mode, bool interrupted) => new(
        job.Input, job.Output, p.Segmenter.Manifest.Name, p.Segmenter.Provider, job.Effect.Effect.ToString().ToLowerInvariant(),
        mode, p.Source.Width, p.Source.Height, p.Source.Fps, p.Recorder.Count, Math.Round(p.Recorder.ElapsedSeconds, 3),
        Math.Round(p.Recorder.FramesPerSecond, 2), interrupted);
}
