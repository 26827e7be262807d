using System.Globalization;
using LiveSeg.IO;

namespace LiveSeg.Cli.Reports;

/// <summary>One evaluated image: its id, its overlay PNG (in the report folder) and its scores.</summary>
internal sealed record EvalRow(string Id, string Overlay, double Dice, double Jaccard, double Accuracy, double Ms);

/// <summary>'eval --report DIR' adds dice-histogram.png and index.html: the summary, the histogram, the worst images first.</summary>
internal static class EvalReport
{
    public const int Worst = 8;

    public static void Write(string folder, IReadOnlyList<(string Name, string Value)> settings, IReadOnlyList<EvalRow> rows)
    {
        if (rows.Count == 0)
            return;
        double[] dice = [.. rows.Select(r => r.Dice)];
        AtomicFile.WriteAllBytes(Path.Combine(folder, "dice-histogram.png"), "report plot",
            Plots.Histogram(dice, $"Dice per image ({rows.Count} images)", "Dice", "", ScottPlot.Alignment.UpperLeft, 5, 50));
        var html = Html.Begin("liveseg eval");
        Html.Settings(html, settings);
        Html.Figure(html, "dice-histogram.png", "Dice of every image; the dashed lines mark the 5th percentile and the median.");
        var worst = rows.OrderBy(r => r.Dice).Take(Worst).ToList();
        html.Append("<h2>worst ").Append(worst.Count).Append(" images (lowest Dice)</h2>\n");
        Html.Table(html, ["image", "Dice", "Jaccard", "accuracy", "ms"], worst.Select(Cells));
        foreach (var r in worst)
            Html.Figure(html, r.Overlay, string.Create(CultureInfo.InvariantCulture, $"{r.Id}: Dice {r.Dice:F3} (white = truth, green = model)"));
        html.Append("<h2>every image</h2>\n");
        Html.Table(html, ["image", "Dice", "Jaccard", "accuracy", "ms"], rows.Select(Cells));
        AtomicFile.WriteAllText(Path.Combine(folder, "index.html"), "report", Html.End(html));
    }

    private static string[] Cells(EvalRow r) => [r.Id, r.Dice.ToString("F4", CultureInfo.InvariantCulture), r.Jaccard.ToString("F4", CultureInfo.InvariantCulture),
        r.Accuracy.ToString("F4", CultureInfo.InvariantCulture), r.Ms.ToString("F1", CultureInfo.InvariantCulture)];
}
