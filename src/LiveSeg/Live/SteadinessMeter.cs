using System.Diagnostics;
using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using LiveSeg.Motion;

namespace LiveSeg.Live;

/// <summary>
/// Live mode's steadiness meter, the online cousin of <c>liveseg quality</c>'s flicker figure, warping-error style:
/// each new mask (frame t) against the previous mask warped to t by the motion between their frames
/// (<see cref="BlockMatcher"/>, <see cref="MaskWarp"/>), mean |difference| over the edge band (texels within
/// <see cref="Band"/> of either mask's ½ contour: where misalignment and flicker show), in 1/1000 of full scale; the
/// same without warping beside it, so the share motion explains is visible. One mask in <see cref="Every"/> is
/// measured; figures are exponential means over about <see cref="Window"/> measurements. Runs on the inference thread after each mask (its time goes to the slot's
/// <see cref="Stage.Motion"/>); read from any thread. Made once for a frame and mask size; a mask allocates nothing.
/// </summary>
internal sealed class SteadinessMeter(int frameWidth, int frameHeight)
{
    /// <summary>Edge band half-width, in mask texels.</summary>
    public const int Band = 2;

    /// <summary>Measurements the means cover (exponential weight 1/Window on the newest).</summary>
    public const int Window = 10;

    /// <summary>Every this many masks one is measured (against the mask before it): the figures are means anyway, and a measurement costs about as much as the warp.</summary>
    public const int Every = 3;

    private readonly LumaPyramid _before = new(frameWidth, frameHeight);
    private readonly MotionField _field = new(frameWidth, frameHeight);
    private readonly BlockMatcher _matcher = new(MotionField.GridWidthFor(frameWidth), MotionField.GridHeightFor(frameHeight));
    private readonly MaskWarp _warp = new(frameWidth, frameHeight);
    private readonly Mask _previous = new(0, 0);
    private readonly Mask _warped = new(0, 0);
    private bool _primed;
    private long _masks;
    private double _warpedError = double.NaN, _staleError = double.NaN;

    /// <summary>Mean |mask − previous mask warped to it| over the edge band, 1/1000 (NaN before two masks).</summary>
    public double WarpedError => Volatile.Read(ref _warpedError);

    /// <summary>The same without warping: mean |mask − previous mask| over the edge band.</summary>
    public double StaleError => Volatile.Read(ref _staleError);

    /// <summary>For the HUD and the stream page.</summary>
    public string Describe()
    {
        double w = WarpedError, s = StaleError;
        return double.IsNaN(w) ? "steadiness: measuring" : string.Create(CultureInfo.InvariantCulture, $"edge error {w:F1} warped, {s:F1} unwarped (1/1000)");
    }

    /// <summary>Measures <paramref name="slot"/>'s new mask (its frame and mask as the segmenter left them).</summary>
    public void Add(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        if (!slot.Mask.IsSize(_previous.Width, _previous.Height))
        {
            _previous.Resize(slot.Mask.Width, slot.Mask.Height); // first mask, or another model's size
            _primed = false;
        }
        // Built into the slot (made once per slot), where the GL thread's warp finds it with the mask.
        LumaPyramid now = slot.Luma ??= new LumaPyramid(frameWidth, frameHeight);
        now.Build(slot.Image, slot.Index, slot.Sequence);
        if (_primed && _before.Sequence == slot.Sequence && ++_masks % Every == 0)
        {
            _matcher.Estimate(now, _before, _field);
            _warp.Apply(_previous, _field, _warped);
            var (warped, stale) = EdgeErrors(slot.Mask, _warped, _previous);
            if (!double.IsNaN(warped))
            {
                Volatile.Write(ref _warpedError, Mean(_warpedError, warped * 1000));
                Volatile.Write(ref _staleError, Mean(_staleError, stale * 1000));
            }
        }
        _previous.CopyFrom(slot.Mask);
        _before.CopyFrom(now);
        _primed = true;
        slot.Timing.Add(Stage.Motion, t);
    }

    private static double Mean(double mean, double value) => double.IsNaN(mean) ? value : mean + (value - mean) / Window;

    /// <summary>
    /// Mean |mask − warped| and |mask − stale| over the texels within <see cref="Band"/> (along a row or column) of a
    /// change of side of ½ in <paramref name="current"/> or <paramref name="warpedMask"/>; NaN when there is no edge.
    /// The three masks are the same size.
    /// </summary>
    public static (double Warped, double Stale) EdgeErrors(Mask current, Mask warpedMask, Mask staleMask)
    {
        if (!warpedMask.IsSize(current.Width, current.Height) || !staleMask.IsSize(current.Width, current.Height))
            throw new ArgumentException($"masks of {current.Width}x{current.Height}, {warpedMask.Width}x{warpedMask.Height} and {staleMask.Width}x{staleMask.Height}: they must be the same size");
        ReadOnlySpan<float> mask = current.Data, warped = warpedMask.Data, stale = staleMask.Data;
        int w = current.Width, h = current.Height;
        double sumWarped = 0, sumStale = 0;
        long count = 0;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                if (!NearEdge(mask, w, h, x, y) && !NearEdge(warped, w, h, x, y))
                    continue;
                sumWarped += MathF.Abs(mask[i] - warped[i]);
                sumStale += MathF.Abs(mask[i] - stale[i]);
                count++;
            }
        }
        return count == 0 ? (double.NaN, double.NaN) : (sumWarped / count, sumStale / count);
    }

    private static bool NearEdge(ReadOnlySpan<float> m, int w, int h, int x, int y)
    {
        bool inside = m[y * w + x] >= 0.5f;
        return (m[y * w + Math.Max(0, x - Band)] >= 0.5f) != inside || (m[y * w + Math.Min(w - 1, x + Band)] >= 0.5f) != inside
            || (m[Math.Max(0, y - Band) * w + x] >= 0.5f) != inside || (m[Math.Min(h - 1, y + Band) * w + x] >= 0.5f) != inside;
    }
}
