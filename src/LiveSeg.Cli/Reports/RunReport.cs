using System.Globalization;
using System.Net;
using System.Text;
using LiveSeg.IO;
using LiveSeg.Metrics;
using LiveSeg.Pipeline;

namespace LiveSeg.Cli.Reports;

/// <summary>One timed run of a video job: its round (1..), mode, frames per second and every frame's record.</summary>
internal sealed record ReportRun(int Round, string Mode, double Fps, FrameRecord[] Records);

/// <summary>
/// 'video --report DIR' and 'bench --report DIR': stages.png (per-stage time over the run, stacked), latency.png
/// (end-to-end latency histogram, p50/p95/p99 marked), fps.png (fps per round and mode) and index.html showing them
/// with the run's settings and the summary table. Every file is written atomically (AtomicFile).
/// </summary>
internal static class RunReport
{
    public static readonly string[] Files = ["stages.png", "latency.png", "fps.png", "index.html"];

    /// <summary>Before any work: the folder is not an input folder, is created, and none of its files is an input.</summary>
    public static void Check(string folder, IReadOnlyList<InputFile> inputs) => CheckFolder(folder, "report folder", inputs, Files);

    public static void CheckFolder(string folder, string role, IReadOnlyList<InputFile> inputs, string[] files)
    {
        // An image-sequence input (frames/%04d.png) reads a whole folder: the report may not go there.
        var inputFolders = inputs.Where(i => i.Path is not null && (i.Path.Contains('%', StringComparison.Ordinal) || Directory.Exists(i.Path)))
            .Select(i => new InputFile(i.Path!.Contains('%', StringComparison.Ordinal) ? Path.GetDirectoryName(Path.GetFullPath(i.Path)) : i.Path, i.Role + " folder"));
        OutputCheck.Folder(folder, role, inputFolders);
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Throw.User($"{role} '{folder}' cannot be created ({e.Message}): choose a writable folder.", e);
        }
        foreach (string file in files)
            OutputCheck.File(Path.Combine(folder, file), role == "report folder" ? "report file" : role, inputs);
    }

    /// <summary>The run's settings as the report shows them.</summary>
    public static List<(string Name, string Value)> Settings(RunInfo info, VideoSettings job)
    {
        var inv = CultureInfo.InvariantCulture;
        var e = job.Effect;
        return
        [
            ("input", string.Create(inv, $"{info.Input} ({info.Width}x{info.Height}, {info.SourceFps:0.##} fps)")),
            ("model", $"{info.Model} ({job.Model.Model.OnnxPath})"),
            ("inference", string.Create(inv, $"{info.Provider} (--device {job.Model.Device.ToString().ToLowerInvariant()}, --threads {job.Model.Threads})")),
            ("effect", string.Create(inv, $"{info.Effect} (blur {e.BlurRadius}, strength {e.TintStrength:0.##}, outline {e.OutlineWidth}, smoothing {job.Mask.Smoothing:0.##})")),
            ("frames", job.MaxFrames > 0 ? string.Create(inv, $"first {job.MaxFrames}") : "all"),
            ("machine", string.Create(inv, $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}")),
            ("date", DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", inv)),
        ];
    }

    public static void Write(string folder, string title, IReadOnlyList<(string Name, string Value)> settings, IReadOnlyList<ReportRun> runs)
    {
        // The figures show the last pipelined run (the last run of any mode where there is none).
        ReportRun shown = runs.LastOrDefault(r => r.Mode == "pipelined") ?? runs[^1];
        double[] endToEnd = [.. shown.Records.Select(r => StageInfo.TicksToMs(r.Ticks[(int)Stage.EndToEnd]))];
        AtomicFile.WriteAllBytes(Path.Combine(folder, "stages.png"), "report plot",
            Plots.StagesOverRun(shown.Records, $"per-stage time per frame ({shown.Mode}, round {shown.Round})"));
        AtomicFile.WriteAllBytes(Path.Combine(folder, "latency.png"), "report plot",
            Plots.Histogram(endToEnd, $"end-to-end latency ({shown.Mode}, {endToEnd.Length} frames)", "capture → encoded (ms)", "ms", ScottPlot.Alignment.UpperRight, 50, 95, 99));
        AtomicFile.WriteAllBytes(Path.Combine(folder, "fps.png"), "report plot", Plots.FpsPerRound(runs));

        var html = Html.Begin(title);
        Html.Settings(html, settings);
        foreach (var mode in runs.Select(r => r.Mode).Distinct())
        {
            var last = runs.Last(r => r.Mode == mode);
            var stats = LatencySummary.Compute(last.Records);
            html.Append(CultureInfo.InvariantCulture, $"<h2>{WebUtility.HtmlEncode(mode)}: {last.Fps:F1} fps (round {last.Round}, {last.Records.Length} frames)</h2>\n");
            Html.Table(html, ["stage", "mean", "p50", "p95", "p99", "max (ms)"],
                stats.Select(s => new[] { s.Stage, Ui.F(s.Mean), Ui.F(s.P50), Ui.F(s.P95), Ui.F(s.P99), Ui.F(s.Max) }));
        }
        Html.Figure(html, "stages.png", "Time each stage spent on each frame, stacked: the top edge is the frame's total work. In pipelined mode the stages of different frames overlap in time, so the sum is work, not wall time.");
        Html.Figure(html, "latency.png", "End-to-end latency (capture stamp → encoded) of every frame, with p50, p95 and p99.");
        Html.Figure(html, "fps.png", "Frames per second of each run, by round.");
        AtomicFile.WriteAllText(Path.Combine(folder, "index.html"), "report", Html.End(html));
    }
}
