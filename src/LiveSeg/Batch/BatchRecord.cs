using System.Text.Json;
using System.Text.Json.Serialization;
using LiveSeg.IO;

namespace LiveSeg.Batch;

/// <summary>What became of one work item (an input, or a chunk of one).</summary>
/// <param name="Input">The input's path.</param>
/// <param name="Name">Its mirrored name.</param>
/// <param name="Output">The output (a chunk: its part file).</param>
/// <param name="Status">done, skipped (finished and identical before) or failed.</param>
/// <param name="Reason">Why it failed or was skipped (one line); null when done.</param>
/// <param name="Frames">Frames written (a skipped one: as recorded when it was made).</param>
/// <param name="Seconds">Processing time.</param>
/// <param name="Chunk">The chunk (1-based) of <paramref name="Chunks"/>, and its frames; null for a whole input.</param>
/// <param name="Chunks">How many chunks the input has (null: whole).</param>
/// <param name="Range">The chunk's frames, "80..160" (null: whole).</param>
internal sealed record ItemResult(string Input, string Name, string Output, string Status, string? Reason, int Frames, double Seconds,
    int? Chunk = null, int? Chunks = null, string? Range = null)
{
    public const string Done = "done", Skipped = "skipped", Failed = "failed";

    public double Fps => Seconds > 0 ? Math.Round(Frames / Seconds, 2) : 0;

    public static ItemResult For(WorkItem item, string outDir, string status, string? reason, int frames, double seconds) =>
        new(item.Input.Path, item.Input.Name, item.IsChunk ? item.PartPath(outDir) : item.Input.Output, status, reason, frames, Math.Round(seconds, 3),
            item.IsChunk ? item.Chunk + 1 : null, item.IsChunk ? item.Chunks : null, item.IsChunk ? item.Range.ToString() : null);
}

/// <summary>One input's line in liveseg-batch.json: its status over all its chunks, and the chunks themselves.</summary>
internal sealed record InputResult(string Input, string Name, string Output, string Status, string? Reason, int Frames, double Seconds,
    IReadOnlyList<ItemResult>? Chunks = null)
{
    public double Fps => Seconds > 0 ? Math.Round(Frames / Seconds, 2) : 0;
}

/// <summary>A shard's record (liveseg-batch.shard-I-of-N.json): which shard, when, and every item it was given.</summary>
internal sealed record ShardRecord(string Liveseg, string Shard, string From, DateTime Started, DateTime Finished, IReadOnlyList<ItemResult> Items);

/// <summary>The batch's record (liveseg-batch.json): every input first (the join's outcome), then a summary.</summary>
internal sealed record BatchSummary(IReadOnlyList<InputResult> Inputs, int Done, int Skipped, int Failed, int Frames, double Seconds, string Liveseg, DateTime Written);

/// <summary>Reads and writes the batch's JSON records (through the atomic writer).</summary>
internal static class BatchRecords
{
    public const string SummaryName = "liveseg-batch.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Write<T>(string path, T record) =>
        AtomicFile.WriteAllText(path, "batch record", JsonSerializer.Serialize(record, s_json) + "\n");

    /// <summary>Every shard record in <paramref name="outDir"/>, newest first (an unreadable one is named in <paramref name="unreadable"/>).</summary>
    public static List<ShardRecord> ReadShards(string outDir, List<string> unreadable)
    {
        var records = new List<(DateTime Time, ShardRecord Record)>();
        if (!Directory.Exists(outDir))
            return [];
        foreach (string file in Directory.EnumerateFiles(outDir, "liveseg-batch.shard-*-of-*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize<ShardRecord>(File.ReadAllText(file), s_json) is { Items: not null } r)
                    records.Add((r.Finished, r));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
            {
                unreadable.Add(file);
            }
        }
        return [.. records.OrderByDescending(r => r.Time).Select(r => r.Record)];
    }
}
