namespace LiveSeg.People;

/// <summary>A detected face: a box in 0..1 of the frame (x right, y down, top-left origin) and its score (0..1).</summary>
internal readonly record struct FaceDetection(float XMin, float YMin, float XMax, float YMax, float Score)
{
    public float Width => XMax - XMin;
    public float Height => YMax - YMin;
    public float CentreX => (XMin + XMax) / 2;
    public float CentreY => (YMin + YMax) / 2;

    /// <summary>Intersection over union of two boxes (0 when they do not overlap).</summary>
    public float IoU(in FaceDetection o)
    {
        float w = MathF.Min(XMax, o.XMax) - MathF.Max(XMin, o.XMin), h = MathF.Min(YMax, o.YMax) - MathF.Max(YMin, o.YMin);
        if (w <= 0 || h <= 0)
            return 0;
        float inter = w * h, union = Width * Height + o.Width * o.Height - inter;
        return union > 0 ? inter / union : 0;
    }
}

/// <summary>
/// The detector's raw tensors → faces, as MediaPipe's TensorsToDetectionsCalculator and NonMaxSuppressionCalculator
/// (WEIGHTED, IoU) do. Regressors: [anchors, 16] rows (x, y, w, h, then 6 key points) in input pixels relative to the
/// anchor centre; scores: [anchors] logits, clipped to ±100, sigmoid. Weighted NMS: the best remaining box absorbs
/// every remaining box with IoU above the threshold, its box becoming their score-weighted mean, its score its own.
/// Buffers are made once: <see cref="Decode"/> allocates nothing.
/// </summary>
internal sealed class FaceDecoder
{
    public const int ValuesPerAnchor = 16;
    private readonly FaceModelSpec _spec;
    private readonly float[] _anchors;
    private readonly FaceDetection[] _candidates;
    private readonly float[] _sortKeys;
    private readonly bool[] _taken;

    public FaceDecoder(FaceModelSpec spec)
    {
        _spec = spec;
        _anchors = SsdAnchors.Centres(spec.Side, spec.Strides, spec.InterpolatedAspect);
        int n = _anchors.Length / 2;
        _candidates = new FaceDetection[n];
        _sortKeys = new float[n];
        _taken = new bool[n];
    }

    public int AnchorCount => _anchors.Length / 2;

    /// <summary>
    /// Decodes and suppresses; writes at most <paramref name="faces"/>.Length faces, best first, in 0..1 of the model
    /// input, and returns how many.
    /// </summary>
    public int Decode(ReadOnlySpan<float> regressors, ReadOnlySpan<float> scores, Span<FaceDetection> faces)
    {
        int n = AnchorCount;
        if (regressors.Length < n * ValuesPerAnchor || scores.Length < n)
            throw new ArgumentException($"{regressors.Length} regressor and {scores.Length} score values for {n} anchors");
        float scale = _spec.Side;
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            float logit = Math.Clamp(scores[i], -100f, 100f);
            float score = 1f / (1f + MathF.Exp(-logit));
            if (score < _spec.MinScore)
                continue;
            var r = regressors.Slice(i * ValuesPerAnchor, 4);
            float cx = r[0] / scale + _anchors[2 * i], cy = r[1] / scale + _anchors[2 * i + 1];
            float w = r[2] / scale, h = r[3] / scale;
            _candidates[count] = new FaceDetection(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score);
            _sortKeys[count] = -score;
            count++;
        }
        Array.Sort(_sortKeys, _candidates, 0, count);
        return WeightedNms(count, faces);
    }

    private int WeightedNms(int count, Span<FaceDetection> faces)
    {
        Array.Clear(_taken, 0, count);
        int written = 0;
        for (int i = 0; i < count && written < faces.Length; i++)
        {
            if (_taken[i])
                continue;
            var best = _candidates[i];
            _taken[i] = true; // the best box always counts itself, even a degenerate one (IoU 0 with everything)
            float sw = best.Score, x0 = sw * best.XMin, y0 = sw * best.YMin, x1 = sw * best.XMax, y1 = sw * best.YMax;
            for (int j = i + 1; j < count; j++)
            {
                if (_taken[j] || best.IoU(_candidates[j]) <= _spec.NmsIoU)
                    continue;
                var c = _candidates[j];
                _taken[j] = true;
                sw += c.Score;
                x0 += c.Score * c.XMin;
                y0 += c.Score * c.YMin;
                x1 += c.Score * c.XMax;
                y1 += c.Score * c.YMax;
            }
            faces[written++] = new FaceDetection(x0 / sw, y0 / sw, x1 / sw, y1 / sw, best.Score);
        }
        return written;
    }
}
