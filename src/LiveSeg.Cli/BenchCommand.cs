using System.Globalization;
using LiveSeg.Metrics;
using LiveSeg.Pipeline;

namespace LiveSeg.Cli;

/// <summary>
/// <c>liveseg bench INPUT</c>: runs the same job sequential and pipelined in one process, alternating, and prints
/// frames per second of each, their ratio, and per-stage p50/p95. Output goes to a temporary file that is deleted.
/// </summary>
public static class BenchCommand
{
    public const string Help = """
        liveseg bench INPUT [options]

        Times the whole path (decode → inference → composite → read-back → encode to a temporary .mp4) on INPUT,
        --sequential and pipelined in the same run, and prints fps, the pipelined/sequential ratio and per-stage
        p50/p95 (ms). Takes the model and effect options of 'liveseg video' (default: --model body --effect blur).

        Options:
              --rounds N      sequential+pipelined pairs to run (default 1); the median fps is reported
              --frames N      frames per run (default: the whole input)
              --metrics FILE  also write the last pipelined run's per-frame timings (.json or .csv)
        """;

    public static int Run(string[] args)
    {
        var options = new Dictionary<string, bool>(VideoCommand.Options) { ["--rounds"] = true };
        options.Remove("-o");
        options.Remove("--output");
        options.Remove("--sequential");
        var cl = new CommandLine("liveseg bench", args, options);
        if (cl.Has("--help"))
        {
            Console.WriteLine(Help);
            return ExitCodes.Ok;
        }
        if (cl.Positionals.Count != 1)
            throw cl.Error("expected one INPUT video");
        int rounds = cl.GetInt("--rounds", 1);
        if (rounds < 1)
            throw cl.Error("--rounds must be 1 or more");
        string? metrics = cl.Get("--metrics");
        // The encoded video is thrown away: it goes to a private temporary folder (.avi where mp4v cannot keep an odd size).
        var tempFolder = Directory.CreateTempSubdirectory("liveseg-bench-");
        string extension;
        using (var probe = new LiveSeg.Capture.VideoFileSource(cl.Positionals[0]))
            extension = (probe.Width | probe.Height) % 2 == 0 ? ".mp4" : ".avi";
        string temp = Path.Combine(tempFolder.FullName, "bench" + extension);
        VideoJob baseJob = VideoCommand.BuildJob(cl, cl.Positionals[0], temp);
        if (metrics is not null)
            MetricsWriter.Validate(metrics, VideoPipeline.Inputs(baseJob));
        var inv = CultureInfo.InvariantCulture;
        var fps = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        var last = new Dictionary<bool, StageStats[]>();
        using var interrupts = new Interrupts();
        try
        {
            for (int round = 0; round < rounds && !interrupts.Token.IsCancellationRequested; round++)
            {
                foreach (bool sequential in new[] { true, false })
                {
                    var job = baseJob with { Sequential = sequential };
                    using var pipeline = new VideoPipeline(job);
                    if (round == 0 && sequential)
                        VideoCommand.PrintHeader(pipeline, job);
                    using (new ProgressBar(() => pipeline.Recorder.Count, pipeline.ExpectedFrames))
                        pipeline.Run(interrupts.Token);
                    var r = pipeline.Recorder;
                    fps[sequential].Add(r.FramesPerSecond);
                    last[sequential] = LatencySummary.Compute(r.Records);
                    string mode = sequential ? "sequential" : "pipelined";
                    Console.WriteLine(string.Create(inv, $"round {round + 1} {mode,-10}: {r.Count} frames, {r.ElapsedSeconds:F2} s, {r.FramesPerSecond:F1} fps"));
                    if (!sequential && metrics is not null)
                        MetricsWriter.Write(metrics, VideoCommand.RunInfoOf(pipeline, job, mode, false), r.Records);
                }
            }
        }
        finally
        {
            tempFolder.Delete(recursive: true);
        }
        if (fps[false].Count == 0)
            return ExitCodes.Interrupted;
        double seq = Median(fps[true]), pipe = Median(fps[false]);
        Console.WriteLine();
        Console.WriteLine(string.Create(inv, $"sequential {seq:F1} fps, pipelined {pipe:F1} fps: pipelined/sequential = {pipe / seq:F2}x (median of {fps[false].Count})"));
        Console.WriteLine();
        Console.WriteLine("stage          seq p50  seq p95  pipe p50 pipe p95   (ms)");
        for (int s = 0; s < StageInfo.Count; s++)
        {
            var a = last[true][s];
            var b = last[false][s];
            Console.WriteLine(string.Create(inv, $"{a.Stage,-12} {a.P50,8:F2} {a.P95,8:F2} {b.P50,8:F2} {b.P95,8:F2}"));
        }
        return interrupts.Token.IsCancellationRequested ? ExitCodes.Interrupted : ExitCodes.Ok;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return LatencySummary.Percentile(sorted, 50);
    }
}
