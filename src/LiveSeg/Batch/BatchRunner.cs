using System.Diagnostics;
using System.Text.Json;
using LiveSeg.Capture;
using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Media;
using LiveSeg.Pipeline;
using OpenCvSharp;

namespace LiveSeg.Batch;

/// <summary>
/// Runs a shard's work items one after another with the same settings: each video (or chunk of one) through the video
/// pipeline, each still image as <c>liveseg image</c> does. An item that fails is recorded with its one-line reason and
/// the others go on; a finished output whose sidecar matches is skipped untouched (<see cref="Provenance"/>).
/// </summary>
internal sealed class BatchRunner(BatchPlan plan, VideoSettings template)
{
    private VideoPipeline? _current;
    private long _finishedFrames;

    /// <summary>The hash of every setting that changes the output's pixels (and the output extension).</summary>
    public string SettingsHash { get; } = Provenance.Hash(SettingsText(template, plan.Extension));

    /// <summary>The model file's SHA-256.</summary>
    public string ModelHash { get; } = Provenance.ModelHash(template.Model.Model.OnnxPath);

    /// <summary>Frames finished so far over the items run (skipped ones counted), readable from any thread for progress.</summary>
    public long FramesDone => Interlocked.Read(ref _finishedFrames) + (Volatile.Read(ref _current)?.Recorder.Count ?? 0);

    /// <summary>Items finished so far (any status).</summary>
    public int ItemsDone { get; private set; }

    /// <summary>How a failed item's user error is recorded: its message, or a front end's wording of it (the CLI names settings by their flags).</summary>
    public Func<LiveSegException, string> Describe { get; init; } = static e => e.Message;

    /// <summary>
    /// Runs <paramref name="items"/>; <paramref name="finished"/> hears each result as it comes. Cancelling
    /// <paramref name="stop"/> ends the current item as a stopped video run does (its output playable, not recorded as
    /// finished, so a re-run redoes it) and starts no other. Returns the results of the items run, in order.
    /// </summary>
    public List<ItemResult> Run(IReadOnlyList<WorkItem> items, CancellationToken stop, Action<ItemResult>? finished = null)
    {
        var results = new List<ItemResult>();
        foreach (var item in items)
        {
            if (stop.IsCancellationRequested)
                break;
            var result = RunOne(item, stop);
            results.Add(result);
            ItemsDone++;
            Interlocked.Add(ref _finishedFrames, Math.Max(result.Frames, 0));
            finished?.Invoke(result);
        }
        return results;
    }

    private ItemResult RunOne(WorkItem item, CancellationToken stop)
    {
        var expected = Provenance.Expected(item, SettingsHash, ModelHash);
        if (item.IsChunk && Provenance.Finished(plan.OutDir, Whole(item.Input), Provenance.Expected(Whole(item.Input), SettingsHash, ModelHash)) is not null)
            return ItemResult.For(item, plan.OutDir, ItemResult.Skipped, "the joined output is finished and identical", 0, 0);
        if (Provenance.Finished(plan.OutDir, item, expected) is { } done)
            return ItemResult.For(item, plan.OutDir, ItemResult.Skipped, "finished before with the same input, settings, model and version", done.Frames, done.Seconds);
        Provenance.Forget(plan.OutDir, item);
        var clock = Stopwatch.StartNew();
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Provenance.OutputFileOf(plan.OutDir, item))!);
            (int frames, bool complete) = item.Input.IsImage ? (RunImage(item), true) : RunVideo(item, stop);
            double seconds = clock.Elapsed.TotalSeconds;
            if (!complete)
                return ItemResult.For(item, plan.OutDir, ItemResult.Failed, $"interrupted after {frames} frames: the output holds them and is playable; a re-run redoes it", frames, seconds);
            Provenance.Record(plan.OutDir, item, expected, frames, seconds);
            return ItemResult.For(item, plan.OutDir, ItemResult.Done, null, frames, seconds);
        }
        catch (LiveSegException e)
        {
            return ItemResult.For(item, plan.OutDir, ItemResult.Failed, Describe(e), 0, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OpenCVException or InvalidOperationException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return ItemResult.For(item, plan.OutDir, ItemResult.Failed, $"internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}", 0, clock.Elapsed.TotalSeconds);
        }
    }

    private (int Frames, bool Complete) RunVideo(WorkItem item, CancellationToken stop)
    {
        var job = template with
        {
            Input = item.Input.Path,
            Output = item.IsChunk ? item.PartPath(plan.OutDir) : item.Input.Output,
            Range = item.Range,
            Encode = item.IsChunk
                ? template.Encode with { KeepStreams = false, KeepStartTime = true, Tags = [new(Concat.SourceTag, Path.GetFullPath(item.Input.Path))] }
                : template.Encode,
        };
        using var pipeline = new VideoPipeline(job);
        Volatile.Write(ref _current, pipeline);
        try
        {
            bool complete = pipeline.Run(stop);
            if (!pipeline.OutputWritten)
                Throw.User($"input '{item.Input.Path}': no frame was processed, nothing written.");
            return (pipeline.Recorder.Count, complete);
        }
        finally
        {
            Volatile.Write(ref _current, null);
        }
    }

    private int RunImage(WorkItem item)
    {
        using var image = ImageFiles.TryRead(item.Input.Path, ImreadModes.Color, out string why)
            ?? Throw.User<Mat>($"input image '{item.Input.Path}': {why}.");
        using var segmenter = new OnnxSegmenter(template.Model.Model, template.Model.Device, template.Model.Threads);
        var refine = template.Effect.Refine == Effects.RefineKind.Auto ? Effects.RefineKind.Off : template.Effect.Refine;
        new ImageSegmenter(segmenter, refine).WriteOutputs(image, item.Input.Output, Path.GetFileNameWithoutExtension(item.Input.Name));
        return 1;
    }

    /// <summary>The item that stands for an input as a whole (its final output and sidecar).</summary>
    public static WorkItem Whole(BatchInput input) => new(input, 0, 1, FrameRange.All);

    /// <summary>The canonical text of what decides an output's pixels, for <see cref="SettingsHash"/>.</summary>
    private static string SettingsText(VideoSettings job, string extension)
    {
        var background = job.BackgroundPath is { } b && File.Exists(b) ? new FileInfo(b) : null;
        string text = JsonSerializer.Serialize(new
        {
            model = job.Model.Model.Manifest.Name,
            smoothing = job.Mask.Smoothing,
            effect = JsonSerializer.Serialize(job.Effect),
            background = background is null ? job.BackgroundPath : $"{background.FullName} {background.Length} {background.LastWriteTimeUtc.Ticks}",
            codec = job.Encode.Codec.ToString(),
            crf = job.Encode.Crf,
            preset = job.Encode.Preset,
            sound = job.Encode.KeepStreams,
            alpha = job.Alpha,
            renderer = job.Renderer.ToString(),
            frames = job.MaxFrames,
            extension,
        });
        // --person, the detector and --autoframe decide which pixels are kept and the crop; added only when set, so
        // the hash of a job without them is what it was.
        return job.People is { } p
            ? text + string.Create(System.Globalization.CultureInfo.InvariantCulture, $" people {p.Choice} {p.Detector.Name} every {p.DetectEvery} autoframe {p.AutoFrame}")
            : text;
    }
}
