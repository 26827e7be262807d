namespace LiveSeg.Evaluation;

/// <summary>Overlap of a predicted and a true binary mask (pixels ≥ 128 = foreground).</summary>
public readonly record struct MaskScores(double Dice, double Jaccard, double Accuracy, long Predicted, long Truth, long Pixels)
{
    /// <summary>
    /// Dice = 2|P∩T| / (|P| + |T|), Jaccard = |P∩T| / |P∪T|, accuracy = pixels that agree / all pixels. Two empty masks
    /// agree perfectly (Dice = Jaccard = 1).
    /// </summary>
    public static MaskScores Of(ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth)
    {
        if (predicted.Length != truth.Length)
            throw new ArgumentException($"masks differ in size: {predicted.Length} vs {truth.Length} pixels");
        long p = 0, t = 0, both = 0, agree = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            bool a = predicted[i] >= 128, b = truth[i] >= 128;
            p += a ? 1 : 0;
            t += b ? 1 : 0;
            both += a && b ? 1 : 0;
            agree += a == b ? 1 : 0;
        }
        long union = p + t - both;
        double dice = p + t == 0 ? 1 : 2.0 * both / (p + t);
        double jaccard = union == 0 ? 1 : (double)both / union;
        return new MaskScores(dice, jaccard, predicted.Length == 0 ? 1 : (double)agree / predicted.Length, p, t, predicted.Length);
    }
}

/// <summary>Challenge scores over a set of images.</summary>
public static class ChallengeMetrics
{
    /// <summary>ISIC 2018 Task 1's cut-off: an image whose Jaccard is below it counts as 0.</summary>
    public const double JaccardCutoff = 0.65;

    /// <summary>
    /// ISIC 2018 Task 1's thresholded Jaccard: each image's Jaccard, set to 0 when below <paramref name="cutoff"/>
    /// (0.65), then averaged over the images. (ISIC 2017 ranked by the plain mean per-image Jaccard.) 0 for no images.
    /// </summary>
    public static double ThresholdedJaccard(IEnumerable<double> perImageJaccard, double cutoff = JaccardCutoff)
    {
        ArgumentNullException.ThrowIfNull(perImageJaccard);
        double sum = 0;
        int n = 0;
        foreach (double j in perImageJaccard)
        {
            sum += j < cutoff ? 0 : j;
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }
}
