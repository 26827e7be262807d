namespace LiveSeg.Effects;

/// <summary>Effect "mask": the mask as grey, white = foreground (effect_mask.frag). +/- change the smoothing.</summary>
internal sealed class MaskEffect() : Effect(EffectKind.Mask, "mask", "the mask itself", '1', "effect_mask.frag")
{
    public override string Label(in EffectSettings s, float smoothing) => SmoothingLabel(smoothing);

    public override ReferencePass NewReference(IReferenceInputs c) => new Reference();


    private sealed class Reference : ReferencePass
    {
        public override Rgb Pixel(int x, int y, float m, Rgb frame) => new(m, m, m);
    }
}
