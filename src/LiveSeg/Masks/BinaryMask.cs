using OpenCvSharp;

namespace LiveSeg.Masks;

/// <summary>Clean-up of a thresholded still-image mask: none, or keep the largest region with its holes filled (one lesion per image).</summary>
internal enum MaskCleanup { None, LargestComponent }

/// <summary>
/// A probability mask made binary for the still-image paths (<c>liveseg image</c>, <c>eval</c>): thresholded at
/// <see cref="Threshold"/>, then cleaned up as the model's manifest asks (<see cref="MaskCleanup"/>).
/// </summary>
internal static class BinaryMask
{
    /// <summary>Foreground from this probability up.</summary>
    public const double Threshold = 0.5;

    /// <summary>
    /// <paramref name="probability"/> (CV_32FC1, 0..1; overwritten) → a binary mask (CV_8UC1, 0 / 255, foreground where
    /// the value is above <see cref="Threshold"/>), cleaned up with <paramref name="cleanup"/>.
    /// </summary>
    public static Mat From(Mat probability, MaskCleanup cleanup)
    {
        var binary = new Mat();
        Cv2.Threshold(probability, probability, Threshold, 255, ThresholdTypes.Binary);
        probability.ConvertTo(binary, MatType.CV_8UC1);
        if (cleanup == MaskCleanup.LargestComponent)
            KeepLargestFilled(binary);
        return binary;
    }

    /// <summary>Keeps only the largest region of <paramref name="mask"/> (by outer contour area), with its holes filled.</summary>
    public static void KeepLargestFilled(Mat mask)
    {
        Cv2.FindContours(mask, out Point[][] contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxNone);
        mask.SetTo(Scalar.Black);
        if (contours.Length == 0)
            return;
        int largest = 0;
        for (int i = 1; i < contours.Length; i++)
        {
            if (Cv2.ContourArea(contours[i]) > Cv2.ContourArea(contours[largest]))
                largest = i;
        }
        Cv2.DrawContours(mask, contours, largest, Scalar.White, -1);
    }
}
