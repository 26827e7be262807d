using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveSeg.Effects;
using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Models;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary><c>liveseg eval</c>: Dice, Jaccard and pixel accuracy of a model on a labelled split, at each image's own size.</summary>
internal static class EvalCommand
{
    private static readonly Option<string> s_data = new("--data")
    {
        Description = "a PH2-style folder: images/, masks/, split.csv",
        HelpName = "DIR",
        Required = true,
    };

    private static readonly Option<string> s_split = Opt.TextOr("--split", "the split of split.csv to evaluate", "NAME", "test");

    private static readonly Option<string?> s_report = Opt.Text("--report",
        "write report.csv, an overlay PNG per image, a Dice histogram and index.html (worst images first)", "DIR");

    private static readonly Option<bool> s_jsonOutput = Opt.Flag("--json", "print one JSON object: dice, jaccard, thresholded_jaccard, accuracy, images, per_image");

    private static readonly Option<string> s_refine = RefineOption.Create();

    private static readonly ModelOptions s_model = Commands.StillImageModel;

    private static readonly DeviceOptions s_device = Commands.Shared.Device;

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "Dice / Jaccard / boundary F / accuracy of a model on a labelled split (PH2 layout)";

    public static Command Build()
    {
        var command = new Command("eval", Summary) { s_data, s_split };
        s_model.AddTo(command);
        s_device.AddTo(command, threads: false);
        command.Add(s_refine);
        command.Add(s_report);
        command.Add(s_jsonOutput);
        command.SetAction(Run);
        return Commands.Note(command, """
            Runs the model on every image of the split, upsamples its mask to the image's own size (--refine, as video
            and live do), thresholds at 0.5 and compares with the true mask: Dice, Jaccard, boundary F, pixel accuracy
            per image and their means. In the report's overlays white is the truth, green the model. Jaccard is the
            mean per-image Jaccard (ISIC 2017's ranking); the thresholded Jaccard is ISIC 2018's (an image's Jaccard
            below 0.65 counts as 0); boundary F is DAVIS's (boundary pixels matched within 0.75 % of the diagonal).
            """);
    }

    private static int Run(ParseResult cl)
    {
        string data = cl.GetValue(s_data)!;
        string split = cl.GetValue(s_split)!;
        string? report = cl.GetValue(s_report);
        bool json = cl.GetValue(s_jsonOutput);
        var set = EvalSet.Load(data, split);
        if (report is not null)
        {
            LiveSeg.IO.OutputCheck.Folder(report, "report folder", [new(data, "dataset folder"), new(Path.Combine(data, "images"), "dataset images"), new(Path.Combine(data, "masks"), "dataset masks")]);
            Directory.CreateDirectory(report);
        }
        var spec = s_model.Resolve(cl);
        using var segmenter = new OnnxSegmenter(spec, s_device.Read(cl));
        var refine = RefineChoice.ForStill(EffectSettings.ParseRefine(cl.GetValue(s_refine)!));
        var images = new ImageSegmenter(segmenter, refine);
        if (!json)
            Console.WriteLine($"model {spec.Manifest.Name} on {segmenter.Provider}; {set.Items.Count} images of split '{split}' in {data}; mask upsampling: {RefineName(refine)}");
        var result = DatasetEvaluation.Run(set, images, (row, image, predicted, truth) =>
        {
            var (item, scores, boundary, inferenceMs) = row;
            if (!json)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{item.Id,-10} Dice {scores.Dice:F4}  Jaccard {scores.Jaccard:F4}  boundary F {boundary.F:F4}  accuracy {scores.Accuracy:F4}  {inferenceMs:F1} ms"));
            if (report is not null)
            {
                using var overlay = ImageSegmenter.Overlay(image, predicted, truth, string.Create(CultureInfo.InvariantCulture, $"{item.Id}  Dice {scores.Dice:F3}"));
                LiveSeg.IO.AtomicFile.WriteImage(Path.Combine(report, item.Id + ".png"), "report image", overlay);
            }
        }, warning => Console.Error.WriteLine($"liveseg: {warning}"));
        var rows = result.Images;
        double dice = result.Dice, jaccard = result.Jaccard, accuracy = result.Accuracy;
        double boundaryF = result.BoundaryF;
        double thresholdedJaccard = result.ThresholdedJaccard;
        double p50 = result.InferenceMsP50;
        if (report is not null)
        {
            WriteCsv(Path.Combine(report, "report.csv"), rows);
            Reports.EvalReport.Write(report, [("model", $"{spec.Manifest.Name} ({spec.OnnxPath})"), ("provider", segmenter.Provider.ToString()),
                ("data", $"{data}, split '{split}'"), ("images", rows.Count.ToString(CultureInfo.InvariantCulture)),
                ("mask upsampling", RefineName(refine)),
                ("mean", string.Create(CultureInfo.InvariantCulture, $"Dice {dice:F4}, Jaccard {jaccard:F4}, thresholded Jaccard {thresholdedJaccard:F4}, boundary F {boundaryF:F4}, pixel accuracy {accuracy:F4}"))],
                [.. rows.Select(r => new Reports.EvalRow(r.Item.Id, r.Item.Id + ".png", r.Scores.Dice, r.Scores.Jaccard, r.Scores.Accuracy, r.InferenceMs))]);
        }
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                model = spec.Manifest.Name, split, refine = refine.ToString().ToLowerInvariant(), dice, jaccard, thresholded_jaccard = thresholdedJaccard,
                boundary_f = boundaryF, accuracy, images = rows.Count, skipped = result.Skipped,
                inference_ms_p50 = p50,
                per_image = rows.Select(r => new { id = r.Item.Id, dice = r.Scores.Dice, jaccard = r.Scores.Jaccard, boundary_f = r.Boundary.F, accuracy = r.Scores.Accuracy }),
            }, Json.Indented));
        }
        else
        {
            int skipped = result.Skipped;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mean over {rows.Count} images{(skipped > 0 ? $" ({skipped} skipped)" : "")}: Dice {dice:F4}  Jaccard {jaccard:F4}  thresholded Jaccard {thresholdedJaccard:F4}  boundary F {boundaryF:F4}  pixel accuracy {accuracy:F4}  (inference p50 {p50:F1} ms)"));
            if (report is not null)
                Console.WriteLine($"report: {Path.Combine(report, "index.html")} (report.csv, dice-histogram.png, one overlay PNG per image)");
        }
        return ExitCodes.Ok;
    }

    /// <summary>How the report names a refine mode.</summary>
    internal static string RefineName(RefineKind refine) => refine switch
    {
        RefineKind.Guided => "guided by the image (fast guided filter)",
        RefineKind.Bilateral => "guided by the image (joint bilateral)",
        _ => "bilinear",
    };

    private static void WriteCsv(string path, IReadOnlyList<EvalImage> rows)
    {
        var sb = new StringBuilder("id,dice,jaccard,boundary_f,accuracy,predicted_px,truth_px,inference_ms\n");
        foreach (var (item, s, b, ms) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{item.Id},{s.Dice:F5},{s.Jaccard:F5},{b.F:F5},{s.Accuracy:F5},{s.Predicted},{s.Truth},{ms:F2}\n");
        LiveSeg.IO.AtomicFile.WriteAllText(path, "report", sb.ToString());
    }

    /// <summary>Apart from the command's own statics, so that building the command tree does not load System.Text.Json.</summary>
    private static class Json
    {
        public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    }
}
