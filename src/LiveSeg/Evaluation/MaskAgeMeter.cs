using LiveSeg.Masks;
using LiveSeg.Motion;
using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>
/// How far a stale mask is from the frame it is drawn over (live mode's latest-wins: the newest frame with an older
/// mask), for masks 1..<see cref="MaxAge"/> frames old: the IoU of the mask of frame t − k against frame t's own mask,
/// as it is (stale) and warped to frame t by the motion between the two frames (<see cref="BlockMatcher"/>,
/// <see cref="MaskWarp"/>: what <c>--motion-comp</c> draws). Masks at the model's size, foreground = value ≥ ½; the
/// IoU is pooled over the clip (Σ intersection / Σ union over every frame that has a mask k frames older in the same
/// run of frames), so frames without a person count for nothing rather than as 0 or 1.
/// </summary>
internal sealed class MaskAgeMeter
{
    public const int MaxAge = 3;

    private readonly LumaPyramid[] _pyramids = new LumaPyramid[MaxAge + 1];
    private readonly Mask[] _masks = new Mask[MaxAge + 1];
    private readonly Mask _warped;
    private readonly MotionField _field;
    private readonly BlockMatcher _matcher;
    private readonly MaskWarp _warp;
    private readonly long[] _staleI = new long[MaxAge + 1], _staleU = new long[MaxAge + 1], _warpedI = new long[MaxAge + 1], _warpedU = new long[MaxAge + 1];
    private readonly int[] _pairs = new int[MaxAge + 1];
    private int _frames;

    public MaskAgeMeter(int frameWidth, int frameHeight, int maskWidth, int maskHeight)
    {
        for (int i = 0; i <= MaxAge; i++)
        {
            _pyramids[i] = new LumaPyramid(frameWidth, frameHeight);
            _masks[i] = new Mask(maskWidth, maskHeight);
        }
        _warped = new Mask(maskWidth, maskHeight);
        _field = new MotionField(frameWidth, frameHeight);
        _matcher = new BlockMatcher(_field.GridWidth, _field.GridHeight);
        _warp = new MaskWarp(frameWidth, frameHeight);
    }

    /// <summary>Total time spent estimating motion and warping, in <see cref="System.Diagnostics.Stopwatch"/> ticks, and how many times.</summary>
    public (long Ticks, int Count) WarpCost { get; private set; }

    /// <summary>Adds frame <paramref name="frame"/> (BGR) and its own mask (model size, 0..1).</summary>
    public void Add(Mat frame, Mask mask)
    {
        int slot = _frames % (MaxAge + 1);
        _pyramids[slot].Build(frame, _frames);
        _masks[slot].CopyFrom(mask);
        for (int k = 1; k <= Math.Min(MaxAge, _frames); k++)
        {
            int old = (_frames - k) % (MaxAge + 1);
            var (i, u) = Overlap(_masks[old].Data, mask.Data);
            (_staleI[k], _staleU[k]) = (_staleI[k] + i, _staleU[k] + u);
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            _matcher.Estimate(_pyramids[slot], _pyramids[old], _field);
            _warp.Apply(_masks[old], _field, _warped);
            WarpCost = (WarpCost.Ticks + System.Diagnostics.Stopwatch.GetTimestamp() - t, WarpCost.Count + 1);
            (i, u) = Overlap(_warped.Data, mask.Data);
            (_warpedI[k], _warpedU[k]) = (_warpedI[k] + i, _warpedU[k] + u);
            _pairs[k]++;
        }
        _frames++;
    }

    /// <summary>IoU of masks <paramref name="age"/> frames old, stale and warped (NaN: no such pair, or no foreground in any).</summary>
    public (double Stale, double Warped, int Pairs) At(int age) =>
        (Ratio(_staleI[age], _staleU[age]), Ratio(_warpedI[age], _warpedU[age]), _pairs[age]);

    private static double Ratio(long i, long u) => u == 0 ? double.NaN : (double)i / u;

    /// <summary>Foreground pixels in both and in either (value ≥ ½).</summary>
    public static (long Intersection, long Union) Overlap(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        long i = 0, u = 0;
        for (int p = 0; p < a.Length; p++)
        {
            bool x = a[p] >= 0.5f, y = b[p] >= 0.5f;
            i += x && y ? 1 : 0;
            u += x || y ? 1 : 0;
        }
        return (i, u);
    }
}
