using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>The images of one split of a PH2-style folder (<see cref="Ph2Dataset"/>), and where they came from.</summary>
internal sealed record EvalSet(string Folder, string Split, IReadOnlyList<LabeledImage> Items)
{
    /// <summary>Reads <paramref name="folder"/>'s split.csv (and checks images/ and masks/): see <see cref="Ph2Dataset.Load"/>.</summary>
    public static EvalSet Load(string folder, string split) => new(folder, split, Ph2Dataset.Load(folder, split));
}

/// <summary>One evaluated image: its scores at its own size, and the model's inference time.</summary>
internal sealed record EvalImage(LabeledImage Item, MaskScores Scores, BoundaryScore Boundary, double InferenceMs);

/// <summary>
/// What <see cref="DatasetEvaluation.Run"/> found: every image that could be read, in the split's order, the number
/// skipped, and the means over the images read.
/// </summary>
internal sealed record EvalResult(IReadOnlyList<EvalImage> Images, int Skipped)
{
    public double Dice => Images.Average(r => r.Scores.Dice);

    /// <summary>Mean per-image Jaccard (ISIC 2017's ranking).</summary>
    public double Jaccard => Images.Average(r => r.Scores.Jaccard);

    /// <summary>ISIC 2018's: an image's Jaccard below 0.65 counts as 0 (<see cref="ChallengeMetrics.ThresholdedJaccard"/>).</summary>
    public double ThresholdedJaccard => ChallengeMetrics.ThresholdedJaccard(Images.Select(r => r.Scores.Jaccard));

    /// <summary>Mean DAVIS boundary F.</summary>
    public double BoundaryF => Images.Average(r => r.Boundary.F);

    public double Accuracy => Images.Average(r => r.Scores.Accuracy);

    /// <summary>The median inference time per image, in ms.</summary>
    public double InferenceMsP50 => LatencySummary.Percentile([.. Images.Select(r => r.InferenceMs).Order()], 50);
}

/// <summary>
/// Called for each scored image, with the image, the model's mask (thresholded, at the image's size) and the true
/// mask; the Mats belong to the evaluation and are disposed after the call.
/// </summary>
internal delegate void EvalImageScored(EvalImage scored, Mat image, Mat predicted, Mat truth);

/// <summary>
/// <c>liveseg eval</c>'s loop: runs the model on every image of a split, upsamples its mask to the image's own size
/// (the <see cref="ImageSegmenter"/>'s refine mode), thresholds at 0.5 and compares with the true mask: Dice, Jaccard,
/// boundary F and pixel accuracy per image. An image that cannot be read is skipped (and reported through
/// <c>warning</c>); a mask that cannot be read, or differs in size from its image, stops the run.
/// </summary>
internal static class DatasetEvaluation
{
    /// <param name="set">The images and their true masks.</param>
    /// <param name="images">The model and mask upsampling to evaluate.</param>
    /// <param name="scored">Called after each image is scored (to print it, or write its overlay); null: none.</param>
    /// <param name="warning">One line per skipped image, and a note the first time a mask holds 0/1 values; null: none.</param>
    /// <exception cref="LiveSegException">A mask unreadable or of another size than its image; or no image could be read.</exception>
    public static EvalResult Run(EvalSet set, ImageSegmenter images, EvalImageScored? scored = null, Action<string>? warning = null)
    {
        var rows = new List<EvalImage>();
        int zeroOneMasks = 0, skipped = 0;
        foreach (var item in set.Items)
        {
            using var image = LiveSeg.IO.ImageFiles.TryRead(item.Image, ImreadModes.Color, out string why);
            if (image is null)
            {
                // Reported and skipped, as 'image' does in a batch: the figures are over the images that could be read.
                warning?.Invoke($"skipped '{item.Image}': {why}");
                skipped++;
                continue;
            }
            using var truth = Ph2Dataset.ReadMask(item.Mask, out bool zeroOne);
            if (zeroOne && zeroOneMasks++ == 0)
                warning?.Invoke($"note: masks such as '{item.Mask}' hold 0/1 values: read as background/lesion (0/255).");
            if (truth.Empty() || image.Size() != truth.Size())
                throw new LiveSegException($"'{item.Image}' / '{item.Mask}': unreadable mask, or image and mask differ in size.");
            using var predicted = images.Segment(image, out double inferenceMs);
            predicted.GetArray(out byte[] p);
            truth.GetArray(out byte[] t);
            var row = new EvalImage(item, MaskScores.Of(p, t), BoundaryScore.Of(predicted, truth), inferenceMs);
            rows.Add(row);
            scored?.Invoke(row, image, predicted, truth);
        }
        if (rows.Count == 0)
            throw new LiveSegException($"none of the {set.Items.Count} images of split '{set.Split}' in {set.Folder} could be read ({skipped} skipped): check the dataset.");
        return new EvalResult(rows, skipped);
    }
}
