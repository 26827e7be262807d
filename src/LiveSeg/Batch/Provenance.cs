using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LiveSeg.IO;

namespace LiveSeg.Batch;

/// <summary>
/// What made a finished output, in a small sidecar (OUTDIR/.liveseg/NAME.json; a chunk's beside its part): the input's
/// identity (path, size, modification time), a hash of every setting that changes the pixels, LiveSeg's version and
/// the model file's SHA-256 — and the output's own size and time as written. A re-run skips an output whose sidecar
/// matches all of these, and redoes it when any changed (a setting, the input, the model, the output itself).
/// </summary>
internal sealed record Provenance(string Version, string Input, long InputSize, long InputTime, string Settings, string Model,
    string Range, long OutputSize, long OutputTime, int Frames, double Seconds)
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
    private static readonly Dictionary<string, string> s_modelHashes = [];

    /// <summary>LiveSeg's version, as the sidecars record it.</summary>
    public static string LiveSegVersion { get; } =
        typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The sidecar of an output: OUTDIR/.liveseg/NAME.json (a chunk's part: PART.json beside it).</summary>
    public static string SidecarOf(string outDir, WorkItem item) => item.IsChunk
        ? item.PartPath(outDir) + ".json"
        : Path.Combine(outDir, ".liveseg", item.Input.Name + ".json");

    /// <summary>The hash of the settings text (the batch's canonical description of everything that changes the pixels).</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    /// <summary>The SHA-256 of a model file (computed once a process).</summary>
    public static string ModelHash(string onnxPath)
    {
        lock (s_modelHashes)
        {
            string full = Path.GetFullPath(onnxPath);
            if (!s_modelHashes.TryGetValue(full, out string? hash))
            {
                using var stream = File.OpenRead(full);
                s_modelHashes[full] = hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            return hash;
        }
    }

    /// <summary>What the sidecar of <paramref name="item"/> must say for its output to count as finished with these settings (output fields left 0).</summary>
    public static Provenance Expected(WorkItem item, string settingsHash, string modelHash)
    {
        var input = new FileInfo(item.Input.Path);
        long size = input.Exists ? input.Length : -1, time = input.Exists ? input.LastWriteTimeUtc.Ticks : 0;
        return new Provenance(LiveSegVersion, Path.GetFullPath(item.Input.Path), size, time, settingsHash, modelHash,
            item.IsChunk ? $"{item.Range} of {item.Chunks}" : "all", 0, 0, 0, 0);
    }

    /// <summary>The output file this sidecar vouches for (an image input: its mask).</summary>
    public static string OutputFileOf(string outDir, WorkItem item) =>
        item.IsChunk ? item.PartPath(outDir) : item.Input.IsImage ? item.Input.Output + "-mask.png" : item.Input.Output;

    /// <summary>The recorded sidecar when it matches <paramref name="expected"/> and its output is still as written; else null.</summary>
    public static Provenance? Finished(string outDir, WorkItem item, Provenance expected)
    {
        string sidecar = SidecarOf(outDir, item);
        Provenance? recorded;
        try
        {
            if (!File.Exists(sidecar))
                return null;
            recorded = JsonSerializer.Deserialize<Provenance>(File.ReadAllText(sidecar));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null; // unreadable: redo
        }
        var output = new FileInfo(OutputFileOf(outDir, item));
        if (recorded is null || !output.Exists || recorded.OutputSize != output.Length || recorded.OutputTime != output.LastWriteTimeUtc.Ticks)
            return null;
        return recorded with { OutputSize = 0, OutputTime = 0, Frames = 0, Seconds = 0 } == expected ? recorded : null;
    }

    /// <summary>Records that <paramref name="item"/>'s output is finished (after the output was put in place).</summary>
    public static void Record(string outDir, WorkItem item, Provenance expected, int frames, double seconds)
    {
        var output = new FileInfo(OutputFileOf(outDir, item));
        var done = expected with { OutputSize = output.Length, OutputTime = output.LastWriteTimeUtc.Ticks, Frames = frames, Seconds = Math.Round(seconds, 3) };
        string sidecar = SidecarOf(outDir, item);
        Directory.CreateDirectory(Path.GetDirectoryName(sidecar)!);
        AtomicFile.WriteAllText(sidecar, "batch sidecar", JsonSerializer.Serialize(done, s_json));
    }

    /// <summary>Removes a sidecar (its output is being redone, or its part was joined).</summary>
    public static void Forget(string outDir, WorkItem item)
    {
        try
        {
            File.Delete(SidecarOf(outDir, item));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
