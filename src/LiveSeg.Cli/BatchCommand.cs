using System.CommandLine;
using System.Globalization;
using LiveSeg.Batch;
using LiveSeg.IO;
using LiveSeg.Media;
using LiveSeg.Output;
using LiveSeg.Pipeline;

namespace LiveSeg.Cli;

/// <summary>
/// <c>liveseg batch INPUT... | --list FILE -o OUTDIR</c>: an archive in one process or as one shard of a cluster job
/// (Slurm array, Kubernetes Indexed Job), resumable; <c>--join</c> is the final step that joins chunks and sums up.
/// </summary>
internal static class BatchCommand
{
    private static readonly Argument<string[]> s_inputs = new("INPUT")
    {
        Description = "video or image files, or folders (searched for videos and images)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string?> s_list = Opt.Text("--list", "a text file of inputs, one path a line (relative to the list's folder; # comments)", "FILE");

    private static readonly Option<string> s_output = new("--output", "-o")
    {
        Description = "output folder: outputs mirror the input names under it; liveseg-batch.json records the run",
        HelpName = "OUTDIR",
        Required = true,
    };

    private static readonly Option<string> s_ext = Opt.Checked("--ext", "the videos' output extension (codec by extension, as for 'video')", ".mp4|.mkv|.mov|.webm|.avi",
        v => CheckExtension(v), ".mp4", [".mp4", ".mkv", ".mov", ".webm", ".avi"]);

    private static readonly Option<string?> s_shard = Opt.Text("--shard",
        "take share I of N (from 0): deterministic, balanced by frames; default: the Slurm array task (SLURM_ARRAY_TASK_ID) or Kubernetes index (JOB_COMPLETION_INDEX)", "I/N");

    private static readonly Option<int> s_shardCount = Opt.Int("--shard-count", "the number of shares, with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's completions)", 0, 0, 1_000_000, "0 = from --shard or Slurm");

    private static readonly Option<int> s_chunkFrames = Opt.Int("--chunk-frames",
        "cut inputs longer than N frames into chunks of N (shared out like inputs; joined by the last step)", 0, 0, int.MaxValue, "0 = never");

    private static readonly Option<bool> s_join = Opt.Flag("--join", "the final step after the shards: join chunks (with the input's sound), merge the shard records into liveseg-batch.json, list failures");

    private static readonly EncodeOptions s_encode = new();

    public const string Summary = "many inputs in one run, or one share of a Slurm/Kubernetes job: resumable, one record";

    public static Command Build()
    {
        var command = new Command("batch", Summary) { s_inputs, s_list, s_output, s_ext, s_shard, s_shardCount, s_chunkFrames, s_join };
        Commands.Shared.AddTo(command);
        PeopleOptions.AddTo(command);
        RenderOptions.AddTo(command);
        s_encode.AddTo(command);
        command.Add(VideoCommand.Frames);
        command.SetAction(Run);
        return Commands.Note(command, """
            Examples: liveseg batch lectures/ -o out/                          (every video under lectures/, one process)
                      liveseg batch --list archive.txt -o /shared/out --shard 3/8  (share 3 of 8)
                      liveseg batch --list archive.txt -o /shared/out --join        (after every share: join and sum up)
            Outputs mirror the inputs' paths under their common folder (a.mp4 → OUTDIR/a.mp4, or a.mkv with --ext .mkv); a
            still image gives NAME-mask.png and NAME-overlay.png as 'liveseg image' does. Finished outputs are recorded in
            OUTDIR/.liveseg/ (input size and time, settings, model hash, version): a re-run skips them and redoes what changed.
            One process (no shard): inputs, then chunk joins, then OUTDIR/liveseg-batch.json. A shard writes
            OUTDIR/liveseg-batch.shard-I-of-N.json; 'batch --join' with the same list and options finishes the batch.
            Exit codes: 0 every input done or skipped, 3 some failed (the others are done; the record lists why),
            2 bad usage (nothing written), 130 interrupted.  Cluster recipes: docs/scale-out.md.
            """);
    }

    private static int Run(ParseResult r)
    {
        string outDir = r.GetValue(s_output)!;
        var paths = new List<string>(r.GetValue(s_inputs) ?? []);
        if (paths.FirstOrDefault(p => p.StartsWith('-') && !File.Exists(p) && !Directory.Exists(p)) is { } unknown)
            Throw.User($"unknown option '{unknown}': see 'liveseg batch --help' (an input whose name starts with '-' can be given as ./{unknown}).");
        if (r.GetValue(s_list) is { } list)
            paths.AddRange(BatchPlan.ReadList(list));
        if (paths.Count == 0)
            Throw.User("no inputs: give video/image files or folders, or --list FILE (one path a line).");
        if (r.GetValue(s_encode.Matte) is not null)
            Throw.User("--matte names one file: a batch cannot write one per input; run 'liveseg video IN -o OUT --matte M' per input.");
        string ext = CheckExtension(r.GetValue(s_ext)!);
        OutputCheck.Folder(outDir, "output folder", paths.Where(Directory.Exists).Select(p => new InputFile(p, "input folder")));
        var template = VideoCommand.BuildJob(r, "", "") with { Encode = s_encode.Read(r), Alpha = Commands.Shared.Effect.IsAlpha(r) };
        // The codec and extension are checked once, before any work, as 'video' checks its output.
        VideoFileSink.Plan(new VideoOutput(Path.Combine(Path.GetTempPath(), "liveseg-batch-check" + ext), 0, 0, template.Alpha ? RawPixels.Bgra32 : RawPixels.Bgr24,
            template.Encode, new MediaContext(null, null, default)));
        var plan = BatchPlan.Build(paths, outDir, ext, r.GetValue(s_chunkFrames));
        if (template.People is not null && plan.Inputs.Count(i => i.IsImage) is > 0 and var stills)
            Console.Error.WriteLine($"liveseg: note: --person and --autoframe apply to the videos; the {stills} image{(stills == 1 ? " is" : "s are")} segmented with everyone kept, uncropped.");
        // An output that exists already must not be an input (through a link, say); the others are made in folders of their own.
        foreach (var input in plan.Inputs)
            if (Provenance.OutputFileOf(outDir, BatchRunner.Whole(input)) is var output && File.Exists(output))
                OutputCheck.File(output, "output", plan.Inputs.Select(i => new InputFile(i.Path, "input")));
        // The share is known before anything is written (a bad --shard or array environment writes nothing).
        bool join = r.GetValue(s_join);
        if (join && (r.GetValue(s_shard) is not null || r.GetValue(s_shardCount) > 0))
            Throw.User("--join runs once, after every shard: drop --shard/--shard-count from the join's command line.");
        var spec = join ? ShardSpec.Whole : ShardSpec.Resolve(r.GetValue(s_shard), r.GetValue(s_shardCount), Environment.GetEnvironmentVariable);
        Directory.CreateDirectory(outDir);
        var runner = new BatchRunner(plan, template) { Describe = SettingFlags.Describe };
        return join ? Join(plan, runner, outDir, []) : RunShard(spec, plan, runner, outDir);
    }

    private static int RunShard(ShardSpec spec, BatchPlan plan, BatchRunner runner, string outDir)
    {
        var items = Shards.Of(plan, spec);
        long total = items.Sum(i => i.Weight);
        int images = plan.Inputs.Count(i => i.IsImage), chunked = plan.Inputs.Count(i => plan.Items.Count(w => w.Input == i) > 1);
        Console.WriteLine($"batch:  {plan.Inputs.Count} inputs ({plan.Inputs.Count - images} videos, {images} images{(chunked > 0 ? $"; {chunked} long ones in {plan.Items.Count - plan.Inputs.Count + chunked} chunks" : "")}) → {outDir} ({plan.Extension})");
        Console.WriteLine(spec.IsWhole
            ? $"shard:  none (one process: every item, then the joins); {items.Count} items, {total} frames"
            : $"shard:  {spec} (from {spec.Source}): {items.Count} of {plan.Items.Count} items, {total} of {plan.Items.Sum(i => i.Weight)} frames");
        var started = DateTime.UtcNow;
        using var interrupts = new Interrupts();
        List<ItemResult> results;
        int n = 0;
        using (new ProgressBar(() => (int)Math.Min(int.MaxValue, runner.FramesDone), (int)Math.Min(int.MaxValue, total), () => $"{runner.ItemsDone}/{items.Count} items"))
            results = runner.Run(items, interrupts.Token, res => Console.WriteLine(ItemLine(++n, items.Count, res)));
        bool interrupted = interrupts.Token.IsCancellationRequested;
        if (!spec.IsWhole)
        {
            string record = Path.Combine(outDir, spec.RecordName);
            BatchRecords.Write(record, new ShardRecord(Provenance.LiveSegVersion, spec.ToString(), spec.Source, started, DateTime.UtcNow, results));
            Table(results.Select(x => (x.Chunk is null ? x.Name : $"{x.Name} [{x.Chunk}/{x.Chunks}]", x.Status, x.Frames, x.Seconds, x.Fps, x.Reason)));
            Console.WriteLine($"record: {record}");
            return Finish(results.Where(x => x.Status == ItemResult.Failed).Select(x => (x.Name, x.Reason)), interrupted,
                $"shard {spec}: {Count(results, ItemResult.Done)} done, {Count(results, ItemResult.Skipped)} skipped, {Count(results, ItemResult.Failed)} failed");
        }
        if (interrupted)
        {
            Console.Error.WriteLine($"liveseg: interrupted after {results.Count} of {items.Count} items: finished outputs are recorded; a re-run skips them and does the rest.");
            return ExitCodes.Interrupted;
        }
        return Join(plan, runner, outDir, results);
    }

    /// <summary>Joins chunks, writes liveseg-batch.json, prints the table; 3 when an input failed.</summary>
    private static int Join(BatchPlan plan, BatchRunner runner, string outDir, List<ItemResult> fromThisProcess)
    {
        var unreadable = new List<string>();
        var records = fromThisProcess.Count > 0 ? fromThisProcess : BatchRecords.ReadShards(outDir, unreadable).SelectMany(s => s.Items).ToList();
        foreach (string u in unreadable)
            Console.Error.WriteLine($"liveseg: warning: shard record '{u}' could not be read: its items count as not processed.");
        var summary = BatchJoin.Join(plan, records, runner.SettingsHash, runner.ModelHash, line => Console.WriteLine($"joined: {line}"));
        TryRemoveEmpty(Path.Combine(outDir, BatchPlan.PartsFolder));
        string path = Path.Combine(outDir, BatchRecords.SummaryName);
        BatchRecords.Write(path, summary);
        Table(summary.Inputs.Select(i => (i.Name, i.Status, i.Frames, i.Seconds, i.Fps, i.Reason)));
        Console.WriteLine($"record: {path}");
        return Finish(summary.Inputs.Where(i => i.Status == ItemResult.Failed).Select(i => (i.Name, i.Reason)), false,
            $"batch: {summary.Done} done, {summary.Skipped} skipped, {summary.Failed} failed; {summary.Frames} frames in {summary.Seconds.ToString("F1", CultureInfo.InvariantCulture)} s of processing");
    }

    private static int Finish(IEnumerable<(string Name, string? Reason)> failures, bool interrupted, string line)
    {
        var failed = failures.ToList();
        Ui.Result(line, failed.Count == 0 && !interrupted);
        foreach (var (name, reason) in failed)
            Console.Error.WriteLine($"liveseg: failed: {name}: {reason}");
        return interrupted ? ExitCodes.Interrupted : failed.Count > 0 ? ExitCodes.SomeFailed : ExitCodes.Ok;
    }

    private static string ItemLine(int n, int count, ItemResult r)
    {
        string what = r.Chunk is null ? r.Name : $"{r.Name} chunk {r.Chunk}/{r.Chunks} ({r.Range})";
        string how = r.Status switch
        {
            ItemResult.Done => string.Create(CultureInfo.InvariantCulture, $"done, {r.Frames} frames in {r.Seconds:F1} s ({r.Fps:F1} fps) → {r.Output}"),
            ItemResult.Skipped => $"skipped ({r.Reason})",
            _ => $"FAILED: {r.Reason}",
        };
        return $"[{n}/{count}] {what}: {how}";
    }

    private static void Table(IEnumerable<(string Name, string Status, int Frames, double Seconds, double Fps, string? Reason)> rows) =>
        Ui.Table(null, ["input", "status", "frames", "seconds", "fps", "reason"], rows.Select(x => new[]
        {
            x.Name, x.Status, x.Frames.ToString(CultureInfo.InvariantCulture), x.Seconds.ToString("F1", CultureInfo.InvariantCulture),
            x.Fps.ToString("F1", CultureInfo.InvariantCulture), Shorten(x.Reason ?? ""),
        }));

    private static string Shorten(string text) => text.Length <= 90 ? text : text[..87] + "...";

    private static int Count(List<ItemResult> results, string status) => results.Count(x => x.Status == status);

    private static string CheckExtension(string value)
    {
        string ext = value.StartsWith('.') ? value : "." + value;
        return Container.For("x" + ext) is not null ? ext.ToLowerInvariant()
            : Throw.User<string>($"--ext '{value}' is not an extension LiveSeg writes: use {Container.Extensions}.");
    }

    private static void TryRemoveEmpty(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Any(File.Exists))
                Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
