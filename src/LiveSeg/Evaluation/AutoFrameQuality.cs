using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.People;
using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>How steady auto-framing's virtual camera is and how well it keeps the person centred, on a generated clip.</summary>
/// <param name="Frames">frames measured</param>
/// <param name="People">people in the clip</param>
/// <param name="CentreAccelP50">the crop centre's frame-to-frame acceleration (|second difference|, shares of the frame), median</param>
/// <param name="SizeAccelMax">the crop height's frame-to-frame acceleration (shares of the frame's height), largest</param>
/// <param name="OffCentreMean">how far the chosen person's centre is from the output frame's centre (shares of the output frame: the
/// distance of their true mask's bounding-box centre, mapped into the crop), mean over the frames where they are visible</param>
/// <param name="OffCentreP95">the same, 95th percentile</param>
/// <param name="InputOffCentreMean">the same distance in the uncropped input (what auto-framing improves on)</param>
/// <param name="Zoom">the mean of the crop's height (1: the whole frame)</param>
internal sealed record AutoFrameQualityResult(int Frames, int People, double CentreAccelP50, double CentreAccelP95, double CentreAccelMax,
    double SizeAccelP50, double SizeAccelP95, double SizeAccelMax, double OffCentreMean, double OffCentreP95, double InputOffCentreMean, double Zoom);

/// <summary>
/// Runs the body model and the people stage with auto-framing over a <see cref="PeopleClip"/> and measures the crop it
/// asks for: the crop centre's and size's acceleration (jitter; the camera bounds both by <see cref="AutoFrameCamera.MaxAccel"/>)
/// and the distance of the chosen person's centre (from the clip's true instances) to the output frame's centre. The
/// chosen person is the front one (person 1) with <c>--person</c> given as <paramref name="choice"/>; with everyone
/// kept (the default), the off-centre figure is that of all visible people's common box.
/// </summary>
internal static class AutoFrameQuality
{
    /// <summary>A person counts as visible when this share of their largest area over the clip shows.</summary>
    public const double VisibleShare = 0.3;

    public static AutoFrameQualityResult Measure(PeopleClip clip, OnnxSegmenter segmenter, PeopleSettings settings, PersonChoice? choice = null)
    {
        choice ??= PersonChoice.All;
        if (settings.AutoFrame <= 0)
            settings = settings with { AutoFrame = 0.6f };
        int k = clip.People;
        using var stage = new PeopleStage(settings with { Choice = choice });
        using var slot = new FrameSlot(segmenter.MaskWidth, segmenter.MaskHeight);
        using var truth = new Mat();
        var crops = new CropBox[clip.Frames];
        var boxes = new Rect?[clip.Frames];
        var full = new int[k + 1];
        var areas = new int[clip.Frames, k + 1];
        var lockedCovered = new int[k + 1];
        for (int t = 0; t < clip.Frames; t++)
        {
            clip.Render(t, slot.Image, truth);
            slot.Timing = default;
            segmenter.Segment(slot.Image, slot.Mask, ref slot.Timing);
            stage.Process(slot, segmenter.ModelFrame);
            crops[t] = slot.Crop;
            Count(truth, k, areas, t, full);
            if (!choice.KeepsEveryone && stage.LockedId != 0)
                Covered(slot.Mask, truth, lockedCovered);
        }
        // The person framed: with a one-person choice, the true person the kept mask covered most; else everyone visible.
        int target = 0;
        for (int p = 1; p <= k; p++)
            if (lockedCovered[p] > 0 && (target == 0 || lockedCovered[p] > lockedCovered[target]))
                target = p;
        var centreAccel = new List<double>();
        var sizeAccel = new List<double>();
        for (int t = 2; t < clip.Frames; t++)
        {
            var (a, b, c) = (crops[t - 2], crops[t - 1], crops[t]);
            double ax = Centre(c).X - 2 * Centre(b).X + Centre(a).X, ay = Centre(c).Y - 2 * Centre(b).Y + Centre(a).Y;
            centreAccel.Add(Math.Sqrt(ax * ax + ay * ay));
            sizeAccel.Add(Math.Abs(c.H - 2 * b.H + a.H));
        }
        var off = new List<double>();
        double inputOff = 0, zoom = 0;
        for (int t = 0; t < clip.Frames; t++)
        {
            zoom += crops[t].H;
            clip.Render(t, slot.Image, truth);
            if (BoxOf(truth, k, target, full, areas, t) is not { } box)
                continue;
            double cx = (box.X + box.Width / 2.0) / clip.Width, cy = (box.Y + box.Height / 2.0) / clip.Height;
            var crop = crops[t];
            double ox = (cx - crop.X) / crop.W - 0.5, oy = (cy - crop.Y) / crop.H - 0.5;
            off.Add(Math.Sqrt(ox * ox + oy * oy));
            inputOff += Math.Sqrt((cx - 0.5) * (cx - 0.5) + (cy - 0.5) * (cy - 0.5));
        }
        var (centre, size, away) = (LatencySummary.Of("centre", [.. centreAccel]), LatencySummary.Of("size", [.. sizeAccel]), LatencySummary.Of("off", [.. off]));
        return new AutoFrameQualityResult(clip.Frames, k, centre.P50, centre.P95, centre.Max, size.P50, size.P95, size.Max,
            off.Count == 0 ? double.NaN : away.Mean, off.Count == 0 ? double.NaN : away.P95, off.Count == 0 ? double.NaN : inputOff / off.Count, zoom / clip.Frames);
    }

    private static (double X, double Y) Centre(CropBox c) => (c.X + c.W / 2.0, c.Y + c.H / 2.0);

    /// <summary>Each person's visible area in frame <paramref name="t"/>, and the largest seen so far.</summary>
    private static void Count(Mat truth, int k, int[,] areas, int t, int[] full)
    {
        truth.GetArray(out byte[] labels);
        foreach (byte v in labels)
            areas[t, Math.Min((int)v, k)]++;
        for (int p = 1; p <= k; p++)
            full[p] = Math.Max(full[p], areas[t, p]);
    }

    /// <summary>Adds, per true person, the kept mask's pixels (≥ 0.5) that fall on them.</summary>
    private static void Covered(LiveSeg.Masks.Mask kept, Mat truth, int[] covered)
    {
        using var small = new Mat();
        Cv2.Resize(truth, small, new Size(kept.Width, kept.Height), 0, 0, InterpolationFlags.Nearest);
        small.GetArray(out byte[] labels);
        for (int i = 0; i < labels.Length; i++)
            if (kept.Data[i] >= 0.5f && labels[i] < covered.Length)
                covered[labels[i]]++;
    }

    /// <summary>The bounding box of person <paramref name="target"/> (0: every visible person) in frame t, or null when not visible.</summary>
    private static Rect? BoxOf(Mat truth, int k, int target, int[] full, int[,] areas, int t)
    {
        using var sel = new Mat();
        using var part = new Mat();
        sel.Create(truth.Size(), MatType.CV_8UC1);
        sel.SetTo(Scalar.All(0));
        bool any = false;
        for (int p = 1; p <= k; p++)
        {
            if ((target != 0 && p != target) || areas[t, p] < VisibleShare * full[p])
                continue;
            Cv2.InRange(truth, new Scalar(p), new Scalar(p), part);
            Cv2.BitwiseOr(sel, part, sel);
            any = true;
        }
        return any ? Cv2.BoundingRect(sel) : null;
    }
}
