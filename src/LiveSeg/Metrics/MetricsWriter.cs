using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LiveSeg.Metrics;

/// <summary>Facts about a run that go into a metrics file beside the frames.</summary>
internal sealed record RunInfo(string Input, string Output, string Model, string Provider, string Effect, string Mode,
    int Width, int Height, double SourceFps, int Frames, double Seconds, double Fps, bool Interrupted);

/// <summary>
/// Writes every frame's record plus the summary. The format follows the extension: .json (one object: run, summary,
/// frames) or .csv (one table: a row per frame with kind=frame, then rows kind=mean|p50|p95|p99|max).
/// </summary>
internal static class MetricsWriter
{
    public static void Write(string path, RunInfo run, ReadOnlySpan<FrameRecord> records)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        StageStats[] summary = LatencySummary.Compute(records);
        string text = ext switch
        {
            ".json" => ToJson(run, summary, records),
            ".csv" => ToCsv(summary, records),
            _ => Throw.User<string>($"metrics file '{path}' must end in .json or .csv."),
        };
        LiveSeg.IO.AtomicFile.WriteAllText(path, "metrics file", text);
    }

    /// <summary>
    /// Checks before a run that the metrics path can be written and is none of the run's inputs (a model's manifest is
    /// a .json too), so a long run never ends in a lost report or a destroyed input.
    /// </summary>
    public static void Validate(string path, IEnumerable<LiveSeg.IO.InputFile> inputs)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not ".json" and not ".csv")
            Throw.User($"metrics file '{path}' must end in .json or .csv.");
        LiveSeg.IO.OutputCheck.File(path, "metrics file", inputs);
    }

    private static string ToJson(RunInfo run, StageStats[] summary, ReadOnlySpan<FrameRecord> records)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WritePropertyName("run");
            JsonSerializer.Serialize(w, run, MetricsJsonContext.Default.RunInfo);
            w.WriteStartObject("summary_ms");
            foreach (var s in summary)
            {
                w.WriteStartObject(s.Stage);
                w.WriteNumber("mean", Math.Round(s.Mean, 4));
                w.WriteNumber("p50", Math.Round(s.P50, 4));
                w.WriteNumber("p95", Math.Round(s.P95, 4));
                w.WriteNumber("p99", Math.Round(s.P99, 4));
                w.WriteNumber("max", Math.Round(s.Max, 4));
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("frames");
            foreach (var r in records)
            {
                w.WriteStartObject();
                w.WriteNumber("frame", r.Index);
                for (int s = 0; s < StageInfo.Count; s++)
                    w.WriteNumber(StageInfo.Names[s] + "_ms", Math.Round(StageInfo.TicksToMs(r.Ticks[s]), 4));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string ToCsv(StageStats[] summary, ReadOnlySpan<FrameRecord> records)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append("kind,frame");
        foreach (string name in StageInfo.Names)
            sb.Append(',').Append(name).Append("_ms");
        sb.AppendLine();
        foreach (var r in records)
        {
            sb.Append("frame,").Append(r.Index.ToString(inv));
            for (int s = 0; s < StageInfo.Count; s++)
                sb.Append(',').Append(StageInfo.TicksToMs(r.Ticks[s]).ToString("F4", inv));
            sb.AppendLine();
        }
        string[] kinds = ["mean", "p50", "p95", "p99", "max"];
        foreach (string kind in kinds)
        {
            sb.Append(kind).Append(',');
            foreach (var s in summary)
            {
                double v = kind switch { "mean" => s.Mean, "p50" => s.P50, "p95" => s.P95, "p99" => s.P99, _ => s.Max };
                sb.Append(',').Append(v.ToString("F4", inv));
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.SnakeCaseLower)]
[System.Text.Json.Serialization.JsonSerializable(typeof(RunInfo))]
internal sealed partial class MetricsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
