namespace LiveSeg.Effects;

/// <summary>Effect "tint": a colour over the person. Out = mix(frame, colour, mask · strength) (effect_tint.frag).</summary>
internal sealed class TintEffect() : Effect(EffectKind.Tint, "tint", "the person tinted", '2', "effect_tint.frag", s_strength)
{
    private static readonly EffectNumber s_strength = new("tint strength", "--strength", "tint opacity", 0f, 1f, false, "",
        s => s.TintStrength, (s, v) => s with { TintStrength = v }, Step: 0.1f);

    public override string Label(in EffectSettings s, float smoothing) => FormattableString.Invariant($"tint {s.TintStrength:0.0}");

    public override void SetUniforms(IEffectUniforms u, in EffectSettings s)
    {
        u.Set("u_color", s.EffectiveColor);
        u.Set("u_strength", s.TintStrength);
    }

    public override ReferencePass NewReference(IReferenceInputs c) => new Reference(c.Settings);


    private sealed class Reference(EffectSettings s) : ReferencePass
    {
        private readonly Rgb _color = s.EffectiveColor;

        public override Rgb Pixel(int x, int y, float m, Rgb frame)
        {
            float a = m * s.TintStrength;
            return new(Glsl.Mix(frame.R, _color.R, a), Glsl.Mix(frame.G, _color.G, a), Glsl.Mix(frame.B, _color.B, a));
        }
    }
}

public readonly partial record struct EffectSettings
{
    /// <summary>Tint opacity on full foreground, 0..1 (default 0.5).</summary>
    public float TintStrength { get; init; } = 0.5f;
}
