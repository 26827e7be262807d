namespace LiveSeg.Effects;

/// <summary>
/// Effect "replace": the background replaced by an image scaled to cover the frame, with light wrap: the new
/// background's colour screened over the person by light wrap · (1 − m) (effect_replace.frag). +/- change the smoothing.
/// </summary>
internal sealed class ReplaceEffect() : Effect(EffectKind.Replace, "replace", "background image", '4', "effect_replace.frag")
{
    private static readonly EffectNumber s_lightWrap = new("light wrap", "--light-wrap", "replace: the background's light over the person's edge", 0f, 1f, false, "",
        s => s.LightWrap, (s, v) => s with { LightWrap = v }, RangeText: "0 = off .. 1");

    public override EffectInput Input => EffectInput.Background;

    public override IReadOnlyList<EffectNumber> Numbers => [s_lightWrap];

    public override string Label(in EffectSettings s, float smoothing) => SmoothingLabel(smoothing);

    public override void SetUniforms(IEffectUniforms u, in EffectSettings s)
    {
        u.Set("u_feather", s.Feather);
        u.Set("u_lightWrap", s.LightWrap);
    }

    public override ReferencePass NewReference(IReferenceInputs c) => new Reference(c);


    private sealed class Reference(IReferenceInputs c) : ReferencePass
    {
        public override Rgb Pixel(int x, int y, float m, Rgb frame)
        {
            float wrap = c.Settings.LightWrap * (1 - m), matte = c.Matte(m);
            Rgb bg = c.BackgroundAt(x, y);
            return new(
                Glsl.Mix(bg.R, Glsl.Screen(frame.R, bg.R * wrap), matte),
                Glsl.Mix(bg.G, Glsl.Screen(frame.G, bg.G * wrap), matte),
                Glsl.Mix(bg.B, Glsl.Screen(frame.B, bg.B * wrap), matte));
        }
    }
}

public readonly partial record struct EffectSettings
{
    /// <summary>replace: how strongly the new background's light spills over the person's edge, 0 (off) .. 1 (default 0.3).</summary>
    public float LightWrap { get; init; } = 0.3f;
}
