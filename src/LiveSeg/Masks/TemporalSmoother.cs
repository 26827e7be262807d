using OpenCvSharp;

namespace LiveSeg.Masks;

/// <summary>
/// Temporal smoothing of successive masks of one stream, at model resolution: mask = mix(new, previous, keep), the
/// previous being the last smoothed mask. Cuts the frame-to-frame flicker users complain about most; keep = 0 is off.
/// <para>Motion-aware when given the frame: per mask texel, keep falls from <see cref="Keep"/> where the picture is
/// still to 0 where it changed (luma change at the texel, 2x2 pixels at its centre, ramping from
/// <see cref="StillBelow"/> to <see cref="MovingAbove"/>): a still picture's mask is held steady, a moving person's
/// edge follows at once (no smoothing lag where there is motion).</para>
/// Done here rather than on the GPU because the model mask is small (256x256: ~0.1 ms) and every renderer then gets
/// the same steady mask. Allocation-free per frame.
/// </summary>
internal sealed class TemporalSmoother(int length, float keep)
{
    /// <summary>Luma change (0..1) below which a texel counts as still.</summary>
    public const float StillBelow = 4f / 255f;

    /// <summary>Luma change (0..1) above which a texel counts as moving (no smoothing).</summary>
    public const float MovingAbove = 16f / 255f;

    private readonly float[] _previous = new float[length];
    private readonly float[] _luma = new float[length];
    private readonly float[] _previousLuma = new float[length];
    private bool _hasPrevious;
    private bool _hasLuma;
    private int[] _columns = [];   // per mask column: the byte offsets of the two frame pixels it reads
    private int _columnsForWidth = -1;

    /// <summary>Weight of the previous mask, 0 (off) ..0.95; may change between frames.</summary>
    public float Keep { get; set; } = keep;

    public int Length => _previous.Length;

    /// <summary>Smooths <paramref name="mask"/> in place with the same weight everywhere.</summary>
    public void Apply(Span<float> mask)
    {
        float keep = Keep;
        if (keep > 0f && _hasPrevious)
        {
            float fresh = 1f - keep;
            for (int i = 0; i < mask.Length; i++)
                mask[i] = mask[i] * fresh + _previous[i] * keep;
        }
        mask.CopyTo(_previous);
        _hasPrevious = true;
    }

    /// <summary>
    /// Smooths <paramref name="source"/> in place, less where <paramref name="frameBgr"/> changed since the last frame.
    /// </summary>
    public unsafe void Apply(Mask source, Mat frameBgr)
    {
        Span<float> mask = source.Data;
        int maskWidth = source.Width, maskHeight = source.Height;
        if (maskWidth * maskHeight != _previous.Length)
            throw new ArgumentException($"mask of {maskWidth}x{maskHeight} for a smoother of {_previous.Length} texels");
        if (Keep <= 0f)
        {
            Apply(mask); // off: no need to look at the frame (the first smoothed frame after turning it on has no motion history)
            _hasLuma = false;
            return;
        }
        int w = frameBgr.Width, h = frameBgr.Height;
        if (w != _columnsForWidth || _columns.Length != 2 * maskWidth)
        {
            _columns = new int[2 * maskWidth]; // only when the frame or mask size changes
            for (int tx = 0; tx < maskWidth; tx++)
            {
                var (x0, x1) = MaskRefiner.Centre(tx, w, maskWidth);
                (_columns[2 * tx], _columns[2 * tx + 1]) = (x0 * 3, x1 * 3);
            }
            _columnsForWidth = w;
        }
        long step = frameBgr.Step();
        byte* data = (byte*)frameBgr.Data;
        const float scale = 1f / (4 * 256 * 255); // four pixels, luma weights in 1/256, bytes
        for (int ty = 0; ty < maskHeight; ty++)
        {
            var (y0, y1) = MaskRefiner.Centre(ty, h, maskHeight);
            byte* a = data + y0 * step, b = data + y1 * step;
            int row = ty * maskWidth;
            for (int tx = 0; tx < maskWidth; tx++)
            {
                int c0 = _columns[2 * tx], c1 = _columns[2 * tx + 1];
                _luma[row + tx] = (Luma(a + c0) + Luma(a + c1) + Luma(b + c0) + Luma(b + c1)) * scale;
            }
        }
        float keep = Keep;
        if (_hasPrevious && _hasLuma)
        {
            const float ramp = 1f / (MovingAbove - StillBelow);
            for (int i = 0; i < mask.Length; i++)
            {
                float motion = Math.Clamp((MathF.Abs(_luma[i] - _previousLuma[i]) - StillBelow) * ramp, 0f, 1f);
                float k = keep * (1f - motion);
                mask[i] = mask[i] * (1f - k) + _previous[i] * k;
            }
        }
        mask.CopyTo(_previous);
        _luma.CopyTo(_previousLuma, 0);
        _hasPrevious = _hasLuma = true;
    }

    /// <summary>Luma x 256 of a BGR pixel (integer weights 29, 150, 77 ≈ 0.114, 0.587, 0.299).</summary>
    private static unsafe int Luma(byte* bgr) => 29 * bgr[0] + 150 * bgr[1] + 77 * bgr[2];

    /// <summary>
    /// How many frames before a span's first frame must be smoothed so that its masks equal those of a run from the
    /// start: the two runs' previous masks differ by at most 1 at the first frame read, and each frame multiplies that
    /// difference by at most <paramref name="keep"/> (motion only lowers the weight), so after W frames it is at most
    /// keep^W. W = ceil(ln(1 / (510 · gain)) / ln keep) keeps it under half a level of 255 after the edge mapping's
    /// steepest slope <paramref name="gain"/> (1 for a mask used as it is): the pictures then differ by at most 1 LSB.
    /// 122 frames at keep 0.95, 0 with smoothing off.
    /// </summary>
    public static int WarmUpFrames(float keep, double gain = 1)
    {
        if (keep <= 0f)
            return 0;
        return (int)Math.Ceiling(Math.Log(1.0 / (510.0 * Math.Max(1.0, gain))) / Math.Log(keep));
    }

    /// <summary>Forget the history (after a scene cut or a camera reconnect).</summary>
    public void Reset() => _hasPrevious = _hasLuma = false;
}
