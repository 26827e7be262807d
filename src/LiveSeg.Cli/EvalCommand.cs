using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg.Cli;

/// <summary><c>liveseg eval</c>: Dice, Jaccard and pixel accuracy of a model on a labelled split, at each image's own size.</summary>
public static class EvalCommand
{
    public const string Help = """
        liveseg eval --model nevus|FILE.onnx --data DIR [--split test] [--report OUTDIR] [--json]

        Runs the model on every image of a split of a PH2-style folder (images/, masks/, split.csv), upsamples its mask
        to the image's own size, thresholds at 0.5 and compares with the true mask: Dice, Jaccard, pixel accuracy per
        image and their means. --report writes report.csv and an overlay PNG per image (white = truth, green = model).
        --json prints one JSON object: {"dice", "jaccard", "thresholded_jaccard", "accuracy", "images", "per_image": [...]}.
        Jaccard is the mean per-image Jaccard (ISIC 2017's ranking); thresholded_jaccard is ISIC 2018's (per-image
        Jaccard below 0.65 counts as 0).
        """;

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static int Run(string[] args)
    {
        var cl = new CommandLine("liveseg eval", args, new Dictionary<string, bool>
        {
            ["-m"] = true, ["--model"] = true, ["--manifest"] = true, ["--data"] = true, ["--split"] = true, ["--report"] = true,
            ["--json"] = false, ["--device"] = true, ["-h"] = false, ["--help"] = false, ["-v"] = false, ["--verbose"] = false,
        });
        if (cl.Has("--help"))
        {
            Console.WriteLine(Help);
            return ExitCodes.Ok;
        }
        string data = cl.Get("--data") ?? throw cl.Error("missing --data DIR");
        string split = cl.Get("--split", "test");
        string? report = cl.Get("--report");
        bool json = cl.Has("--json");
        var items = Ph2Dataset.Load(data, split);
        if (report is not null)
            Directory.CreateDirectory(report);
        var spec = ModelCatalogue.Resolve(cl.Get("--model", "nevus"), cl.Get("--manifest"), m => Console.Error.WriteLine($"liveseg: {m}"));
        using var segmenter = new OnnxSegmenter(spec, ExecutionProviders.Parse(cl.Get("--device", "auto")));
        var images = new ImageSegmenter(segmenter);
        if (!json)
            Console.WriteLine($"model {spec.Manifest.Name} on {segmenter.Provider}; {items.Count} images of split '{split}' in {data}");
        var rows = new List<(LabeledImage Item, MaskScores Scores, double Ms)>();
        foreach (var item in items)
        {
            using var image = Cv2.ImRead(item.Image, ImreadModes.Color);
            using var truth = Cv2.ImRead(item.Mask, ImreadModes.Grayscale);
            if (image.Empty() || truth.Empty() || image.Size() != truth.Size())
                throw new LiveSegException($"'{item.Image}' / '{item.Mask}': unreadable, or image and mask differ in size.");
            using var predicted = images.Segment(image, out double inferenceMs);
            predicted.GetArray(out byte[] p);
            truth.GetArray(out byte[] t);
            var scores = MaskScores.Of(p, t);
            rows.Add((item, scores, inferenceMs));
            if (!json)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{item.Id,-10} Dice {scores.Dice:F4}  Jaccard {scores.Jaccard:F4}  accuracy {scores.Accuracy:F4}  {inferenceMs:F1} ms"));
            if (report is not null)
            {
                using var overlay = ImageSegmenter.Overlay(image, predicted, truth, string.Create(CultureInfo.InvariantCulture, $"{item.Id}  Dice {scores.Dice:F3}"));
                Cv2.ImWrite(Path.Combine(report, item.Id + ".png"), overlay);
            }
        }
        double dice = rows.Average(r => r.Scores.Dice), jaccard = rows.Average(r => r.Scores.Jaccard), accuracy = rows.Average(r => r.Scores.Accuracy);
        double thresholdedJaccard = ChallengeMetrics.ThresholdedJaccard(rows.Select(r => r.Scores.Jaccard));
        double[] ms = rows.Select(r => r.Ms).Order().ToArray();
        if (report is not null)
            WriteCsv(Path.Combine(report, "report.csv"), rows);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                model = spec.Manifest.Name, split, dice, jaccard, thresholded_jaccard = thresholdedJaccard, accuracy, images = rows.Count,
                inference_ms_p50 = LiveSeg.Metrics.LatencySummary.Percentile(ms, 50),
                per_image = rows.Select(r => new { id = r.Item.Id, dice = r.Scores.Dice, jaccard = r.Scores.Jaccard, accuracy = r.Scores.Accuracy }),
            }, s_json));
        }
        else
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mean over {rows.Count} images: Dice {dice:F4}  Jaccard {jaccard:F4}  thresholded Jaccard {thresholdedJaccard:F4}  pixel accuracy {accuracy:F4}  (inference p50 {LiveSeg.Metrics.LatencySummary.Percentile(ms, 50):F1} ms)"));
            if (report is not null)
                Console.WriteLine($"report: {report}/report.csv and one overlay PNG per image");
        }
        return ExitCodes.Ok;
    }

    private static void WriteCsv(string path, List<(LabeledImage Item, MaskScores Scores, double Ms)> rows)
    {
        var sb = new StringBuilder("id,dice,jaccard,accuracy,predicted_px,truth_px,inference_ms\n");
        foreach (var (item, s, ms) in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{item.Id},{s.Dice:F5},{s.Jaccard:F5},{s.Accuracy:F5},{s.Predicted},{s.Truth},{ms:F2}\n");
        File.WriteAllText(path, sb.ToString());
    }
}
