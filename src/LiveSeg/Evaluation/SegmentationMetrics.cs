using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>Overlap of a predicted and a true binary mask (pixels ≥ 128 = foreground).</summary>
internal readonly record struct MaskScores(double Dice, double Jaccard, double Accuracy, long Predicted, long Truth, long Pixels)
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
internal static class ChallengeMetrics
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

/// <summary>Boundary accuracy of a predicted mask (DAVIS's F measure): precision and recall of boundary pixels within a tolerance.</summary>
internal readonly record struct BoundaryScore(double F, double Precision, double Recall)
{
    /// <summary>The tolerance the issue and DAVIS-style reports use here: 0.75 % of the image diagonal.</summary>
    public const double DefaultTolerance = 0.0075;

    /// <summary>
    /// Boundary pixels of each mask (pixels, foreground ≥ 128, whose right, lower or lower-right neighbour differs, as
    /// DAVIS's seg2bmap), matched within ⌈tolerance · diagonal⌉ pixels (a disc): precision = predicted boundary pixels
    /// near a true one / predicted boundary pixels, recall the other way, F = 2PR / (P + R). No boundary in either
    /// mask: F = 1; in only one: F = 0.
    /// </summary>
    public static BoundaryScore Of(Mat predicted, Mat truth, double tolerance = DefaultTolerance)
    {
        if (predicted.Size() != truth.Size() || predicted.Type() != MatType.CV_8UC1 || truth.Type() != MatType.CV_8UC1)
            throw new ArgumentException("masks must be single-channel 8-bit images of one size");
        int radius = tolerance >= 1 ? (int)tolerance : (int)Math.Ceiling(tolerance * Math.Sqrt((double)predicted.Width * predicted.Width + (double)predicted.Height * predicted.Height));
        using var p = BoundaryMap(predicted);
        using var t = BoundaryMap(truth);
        using var disc = Disc(radius);
        using var pNear = new Mat();
        using var tNear = new Mat();
        Cv2.Dilate(p, pNear, disc);
        Cv2.Dilate(t, tNear, disc);
        long nP = Cv2.CountNonZero(p), nT = Cv2.CountNonZero(t);
        using var pMatched = new Mat();
        using var tMatched = new Mat();
        Cv2.BitwiseAnd(p, tNear, pMatched);
        Cv2.BitwiseAnd(t, pNear, tMatched);
        double precision, recall;
        if (nP == 0 && nT == 0)
            (precision, recall) = (1, 1);
        else if (nP == 0)
            (precision, recall) = (1, 0);
        else if (nT == 0)
            (precision, recall) = (0, 1);
        else
            (precision, recall) = ((double)Cv2.CountNonZero(pMatched) / nP, (double)Cv2.CountNonZero(tMatched) / nT);
        double f = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new BoundaryScore(f, precision, recall);
    }

    /// <summary>255 where a pixel differs from its right, lower or lower-right neighbour (the last row and column compare with what exists).</summary>
    public static unsafe Mat BoundaryMap(Mat mask)
    {
        int w = mask.Width, h = mask.Height;
        var map = new Mat(h, w, MatType.CV_8UC1, Scalar.Black);
        for (int y = 0; y < h; y++)
        {
            byte* row = (byte*)mask.Ptr(y);
            byte* below = y + 1 < h ? (byte*)mask.Ptr(y + 1) : null;
            byte* output = (byte*)map.Ptr(y);
            for (int x = 0; x < w; x++)
            {
                bool v = row[x] >= 128;
                bool edge;
                if (y + 1 < h && x + 1 < w)
                    edge = v != (row[x + 1] >= 128) || v != (below[x] >= 128) || v != (below[x + 1] >= 128);
                else if (y + 1 < h)
                    edge = v != (below[x] >= 128); // last column: the lower neighbour only
                else if (x + 1 < w)
                    edge = v != (row[x + 1] >= 128); // last row: the right neighbour only
                else
                    edge = false;
                output[x] = edge ? (byte)255 : (byte)0;
            }
        }
        return map;
    }

    private static Mat Disc(int radius)
    {
        var disc = new Mat(2 * radius + 1, 2 * radius + 1, MatType.CV_8UC1, Scalar.Black);
        for (int y = -radius; y <= radius; y++)
        {
            for (int x = -radius; x <= radius; x++)
            {
                if (x * x + y * y <= radius * radius)
                    disc.Set(y + radius, x + radius, (byte)1);
            }
        }
        return disc;
    }
}
