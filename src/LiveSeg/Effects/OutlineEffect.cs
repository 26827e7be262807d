namespace LiveSeg.Effects;

/// <summary>
/// Effect "outline": a coloured contour along the mask's edge: inside(q) = smoothstep(0.4, 0.6, mask(q)), the edge
/// strength max − min of inside() over a 3x3 ring of samples the outline width apart (effect_outline.frag).
/// </summary>
internal sealed class OutlineEffect() : Effect(EffectKind.Outline, "outline", "a line around the person", '5', "effect_outline.frag", s_width)
{
    private static readonly EffectNumber s_width = new("outline width", "--outline-width", "outline sample distance in pixels", 1, 32, true, "pixels",
        s => s.OutlineWidth, (s, v) => s with { OutlineWidth = (int)v }, Step: 1);

    public override string Label(in EffectSettings s, float smoothing) => $"outline {s.OutlineWidth}px";

    public override void SetUniforms(IEffectUniforms u, in EffectSettings s)
    {
        u.Set("u_color", s.EffectiveColor);
        u.Set("u_width", s.OutlineWidth);
    }

    public override ReferencePass NewReference(IReferenceInputs c) => new Reference(c);


    private sealed class Reference(IReferenceInputs c) : ReferencePass
    {
        private readonly Rgb _color = c.Settings.EffectiveColor;

        public override Rgb Pixel(int x, int y, float m, Rgb frame)
        {
            float lo = 1, hi = 0;
            int d = c.Settings.OutlineWidth;
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    float qx = Math.Clamp(x + dx * d, 0, c.Width - 1) + 0.5f, qy = Math.Clamp(y + dy * d, 0, c.Height - 1) + 0.5f;
                    float v = Glsl.SmoothStep(0.4f, 0.6f, c.MaskAt(qx, qy));
                    lo = MathF.Min(lo, v);
                    hi = MathF.Max(hi, v);
                }
            }
            float edge = hi - lo;
            return new(Glsl.Mix(frame.R, _color.R, edge), Glsl.Mix(frame.G, _color.G, edge), Glsl.Mix(frame.B, _color.B, edge));
        }
    }
}

public readonly partial record struct EffectSettings
{
    /// <summary>Outline sample distance in pixels, 1..32 (line about twice as wide; default 3).</summary>
    public int OutlineWidth { get; init; } = 3;
}
