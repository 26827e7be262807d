namespace LiveSeg.Inference;

/// <summary>
/// Temporal smoothing of successive masks of one stream, at model resolution: mask = mix(new, previous, keep), the
/// previous being the last smoothed mask. Cuts the frame-to-frame flicker users complain about most; keep = 0 is off.
/// Done here rather than on the GPU because the model mask is small (256x256: ~0.05 ms) and every renderer then gets
/// the same steady mask.
/// </summary>
public sealed class TemporalSmoother(int length, float keep)
{
    private readonly float[] _previous = new float[length];
    private bool _hasPrevious;

    /// <summary>Weight of the previous mask, 0 (off) ..0.95; may change between frames.</summary>
    public float Keep { get; set; } = keep;

    public int Length => _previous.Length;

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

    /// <summary>Forget the history (after a scene cut or a camera reconnect).</summary>
    public void Reset() => _hasPrevious = false;
}
