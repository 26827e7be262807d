using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.People;
using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>How well the people stage finds, keeps apart and keeps track of the people of a generated clip.</summary>
/// <param name="MatchedIoU">mean IoU of each visible true person with the instance matched to them (Hungarian on IoU; 0 when unmatched)</param>
/// <param name="IdSwitchesPerMinute">changes of the id matched to a true person, per minute of video</param>
/// <param name="LockedKeptShare">share of the frames where the person --person largest locked on is visible and the kept mask is them (IoU ≥ 0.5)</param>
/// <param name="PeopleMsP50">the people stage's time per frame, median (detection every N frames included)</param>
internal sealed record PeopleQualityResult(int Frames, int People, double MatchedIoU, int IdSwitches, double IdSwitchesPerMinute,
    double LockedKeptShare, double PeopleMsP50, double PeopleMsP95)
{
    /// <summary>The photos the clip's people were cut out of, front to back (set by <see cref="PeopleQuality.MeasureGenerated"/>).</summary>
    public IReadOnlyList<string> Photos { get; init; } = [];
}

/// <summary>A generated clip to measure: how many people, how long, and where its people and its background come from.</summary>
/// <param name="Dataset">folder of person photos with masks (images/NAME.jpg, masks/NAME.png)</param>
/// <param name="SceneVideo">a video whose first frame is the empty background</param>
internal sealed record GeneratedClipSpec(int People, int Frames, string Dataset, string SceneVideo)
{
    public const int Width = 640, Height = 360, MaxPeople = 8;
    public const double Fps = 30;

    /// <summary>The default places (../shared, beside the repository), as the tests and the CLI use them.</summary>
    public static string DefaultDataset => Path.Combine("..", "shared", "datasets", "person");

    public static string DefaultScene => Path.Combine("..", "shared", "datasets", "videos", "one-by-one-person-detection.mp4");

    /// <summary>The dataset has images/ and masks/ folders and the scene video exists (one-line errors otherwise).</summary>
    public static void Check(string dataset, string sceneVideo)
    {
        foreach (string folder in new[] { "images", "masks" })
        {
            if (!Directory.Exists(Path.Combine(dataset, folder)))
                Throw.User($"people dataset '{dataset}' has no {folder}/ folder: give a folder of person photos with masks (images/NAME.jpg, masks/NAME.png).");
        }
        if (!File.Exists(sceneVideo))
            Throw.User($"scene video '{sceneVideo}' not found: give a video whose first frame is an empty background.");
    }

    /// <summary>"2,3,4" → the people counts of the clips; a bad list is a one-line error naming it.</summary>
    public static int[] ParseCounts(string text)
    {
        var counts = new List<int>();
        foreach (string part in text.Split(','))
        {
            if (!int.TryParse(part.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) || n < 1 || n > MaxPeople)
                return Throw.User<int[]>($"--people '{text}': '{part}' is not a number of people; give counts 1..{MaxPeople} such as 2,3,4.");
            counts.Add(n);
        }
        return [.. counts];
    }
}

/// <summary>
/// Runs the body model and the people stage (with <c>--person largest</c>) over a <see cref="PeopleClip"/> and
/// compares with the true instances at the mask's resolution. A person counts as visible in a frame when at least
/// <see cref="VisibleShare"/> of their full area shows (a person hidden behind another is not scored there).
/// </summary>
internal static class PeopleQuality
{
    public const double VisibleShare = 0.3;
    public const double MatchIoU = 0.3;

    /// <param name="trace">when set, one line per frame: the seeds' ids, and per true person its visible share, matched id, IoU and
    /// the share of it the body mask covers (the IoU a perfect split could reach at most), and the locked person's kept IoU</param>
    /// <summary>
    /// Generates the clip <paramref name="spec"/> describes (people cut out of the dataset's photos whose face the
    /// detector finds at the clip's scale, crossing in pairs over the scene's first frame) and measures it.
    /// </summary>
    public static PeopleQualityResult MeasureGenerated(GeneratedClipSpec spec, OnnxSegmenter segmenter, PeopleSettings settings, Action<int, PeopleStage, string>? trace = null) =>
        OnGeneratedClip(spec, settings, (clip, photos) => Measure(clip, segmenter, settings, GeneratedClipSpec.Fps, trace) with { Photos = photos });

    /// <summary>
    /// Generates the clip <paramref name="spec"/> describes and hands it, with the photos' names, to
    /// <paramref name="measure"/> (one clip for several measures: the people figures and auto-framing's).
    /// </summary>
    public static T OnGeneratedClip<T>(GeneratedClipSpec spec, PeopleSettings settings, Func<PeopleClip, string[], T> measure)
    {
        GeneratedClipSpec.Check(spec.Dataset, spec.SceneVideo);
        using var background = new Mat();
        using (var cap = new VideoCapture(spec.SceneVideo))
        {
            if (!cap.Read(background) || background.Empty())
                Throw.User($"cannot read a frame of scene video '{spec.SceneVideo}': give a video OpenCV can decode.");
        }
        using var detector = new FaceDetector(settings.DetectorPath, settings.Detector);
        var cutouts = PeopleClip.LoadCutouts(spec.Dataset, detector, spec.People, background, sceneHeight: GeneratedClipSpec.Height);
        try
        {
            if (cutouts.Count == 0)
                Throw.User($"people dataset '{spec.Dataset}' has no usable photo: each needs images/NAME.jpg with masks/NAME.png of the same size (both readable), one upright person filling most of its height, whose face the detector finds at the clip's scale; give such photos.");
            if (cutouts.Count < spec.People)
                Throw.User($"people dataset '{spec.Dataset}' has only {cutouts.Count} usable photos (a readable mask of the same size, one upright person whose face the detector finds at the clip's scale); ask for at most {cutouts.Count} people.");
            using var clip = new PeopleClip(cutouts, background, GeneratedClipSpec.Width, GeneratedClipSpec.Height, spec.Frames);
            return measure(clip, [.. cutouts.Select(c => c.Name)]);
        }
        finally
        {
            cutouts.ForEach(c => c.Dispose());
        }
    }

    public static PeopleQualityResult Measure(PeopleClip clip, OnnxSegmenter segmenter, PeopleSettings settings, double fps, Action<int, PeopleStage, string>? trace = null)
    {
        int k = clip.People, mw = segmenter.MaskWidth, mh = segmenter.MaskHeight, n = mw * mh;
        using var stage = new PeopleStage(settings with { Choice = new PersonChoice(PersonChoiceKind.Largest, []) });
        using var slot = new FrameSlot(mw, mh);
        using var truth = new Mat();
        using var truthSmall = new Mat();
        var full = new int[k + 1];
        // Pass 1: each person's full area (the most of them ever seen), for "visible".
        for (int t = 0; t < clip.Frames; t++)
        {
            clip.Render(t, slot.Image, truth);
            Cv2.Resize(truth, truthSmall, new Size(mw, mh), 0, 0, InterpolationFlags.Nearest);
            var area = Areas(truthSmall, k);
            for (int p = 1; p <= k; p++)
                full[p] = Math.Max(full[p], area[p]);
        }
        var mask = new float[n];
        var ms = new double[clip.Frames];
        var lastId = new int[k + 1];
        var hungarian = new Hungarian(PersonTracker.MaxTracks);
        var cost = new double[PersonTracker.MaxTracks * PersonTracker.MaxTracks];
        var match = new int[PersonTracker.MaxTracks];
        double iouSum = 0;
        int iouCount = 0, switches = 0, lockedTarget = 0, lockedFrames = 0, keptFrames = 0;
        for (int t = 0; t < clip.Frames; t++)
        {
            clip.Render(t, slot.Image, truth);
            Cv2.Resize(truth, truthSmall, new Size(mw, mh), 0, 0, InterpolationFlags.Nearest);
            byte[] gt = Bytes(truthSmall);
            slot.Timing = default;
            segmenter.Segment(slot.Image, slot.Mask, ref slot.Timing);
            Array.Copy(slot.Mask.Data, mask, n);
            stage.Process(slot, segmenter.ModelFrame);
            ms[t] = StageInfo.TicksToMs(slot.Timing.Ticks[(int)Stage.People]);
            byte[] labels = stage.Split!.Labels;
            var ids = stage.LabelIds;
            int instances = 0;
            while (instances < ids.Length && ids[instances] != 0)
                instances++;
            var gtArea = Areas(truthSmall, k);
            // IoU of every true person p (rows) with every instance j (columns), on the unfiltered mask ≥ 0.5.
            var inter = new int[k + 1, instances + 1];
            var predArea = new int[instances + 1];
            for (int i = 0; i < n; i++)
            {
                int j = mask[i] >= 0.5f ? labels[i] : 0;
                predArea[j]++;
                inter[gt[i], j]++;
            }
            for (int p = 1; p <= k; p++)
                for (int j = 1; j <= instances; j++)
                    cost[(p - 1) * instances + (j - 1)] = 1 - IoU(inter[p, j], gtArea[p], predArea[j]);
            if (instances > 0)
                hungarian.Solve(cost.AsSpan(0, k * instances), k, instances, match);
            var line = trace is null ? null : new System.Text.StringBuilder($"t={t} ids=[{string.Join(",", ids[..instances].ToArray())}] locked={stage.LockedId}");
            for (int p = 1; p <= k; p++)
            {
                int jj = instances > 0 ? match[p - 1] + 1 : 0;
                if (line is not null)
                {
                    int covered = 0;
                    for (int i = 1; i <= instances; i++)
                        covered += inter[p, i];
                    line.Append($" | p{p} vis={(double)gtArea[p] / Math.Max(1, full[p]):F2} id={(jj > 0 ? ids[jj - 1] : 0)} iou={(jj > 0 ? IoU(inter[p, jj], gtArea[p], predArea[jj]) : 0):F3} cov={(double)covered / Math.Max(1, gtArea[p]):F3}");
                }
                if (gtArea[p] < VisibleShare * full[p])
                    continue;
                int j = jj;
                double iou = j > 0 ? IoU(inter[p, j], gtArea[p], predArea[j]) : 0;
                iouSum += iou;
                iouCount++;
                if (j > 0 && iou >= MatchIoU)
                {
                    int id = ids[j - 1];
                    switches += lastId[p] != 0 && lastId[p] != id ? 1 : 0;
                    lastId[p] = id;
                }
            }
            // The locked person: the true person the kept mask covers most when the lock is first taken.
            if (stage.LockedId != 0 && lockedTarget == 0)
                lockedTarget = BestCovered(slot.Mask.Data, gt, k, gtArea);
            if (lockedTarget != 0 && gtArea[lockedTarget] >= VisibleShare * full[lockedTarget])
            {
                lockedFrames++;
                keptFrames += KeptIoU(slot.Mask.Data, gt, lockedTarget) >= 0.5 ? 1 : 0;
            }
            if (line is not null)
                trace!(t, stage, line.Append($" | target=p{lockedTarget} kept={(lockedTarget > 0 ? KeptIoU(slot.Mask.Data, gt, lockedTarget) : 0):F3}").ToString());
        }
        var summary = LatencySummary.Of("people", ms);
        double minutes = clip.Frames / fps / 60;
        return new PeopleQualityResult(clip.Frames, k, iouCount == 0 ? 0 : iouSum / iouCount, switches, switches / minutes,
            lockedFrames == 0 ? 0 : (double)keptFrames / lockedFrames, summary.P50, summary.P95);
    }

    private static double IoU(int inter, int a, int b) => a + b - inter == 0 ? 0 : (double)inter / (a + b - inter);

    private static int BestCovered(float[] kept, byte[] gt, int k, int[] gtArea)
    {
        var covered = new int[k + 1];
        for (int i = 0; i < gt.Length; i++)
            covered[gt[i]] += kept[i] >= 0.5f ? 1 : 0;
        int best = 0;
        for (int p = 1; p <= k; p++)
            if (covered[p] > 0 && (best == 0 || covered[p] > covered[best]))
                best = p;
        return best;
    }

    private static double KeptIoU(float[] kept, byte[] gt, int target)
    {
        int inter = 0, union = 0;
        for (int i = 0; i < gt.Length; i++)
        {
            bool a = kept[i] >= 0.5f, b = gt[i] == target;
            inter += a && b ? 1 : 0;
            union += a || b ? 1 : 0;
        }
        return union == 0 ? 0 : (double)inter / union;
    }

    private static int[] Areas(Mat labels, int k)
    {
        var area = new int[k + 1];
        foreach (byte v in Bytes(labels))
            area[Math.Min((int)v, k)]++;
        return area;
    }

    private static byte[] Bytes(Mat m)
    {
        m.GetArray(out byte[] v);
        return v;
    }
}
