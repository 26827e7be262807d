using System.Globalization;

namespace LiveSeg.Rendering;

/// <summary>What the compositor does with the mask.</summary>
public enum EffectKind
{
    /// <summary>The mask itself, white on black.</summary>
    Mask,

    /// <summary>The person tinted with <see cref="EffectSettings.Color"/>.</summary>
    Tint,

    /// <summary>The background blurred.</summary>
    Blur,

    /// <summary>The background replaced by an image.</summary>
    Replace,

    /// <summary>An outline around the person.</summary>
    Outline,
}

/// <summary>An RGB colour, each channel 0..1.</summary>
public readonly record struct Rgb(float R, float G, float B)
{
    /// <summary>Parses #RRGGBB (or RRGGBB).</summary>
    public static Rgb Parse(string text)
    {
        string hex = text.TrimStart('#');
        if (hex.Length != 6 || !int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int v))
            return Throw.User<Rgb>($"colour '{text}' is not #RRGGBB: write it like #00ff88.");
        return new Rgb(((v >> 16) & 255) / 255f, ((v >> 8) & 255) / 255f, (v & 255) / 255f);
    }
}

/// <summary>
/// How a frame is composited. Defaults: blur, tint 50% green, blur radius 12 px, outline 3 px green. (Temporal
/// smoothing is a mask setting: <see cref="LiveSeg.Inference.MaskSettings"/>.)
/// </summary>
public readonly record struct EffectSettings
{
    /// <summary>The effect (default blur).</summary>
    public EffectKind Effect { get; init; }

    /// <summary>Tint or outline colour; null = the effect's default (green-cyan #20e080).</summary>
    public Rgb? Color { get; init; }

    /// <summary>Tint opacity on full foreground, 0..1.</summary>
    public float TintStrength { get; init; }

    /// <summary>Background blur radius in pixels, 1..32 (Gaussian sigma = radius / 2).</summary>
    public int BlurRadius { get; init; }

    /// <summary>Outline sample distance in pixels, 1..32 (line about twice as wide).</summary>
    public int OutlineWidth { get; init; }

    /// <summary>How the model's mask is brought to the frame's resolution (default auto: joint bilateral on a GPU, bilinear on software OpenGL).</summary>
    public RefineKind Refine { get; init; }

    /// <summary>replace: how strongly the new background's light spills over the person's edge, 0 (off) .. 1.</summary>
    public float LightWrap { get; init; }

    /// <summary>
    /// Edge width of the matte, 0 (off: the mask as it is) .. 0.5: alpha = smoothstep(0.5 − F, 0.5 + F, mask). Small
    /// values give a hard cut-out edge, 0.5 a soft one.
    /// </summary>
    public float Feather { get; init; }

    /// <summary>The defaults: blur r12, bilateral refinement where it is cheap (auto), light wrap 0.3, tint 0.5, outline 3 px.</summary>
    public EffectSettings()
    {
        Effect = EffectKind.Blur;
        Refine = RefineKind.Auto;
        LightWrap = 0.3f;
        TintStrength = 0.5f;
        BlurRadius = 12;
        OutlineWidth = 3;
    }

    /// <summary>The tint/outline colour used: <see cref="Color"/> or the default green-cyan.</summary>
    public Rgb EffectiveColor => Color ?? new Rgb(0x20 / 255f, 0xe0 / 255f, 0x80 / 255f);

    internal static RefineKind ParseRefine(string value) =>
        Enum.TryParse(value, ignoreCase: true, out RefineKind k) && Enum.IsDefined(k) && !int.TryParse(value, out _)
            ? k
            : Throw.User<RefineKind>($"unknown refine mode '{value}': use auto, bilateral, guided or off.");

    internal static EffectKind ParseEffect(string value) =>
        Enum.TryParse(value, ignoreCase: true, out EffectKind k) && Enum.IsDefined(k) && !int.TryParse(value, out _)
            ? k
            : Throw.User<EffectKind>($"unknown effect '{value}': use mask, tint, blur, replace or outline.");

    /// <summary><see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/> when <see cref="Effect"/> is not an <see cref="EffectKind"/>.</summary>
    internal void CheckKind(string paramName)
    {
        if (!Enum.IsDefined(Effect))
            throw new ArgumentOutOfRangeException(paramName, Effect, $"Effect {(int)Effect} is not an EffectKind: use {string.Join(", ", Enum.GetNames<EffectKind>())}");
    }

    /// <summary>Checks ranges; the message names the option and the allowed range.</summary>
    public EffectSettings Validated()
    {
        if (BlurRadius is < 1 or > 32)
            Throw.User($"--blur {BlurRadius} is out of range: use 1..32 pixels.");
        if (OutlineWidth is < 1 or > 32)
            Throw.User($"--outline-width {OutlineWidth} is out of range: use 1..32 pixels.");
        if (TintStrength is < 0f or > 1f || float.IsNaN(TintStrength))
            Throw.User($"--strength {TintStrength} is out of range: use 0..1.");
        if (LightWrap is < 0f or > 1f || float.IsNaN(LightWrap))
            Throw.User($"--light-wrap {LightWrap} is out of range: use 0 (off) .. 1.");
        if (Feather is < 0f or > 0.5f || float.IsNaN(Feather))
            Throw.User($"--feather {Feather} is out of range: use 0 (off) .. 0.5.");
        if (!Enum.IsDefined(Refine))
            Throw.User($"refine mode {Refine} is unknown: use auto, bilateral, guided or off.");
        return this;
    }

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
