namespace LiveSeg.Effects;

/// <summary>
/// Effect "pixelate" (privacy): the background as coarse blocks of <see cref="EffectSettings.BlockSize"/> pixels, the
/// person sharp. A block's colour is the background-weighted mean of a grid of its pixels (effect_pixelate.frag says
/// how); out = mix(block, frame, matte(mask)).
/// </summary>
internal sealed class PixelateEffect() : Effect(EffectKind.Pixelate, "pixelate", "background as coarse blocks", '6', "effect_pixelate.frag", s_block)
{
    private static readonly EffectNumber s_block = new("block size", "--block", "pixelate: background block size in pixels", 2, 64, true, "pixels",
        s => s.BlockSize, (s, v) => s with { BlockSize = (int)v }, Step: 4);

    /// <summary>A sample's weight over its background-ness (1 − mask): a block the person covers stays defined.</summary>
    public const float Floor = 0.01f;

    public override string Label(in EffectSettings s, float smoothing) => $"pixelate {s.BlockSize}px";

    public override void SetUniforms(IEffectUniforms u, in EffectSettings s)
    {
        u.Set("u_feather", s.Feather);
        u.Set("u_block", s.BlockSize);
    }

    /// <summary>
    /// The samples of a block: n per axis (n = min(block, 4)); sample <paramref name="i"/> of a block starting at
    /// <paramref name="origin"/> with <paramref name="extent"/> pixels (clipped by the frame) lies at
    /// origin + floor((2i + 1) · extent / 2n), as in the shader.
    /// </summary>
    public static int Samples(int block) => Math.Min(block, 4);

    public static int SampleAt(int origin, int extent, int i, int n) => origin + (2 * i + 1) * extent / (2 * n);

    public override ReferencePass NewReference(IReferenceInputs c) => new Reference(c);


    /// <summary>effect_pixelate.frag one pixel at a time: each pixel sums its block's samples again, in the shader's order.</summary>
    private sealed class Reference(IReferenceInputs c) : ReferencePass
    {
        public override Rgb Pixel(int x, int y, float m, Rgb frame)
        {
            int block = c.Settings.BlockSize, n = Samples(block);
            int ox = x / block * block, oy = y / block * block;
            int ex = Math.Min(ox + block, c.Width) - ox, ey = Math.Min(oy + block, c.Height) - oy;
            float r = 0, g = 0, b = 0, weights = 0;
            for (int j = 0; j < n; j++)
            {
                int qy = SampleAt(oy, ey, j, n);
                for (int i = 0; i < n; i++)
                {
                    int qx = SampleAt(ox, ex, i, n), q = (qy * c.Width + qx) * 3;
                    float w = 1 - c.MaskAt(qx + 0.5f, qy + 0.5f) + Floor;
                    r += c.Frame[q] * w;
                    g += c.Frame[q + 1] * w;
                    b += c.Frame[q + 2] * w;
                    weights += w;
                }
            }
            float alpha = c.Matte(m);
            return new(Glsl.Mix(r / weights, frame.R, alpha), Glsl.Mix(g / weights, frame.G, alpha), Glsl.Mix(b / weights, frame.B, alpha));
        }
    }
}

public readonly partial record struct EffectSettings
{
    /// <summary>pixelate: the background's block size in pixels, 2..64 (default 16).</summary>
    public int BlockSize { get; init; } = 16;
}
