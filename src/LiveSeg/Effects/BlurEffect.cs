namespace LiveSeg.Effects;

/// <summary>
/// Effect "blur": the background blurred, the person sharp, without a halo: the blur stage (BlurStage.cs:
/// blur_downsample.frag, blur_gaussian.frag) sums the frame weighted by background-ness (1 − mask) at a reduced size;
/// effect_blur.frag normalises the sums (with the pixel's own colour as a small prior) and mixes by the matte.
/// </summary>
internal sealed class BlurEffect() : Effect(EffectKind.Blur, "blur", "background blurred", '3', "effect_blur.frag", s_radius)
{
    private static readonly EffectNumber s_radius = new("blur radius", "--blur", "blur radius in pixels", 1, 32, true, "pixels",
        s => s.BlurRadius, (s, v) => s with { BlurRadius = (int)v }, Step: 2);

    /// <summary>effect_blur.frag's weight of the pixel's own colour.</summary>
    public const float Prior = 1e-3f;

    public override EffectInput Input => EffectInput.Blurred;

    public override string Label(in EffectSettings s, float smoothing) => $"blur r{s.BlurRadius}";

    public override void SetUniforms(IEffectUniforms u, in EffectSettings s)
    {
        u.Set("u_feather", s.Feather);
        if (u.BlurredSize is (int bw, int bh))
        {
            u.Set("u_scale", (float)bw / u.Width, (float)bh / u.Height);
            u.Set("u_reducedSize", bw, bh);
        }
    }

    public override ReferencePass NewReference(IReferenceInputs c) => new Reference(c);


    /// <summary>blur_downsample.frag, blur_gaussian.frag twice, effect_blur.frag: one pixel at a time, in float.</summary>
    private sealed class Reference : ReferencePass
    {
        private readonly IReferenceInputs _c;
        private readonly float[] _sums1;      // reduced size x 4
        private readonly float[] _sums2;      // reduced size x 4 (result)
        private readonly float[] _weights;
        private readonly int _f, _r, _bw, _bh;

        public Reference(IReferenceInputs c)
        {
            _c = c;
            EffectSettings s = c.Settings;
            (_f, _r, _weights) = (s.BlurFactor, s.ReducedBlurRadius, s.BlurWeights());
            (_bw, _bh) = ((c.Width + _f - 1) / _f, (c.Height + _f - 1) / _f);
            (_sums1, _sums2) = (new float[_bw * _bh * 4], new float[_bw * _bh * 4]);
        }

        /// <summary>blur_downsample.frag then blur_gaussian.frag twice, into _sums2.</summary>
        public override void Prepare()
        {
            int f = _f, w = _c.Width, h = _c.Height;
            float[] frame = _c.Frame;
            for (int y = 0; y < _bh; y++)
            {
                for (int x = 0; x < _bw; x++)
                {
                    float sr = 0, sg = 0, sb = 0, sa = 0;
                    for (int dy = 0; dy < f; dy++)
                    {
                        for (int dx = 0; dx < f; dx++)
                        {
                            int qx = Math.Min(x * f + dx, w - 1), qy = Math.Min(y * f + dy, h - 1);
                            int q = qy * w + qx;
                            float wt = 1 - _c.MaskNearest(qx, qy);
                            sr += frame[q * 3] * wt;
                            sg += frame[q * 3 + 1] * wt;
                            sb += frame[q * 3 + 2] * wt;
                            sa += wt;
                        }
                    }
                    float n = f * f;
                    int o = (y * _bw + x) * 4;
                    (_sums2[o], _sums2[o + 1], _sums2[o + 2], _sums2[o + 3]) = (sr / n, sg / n, sb / n, sa / n);
                }
            }
            Gaussian(_sums2, _sums1, 1, 0);
            Gaussian(_sums1, _sums2, 0, 1);
        }

        private void Gaussian(float[] src, float[] dst, int dx, int dy)
        {
            int r = _r;
            for (int y = 0; y < _bh; y++)
            {
                for (int x = 0; x < _bw; x++)
                {
                    float sr = 0, sg = 0, sb = 0, sa = 0;
                    for (int k = -r; k <= r; k++)
                    {
                        int q = (Math.Clamp(y + dy * k, 0, _bh - 1) * _bw + Math.Clamp(x + dx * k, 0, _bw - 1)) * 4;
                        float wt = _weights[Math.Abs(k)];
                        sr += wt * src[q];
                        sg += wt * src[q + 1];
                        sb += wt * src[q + 2];
                        sa += wt * src[q + 3];
                    }
                    int o = (y * _bw + x) * 4;
                    (dst[o], dst[o + 1], dst[o + 2], dst[o + 3]) = (sr, sg, sb, sa);
                }
            }
        }

        /// <summary>Bilinear sample of the blurred sums at frame pixel (x, y), as effect_blur.frag; channel c.</summary>
        private float BlurredAt(int x, int y, int c)
        {
            float srcX = (x + 0.5f) * ((float)_bw / _c.Width) - 0.5f, srcY = (y + 0.5f) * ((float)_bh / _c.Height) - 0.5f;
            float fx = MathF.Floor(srcX), fy = MathF.Floor(srcY);
            float wx = srcX - fx, wy = srcY - fy;
            int x0 = Math.Clamp((int)fx, 0, _bw - 1), x1 = Math.Clamp((int)fx + 1, 0, _bw - 1);
            int y0 = Math.Clamp((int)fy, 0, _bh - 1), y1 = Math.Clamp((int)fy + 1, 0, _bh - 1);
            float top = Glsl.Mix(_sums2[(y0 * _bw + x0) * 4 + c], _sums2[(y0 * _bw + x1) * 4 + c], wx);
            float bottom = Glsl.Mix(_sums2[(y1 * _bw + x0) * 4 + c], _sums2[(y1 * _bw + x1) * 4 + c], wx);
            return Glsl.Mix(top, bottom, wy);
        }

        public override Rgb Pixel(int x, int y, float m, Rgb frame)
        {
            float wsum = BlurredAt(x, y, 3) + Prior;
            float br = (BlurredAt(x, y, 0) + frame.R * Prior) / wsum;
            float bg = (BlurredAt(x, y, 1) + frame.G * Prior) / wsum;
            float bb = (BlurredAt(x, y, 2) + frame.B * Prior) / wsum;
            float alpha = _c.Matte(m);
            return new(Glsl.Mix(br, frame.R, alpha), Glsl.Mix(bg, frame.G, alpha), Glsl.Mix(bb, frame.B, alpha));
        }
    }
}

public readonly partial record struct EffectSettings
{
    /// <summary>Background blur radius in pixels, 1..32 (Gaussian sigma = radius / 2; default 12).</summary>
    public int BlurRadius { get; init; } = 12;

    /// <summary>
    /// The background is blurred at 1/factor of the frame size (factor 1..4, radius / 3): the same look for a fraction
    /// of the cost, since a blurred background has no fine detail to lose.
    /// </summary>
    internal int BlurFactor => Math.Clamp(BlurRadius / 3, 1, 4);

    /// <summary>Gaussian radius at the reduced size, in reduced texels.</summary>
    internal int ReducedBlurRadius => Math.Max(1, (int)MathF.Round((float)BlurRadius / BlurFactor));

    /// <summary>Normalised Gaussian weights g(0..r) over -r..r for the reduced radius r, sigma = r / 2.</summary>
    internal float[] BlurWeights()
    {
        int radius = ReducedBlurRadius;
        var w = new float[radius + 1];
        float sigma = radius / 2f;
        float sum = 0;
        for (int k = 0; k <= radius; k++)
        {
            w[k] = MathF.Exp(-(k * k) / (2 * sigma * sigma));
            sum += k == 0 ? w[k] : 2 * w[k];
        }
        for (int k = 0; k <= radius; k++)
            w[k] /= sum;
        return w;
    }
}
