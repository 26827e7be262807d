using System.CommandLine;
using System.Globalization;
using LiveSeg.Metrics;
using LiveSeg.Pipeline;

namespace LiveSeg.Cli;

/// <summary>
/// <c>liveseg bench INPUT</c>: runs the same job sequential and pipelined in one process, alternating, and prints
/// frames per second of each, their ratio, and per-stage p50/p95. Output goes to a temporary file that is deleted.
/// </summary>
internal static class BenchCommand
{
    private static readonly Argument<string> s_input = new("INPUT") { Description = "the video to time" };

    private static readonly Option<int> s_rounds = Opt.Int("--rounds", "sequential+pipelined pairs to run; the median fps is reported", 1, 1, 1000);

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "time sequential vs pipelined on a video (fps, ratio, per-stage latency)";

    public static Command Build()
    {
        var command = new Command("bench", Summary) { s_input, s_rounds };
        Commands.Shared.AddTo(command);
        PeopleOptions.AddTo(command);
        RenderOptions.AddTo(command);
        command.Add(VideoCommand.Frames);
        command.Add(VideoCommand.Metrics);
        command.Add(VideoCommand.Report);
        command.SetAction(Run);
        return Commands.Note(command, """
            Times the whole path (decode → inference → composite → read-back → encode to a temporary .mp4, deleted),
            --sequential and pipelined in the same run. --metrics keeps the last pipelined run's per-frame timings;
            --report DIR writes per-stage latency, a latency histogram and fps per round as PNGs, with index.html.
            """);
    }

    private static int Run(ParseResult r)
    {
        string input = r.GetValue(s_input)!;
        int rounds = r.GetValue(s_rounds);
        string? metrics = r.GetValue(VideoCommand.Metrics);
        string? report = r.GetValue(VideoCommand.Report);
        if (LiveSeg.Capture.FrameSources.IsLive(input))
            Throw.User($"bench times a file, read twice or more: '{LiveSeg.Capture.FrameSources.Describe(input)}' is a live source; record it first (liveseg video URL -o clip.mkv).");
        LiveSeg.Capture.FrameSources.Check(input);
        // The encoded video is thrown away: it goes to a private temporary folder (.avi where mp4v cannot keep an odd size).
        var tempFolder = Directory.CreateTempSubdirectory("liveseg-bench-");
        try
        {
            string extension;
            using (var probe = LiveSeg.Capture.FrameSources.Open(input))
                extension = (probe.Width | probe.Height) % 2 == 0 ? ".mp4" : ".avi";
            Commands.Shared.Effect.RefuseAlpha(r, "bench");
            VideoSettings baseJob = VideoCommand.BuildJob(r, input, Path.Combine(tempFolder.FullName, "bench" + extension));
            if (metrics is not null)
                MetricsWriter.Validate(metrics, baseJob.Inputs);
            if (report is not null)
                Reports.RunReport.Check(report, [.. baseJob.Inputs, new(metrics, "metrics file")]);
            return Rounds(baseJob, rounds, metrics, report);
        }
        finally
        {
            tempFolder.Delete(recursive: true);
        }
    }

    private static int Rounds(VideoSettings baseJob, int rounds, string? metrics, string? report)
    {
        var inv = CultureInfo.InvariantCulture;
        var runs = new List<Reports.ReportRun>();
        var last = new Dictionary<bool, StageStats[]>();
        RunInfo? info = null;
        using var interrupts = new Interrupts();
        for (int round = 0; round < rounds && !interrupts.Token.IsCancellationRequested; round++)
        {
            foreach (bool sequential in new[] { true, false })
            {
                if (interrupts.Token.IsCancellationRequested)
                    break; // an interrupted round is not compared
                var job = baseJob with { Sequential = sequential };
                using var pipeline = new VideoPipeline(job);
                if (round == 0 && sequential)
                    VideoCommand.PrintHeader(pipeline, job);
                if (round == 0 && !sequential)
                    Console.WriteLine($"threads (pipelined): {pipeline.ThreadsDescription}");
                using (new ProgressBar(() => pipeline.Recorder.Count, pipeline.ExpectedFrames))
                    pipeline.Run(interrupts.Token);
                var rec = pipeline.Recorder;
                string mode = sequential ? "sequential" : "pipelined";
                runs.Add(new Reports.ReportRun(round + 1, mode, rec.FramesPerSecond, rec.Records.ToArray()));
                last[sequential] = LatencySummary.Compute(rec.Records);
                Console.WriteLine(string.Create(inv, $"round {round + 1} {mode,-10}: {rec.Count} frames, {rec.ElapsedSeconds:F2} s, {rec.FramesPerSecond:F1} fps"));
                if (!sequential)
                {
                    info = VideoCommand.RunInfoOf(pipeline, job, mode, false);
                    if (metrics is not null)
                        MetricsWriter.Write(metrics, info, rec.Records);
                }
            }
        }
        if (!last.TryGetValue(false, out var piped) || info is null)
            return ExitCodes.Interrupted;
        var seqStats = last[true];
        double seq = Median(runs, "sequential"), pipe = Median(runs, "pipelined");
        int pairs = runs.Count(x => x.Mode == "pipelined");
        Console.WriteLine();
        Ui.Result(string.Create(inv, $"sequential {seq:F1} fps, pipelined {pipe:F1} fps: pipelined/sequential = {pipe / seq:F2}x (median of {pairs})"));
        Console.WriteLine();
        Ui.Table(null, ["stage", "seq p50", "seq p95", "pipe p50", "pipe p95"],
            Enumerable.Range(0, StageInfo.Count).Select(s => new[]
            {
                seqStats[s].Stage, Ui.F(seqStats[s].P50), Ui.F(seqStats[s].P95), Ui.F(piped[s].P50), Ui.F(piped[s].P95),
            }));
        if (report is not null)
        {
            var settings = Reports.RunReport.Settings(info, baseJob);
            settings.Add(("rounds", string.Create(inv, $"{pairs} (sequential {seq:F1} fps, pipelined {pipe:F1} fps: {pipe / seq:F2}x, medians)")));
            Reports.RunReport.Write(report, $"liveseg bench {Path.GetFileName(baseJob.Input)}", settings, runs);
            Console.WriteLine($"report: {Path.Combine(report, "index.html")}");
        }
        return interrupts.Token.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    private static double Median(List<Reports.ReportRun> runs, string mode) =>
        LatencySummary.Percentile([.. runs.Where(x => x.Mode == mode).Select(x => x.Fps).Order()], 50);
}
