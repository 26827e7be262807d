namespace LiveSeg.Evaluation;

/// <summary>
/// Flicker of a stream of masks: the mean |Δmask| between consecutive frames over the pixels whose frame did not change
/// (|Δluma| below <see cref="StaticThreshold"/>), i.e. mask changes that nothing in the picture explains. Feed one
/// frame's luma and mask (both frame size, 0..1) per <see cref="Add"/>; the first frame only primes the meter.
/// </summary>
internal sealed class FlickerMeter(int pixels)
{
    /// <summary>A pixel whose luma moved less than this (3/255) between two frames counts as unchanged.</summary>
    public const float StaticThreshold = 3f / 255f;

    private readonly float[] _luma = new float[pixels];
    private readonly float[] _mask = new float[pixels];
    private bool _primed;
    private double _sum;
    private long _count;

    /// <summary>Mean |Δmask| over unchanged pixels of all frame pairs so far (0..1; NaN before two frames).</summary>
    public double Flicker => _count == 0 ? double.NaN : _sum / _count;

    /// <summary>Share of pixels (over all frame pairs) that counted as unchanged.</summary>
    public double StaticShare { get; private set; }

    private long _pairs;

    public void Add(ReadOnlySpan<float> luma, ReadOnlySpan<float> mask)
    {
        if (luma.Length != _luma.Length || mask.Length != _mask.Length)
            throw new ArgumentException($"expected {_luma.Length} pixels");
        if (_primed)
        {
            long n = 0;
            double sum = 0;
            for (int i = 0; i < luma.Length; i++)
            {
                if (MathF.Abs(luma[i] - _luma[i]) < StaticThreshold)
                {
                    sum += MathF.Abs(mask[i] - _mask[i]);
                    n++;
                }
            }
            _sum += sum;
            _count += n;
            _pairs++;
            StaticShare += ((double)n / luma.Length - StaticShare) / _pairs;
        }
        luma.CopyTo(_luma);
        mask.CopyTo(_mask);
        _primed = true;
    }
}

/// <summary>
/// The lag a temporal filter adds to a mask stream, in frames: the centroid of the cross-correlation of the filtered
/// stream's frame-to-frame changes with the unfiltered stream's, minus the centroid of the unfiltered stream's own
/// autocorrelation (so that the motion's own persistence cancels), over shifts −<see cref="MaxShift"/>..+<see cref="MaxShift"/>.
/// For exponential smoothing with weight w on the previous mask this is w / (1 − w) frames. Masks at model size.
/// </summary>
internal sealed class LagMeter(int pixels)
{
    public const int MaxShift = 6;

    private readonly Queue<float[]> _raw = new();
    private readonly float[] _cross = new float[2 * MaxShift + 1];
    private readonly float[] _auto = new float[2 * MaxShift + 1];
    private float[]? _lastRaw;
    private float[]? _lastFiltered;
    private readonly Queue<float[]> _filtered = new();

    /// <summary>Adds one frame's raw and filtered masks (model size).</summary>
    public void Add(ReadOnlySpan<float> raw, ReadOnlySpan<float> filtered)
    {
        if (_lastRaw is not null && _lastFiltered is not null)
        {
            var dr = new float[pixels];
            var df = new float[pixels];
            for (int i = 0; i < pixels; i++)
            {
                dr[i] = raw[i] - _lastRaw[i];
                df[i] = filtered[i] - _lastFiltered[i];
            }
            _raw.Enqueue(dr);
            _filtered.Enqueue(df);
            if (_raw.Count > 2 * MaxShift + 1)
            {
                _raw.Dequeue();
                _filtered.Dequeue();
            }
            if (_raw.Count == 2 * MaxShift + 1)
                Accumulate();
        }
        _lastRaw = raw.ToArray();
        _lastFiltered = filtered.ToArray();
    }

    /// <summary>Correlations of the middle change of the window with the raw changes k frames earlier (k = −MaxShift..MaxShift).</summary>
    private void Accumulate()
    {
        float[][] raw = [.. _raw];
        float[][] filtered = [.. _filtered];
        float[] centreFiltered = filtered[MaxShift], centreRaw = raw[MaxShift];
        for (int k = -MaxShift; k <= MaxShift; k++)
        {
            float[] earlier = raw[MaxShift - k];
            double c = 0, a = 0;
            for (int i = 0; i < pixels; i++)
            {
                c += centreFiltered[i] * earlier[i];
                a += centreRaw[i] * earlier[i];
            }
            _cross[k + MaxShift] += (float)c;
            _auto[k + MaxShift] += (float)a;
        }
    }

    /// <summary>The added lag in frames (NaN with too few frames or no motion).</summary>
    public double Frames => Centroid(_cross) - Centroid(_auto);

    private static double Centroid(float[] c)
    {
        double sum = 0, moment = 0;
        for (int k = -MaxShift; k <= MaxShift; k++)
        {
            double v = Math.Max(0, c[k + MaxShift]);
            sum += v;
            moment += k * v;
        }
        return sum > 0 ? moment / sum : double.NaN;
    }
}
