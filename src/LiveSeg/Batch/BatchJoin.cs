using LiveSeg.Media;

namespace LiveSeg.Batch;

/// <summary>
/// The batch's final step: per input, its outcome over every shard (the newest record of each work item); a long
/// input's chunks joined into its output (without re-encoding, with the input's sound) once every chunk is finished;
/// and the summary that goes into liveseg-batch.json. An input no record holds is failed: its task did not run or died.
/// </summary>
internal static class BatchJoin
{
    public static BatchSummary Join(BatchPlan plan, IReadOnlyList<ItemResult> newestFirst, string settingsHash, string modelHash, Action<string> log)
    {
        var latest = new Dictionary<(string, int, int), ItemResult>();
        foreach (var r in newestFirst)
            latest.TryAdd((Path.GetFullPath(r.Input), (r.Chunk ?? 1) - 1, r.Chunks ?? 1), r);
        ItemResult? Find(WorkItem i) => latest.GetValueOrDefault((Path.GetFullPath(i.Input.Path), i.Chunk, i.Chunks));

        var inputs = new List<InputResult>();
        foreach (var input in plan.Inputs)
        {
            var items = plan.Items.Where(i => i.Input == input).ToList();
            inputs.Add(items.Count == 1 ? Single(plan, items[0], Find(items[0]), settingsHash, modelHash)
                : Chunked(plan, input, items, Find, settingsHash, modelHash, log));
        }
        return new BatchSummary(inputs, inputs.Count(i => i.Status == ItemResult.Done), inputs.Count(i => i.Status == ItemResult.Skipped),
            inputs.Count(i => i.Status == ItemResult.Failed), inputs.Sum(i => i.Frames), Math.Round(inputs.Sum(i => i.Seconds), 3),
            Provenance.LiveSegVersion, DateTime.UtcNow);
    }

    private static InputResult Single(BatchPlan plan, WorkItem item, ItemResult? r, string settingsHash, string modelHash)
    {
        if (r is not null)
            return new InputResult(r.Input, r.Name, r.Output, r.Status, r.Reason, r.Frames, r.Seconds);
        // No record: finished by an earlier run (its sidecar says so), or never processed.
        if (Provenance.Finished(plan.OutDir, item, Provenance.Expected(item, settingsHash, modelHash)) is { } p)
            return new InputResult(item.Input.Path, item.Input.Name, item.Input.Output, ItemResult.Done, "no shard record this run; its sidecar records it finished", p.Frames, p.Seconds);
        return new InputResult(item.Input.Path, item.Input.Name, item.Input.Output, ItemResult.Failed,
            "no shard processed it (did its task run, with the same list and options?)", 0, 0);
    }

    private static InputResult Chunked(BatchPlan plan, BatchInput input, List<WorkItem> items, Func<WorkItem, ItemResult?> find,
        string settingsHash, string modelHash, Action<string> log)
    {
        var whole = BatchRunner.Whole(input);
        var chunks = items.Select(i => find(i) ?? ItemResult.For(i, plan.OutDir, ItemResult.Failed, "no shard processed it (did its task run?)", 0, 0)).ToList();
        InputResult Result(string status, string? reason, int frames, double seconds) =>
            new(input.Path, input.Name, input.Output, status, reason, frames, Math.Round(seconds, 3), chunks);

        if (Provenance.Finished(plan.OutDir, whole, Provenance.Expected(whole, settingsHash, modelHash)) is { } finished)
            return Result(ItemResult.Skipped, "finished before with the same input, settings, model and version", finished.Frames, finished.Seconds);
        var parts = new List<Provenance>();
        for (int k = 0; k < items.Count; k++)
        {
            if (Provenance.Finished(plan.OutDir, items[k], Provenance.Expected(items[k], settingsHash, modelHash)) is not { } part)
            {
                string why = chunks[k].Status == ItemResult.Failed ? chunks[k].Reason ?? "failed" : "its part is missing or changed";
                return Result(ItemResult.Failed, $"chunk {k + 1}/{items.Count} (frames {items[k].Range}): {why}", chunks.Sum(c => c.Frames), chunks.Sum(c => c.Seconds));
            }
            parts.Add(part);
        }
        int frames = parts.Sum(p => p.Frames);
        double seconds = parts.Sum(p => p.Seconds);
        try
        {
            string how = Concat.Join([.. items.Select(i => Concat.Probe(i.PartPath(plan.OutDir)))], input.Output, input.Path);
            int written = BatchPlan.CountFrames(input.Output);
            if (written != frames)
                Throw.User($"output '{input.Output}': the joined file holds {written} frames, its parts {frames}: the parts are kept for a look; re-run the batch to redo them.");
            Provenance.Record(plan.OutDir, whole, Provenance.Expected(whole, settingsHash, modelHash), frames, seconds);
            log($"{input.Name}: {how} → {input.Output}");
        }
        catch (LiveSegException e)
        {
            return Result(ItemResult.Failed, $"join: {e.Message}", frames, seconds);
        }
        foreach (var item in items)
        {
            Provenance.Forget(plan.OutDir, item);
            try
            {
                File.Delete(item.PartPath(plan.OutDir));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return Result(ItemResult.Done, null, frames, seconds);
    }
}
