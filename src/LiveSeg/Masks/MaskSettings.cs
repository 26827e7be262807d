namespace LiveSeg.Masks;

/// <summary>
/// What happens to the model's mask before rendering: motion-aware temporal smoothing (weight of the previous mask
/// where the picture is still, falling to none where it moves; 0 = off). 0.95 holds a still picture's mask steady
/// (flicker at most half the raw model's on the test clips, `liveseg quality`) and adds well under a frame of lag.
/// </summary>
internal readonly record struct MaskSettings()
{
    public float Smoothing { get; init; } = 0.95f;

    public const float MaxSmoothing = 0.98f;

    public MaskSettings Validated()
    {
        float smoothing = Smoothing;
        if (smoothing is < 0f or > MaxSmoothing || float.IsNaN(smoothing))
            Throw.Setting(n => $"{n("Smoothing")} {smoothing} is out of range: use 0 (off) to {MaxSmoothing}.");
        return this;
    }
}
