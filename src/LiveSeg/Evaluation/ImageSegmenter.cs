using System.Runtime.InteropServices;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>
/// Still images through a segmentation model: the mask at the image's own size (model mask upsampled bilinearly, or
/// refined with the image as guide exactly as the video and live compositors do: <see cref="MaskRefiner"/>;
/// thresholded at 0.5), an overlay with the outline, and the area. Used by <c>liveseg image</c> and <c>liveseg eval</c>.
/// </summary>
internal sealed class ImageSegmenter(OnnxSegmenter segmenter, RefineKind refine = RefineKind.Off)
{
    private readonly Mask _mask = new(segmenter.MaskWidth, segmenter.MaskHeight);
    private readonly MaskRefiner _refiner = new(RefineChoice.Method(refine));

    public OnnxSegmenter Segmenter => segmenter;

    /// <summary>The binary mask (CV_8UC1, 0 / 255) of <paramref name="imageBgr"/> at its size; the inference time in ms.</summary>
    public Mat Segment(Mat imageBgr, out double inferenceMs)
    {
        var timing = new FrameTiming();
        segmenter.Segment(imageBgr, _mask, ref timing);
        inferenceMs = StageInfo.TicksToMs(timing.Ticks[(int)Stage.Inference]);
        using var full = Upsample(imageBgr);
        return BinaryMask.From(full, segmenter.Manifest.Cleanup);
    }

    /// <summary>
    /// Segments <paramref name="image"/> and writes STEM-overlay.png (the outline, <paramref name="name"/> and the area
    /// in the caption) and STEM-mask.png (0/255), each through the atomic writer; returns the area and the inference time.
    /// </summary>
    public (int Area, double Percent, double Ms) WriteOutputs(Mat image, string stem, string name)
    {
        using var mask = Segment(image, out double ms);
        int area = Cv2.CountNonZero(mask);
        double percent = 100.0 * area / (image.Width * image.Height);
        string caption = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {area} px ({percent:F1}%)");
        using var overlay = Overlay(image, mask, null, caption);
        LiveSeg.IO.AtomicFile.WriteImage(stem + "-overlay.png", "overlay", overlay);
        LiveSeg.IO.AtomicFile.WriteImage(stem + "-mask.png", "mask", mask);
        return (area, percent, ms);
    }

    /// <summary>The model's last mask at the image's size (CV_32FC1, 0..1): bilinear, or refined with the image as guide.</summary>
    private Mat Upsample(Mat imageBgr)
    {
        int w = imageBgr.Width, h = imageBgr.Height;
        if (_refiner.Kind == RefineMethod.Off)
        {
            using var small = Mat.FromPixelData(_mask.Height, _mask.Width, MatType.CV_32FC1, _mask.Data);
            var bilinear = new Mat();
            Cv2.Resize(small, bilinear, imageBgr.Size(), 0, 0, InterpolationFlags.Linear);
            return bilinear;
        }
        var rgb = new float[w * h * 3];
        CpuCompositor.ToRgbFloat(imageBgr, rgb);
        Mask refined = _refiner.RefineToFrame(rgb, w, h, _mask);
        var full = new Mat(h, w, MatType.CV_32FC1);
        Marshal.Copy(refined.Data, 0, full.Data, w * h);
        return full;
    }

    /// <summary>The image with the mask's outline (and, when given, the true mask's outline in white) and a caption.</summary>
    public static Mat Overlay(Mat imageBgr, Mat mask, Mat? truth, string caption)
    {
        var overlay = imageBgr.Clone();
        int thickness = Math.Max(2, imageBgr.Width / 300);
        if (truth is not null)
            DrawOutline(overlay, truth, new Scalar(255, 255, 255), thickness);
        DrawOutline(overlay, mask, new Scalar(80, 255, 40), thickness);
        double scale = Math.Max(0.5, imageBgr.Width / 1200.0);
        Cv2.PutText(overlay, caption, new Point(10, (int)(30 * scale)), HersheyFonts.HersheySimplex, scale, new Scalar(0, 0, 0), 4, LineTypes.AntiAlias);
        Cv2.PutText(overlay, caption, new Point(10, (int)(30 * scale)), HersheyFonts.HersheySimplex, scale, new Scalar(255, 255, 255), 1, LineTypes.AntiAlias);
        return overlay;
    }

    private static void DrawOutline(Mat image, Mat mask, Scalar color, int thickness)
    {
        Cv2.FindContours(mask, out Point[][] contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        Cv2.DrawContours(image, contours, -1, color, thickness, LineTypes.AntiAlias);
    }
}
