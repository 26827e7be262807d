using System.Globalization;
using System.Runtime.InteropServices;

namespace LiveSeg.Effects;

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
/// smoothing is a mask setting: <see cref="LiveSeg.Masks.MaskSettings"/>.) The settings of one effect are
/// declared in its file (Effects/NAME.cs, a part of this struct); here are those several effects share.
/// </summary>
/// <remarks>The fields' order in memory is left to the runtime (auto layout): the parts are declared in several files.</remarks>
[StructLayout(LayoutKind.Auto)]
public readonly partial record struct EffectSettings
{
    /// <summary>The effect (default blur).</summary>
    public EffectKind Effect { get; init; }

    /// <summary>Tint or outline colour; null = the effect's default (green-cyan #20e080).</summary>
    public Rgb? Color { get; init; }

    /// <summary>How the model's mask is brought to the frame's resolution (default auto: joint bilateral on a GPU, bilinear on software OpenGL).</summary>
    public RefineKind Refine { get; init; }

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
    }

    /// <summary>The tint/outline colour used: <see cref="Color"/> or the default green-cyan.</summary>
    public Rgb EffectiveColor => Color ?? new Rgb(0x20 / 255f, 0xe0 / 255f, 0x80 / 255f);

    /// <summary>Number settings several effects share (each effect's own are in its <see cref="Effect.Numbers"/>).</summary>
    internal static IReadOnlyList<EffectNumber> SharedNumbers { get; } =
    [
        new("feather", "--feather", "edge width: alpha = smoothstep(0.5-F, 0.5+F, mask)", 0f, 0.5f, false, "",
            s => s.Feather, (s, v) => s with { Feather = v }, RangeText: "0 = off .. 0.5 (soft)"),
    ];

    internal static RefineKind ParseRefine(string value) =>
        Enum.TryParse(value, ignoreCase: true, out RefineKind k) && Enum.IsDefined(k) && !int.TryParse(value, out _)
            ? k
            : Throw.User<RefineKind>($"unknown refine mode '{value}': use auto, bilateral, guided or off.");

    internal static EffectKind ParseEffect(string value) =>
        EffectRegistry.Find(value)?.Kind ?? Throw.User<EffectKind>($"unknown effect '{value}': use {EffectRegistry.NamesText}.");

    /// <summary><see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/> when <see cref="Effect"/> is not an <see cref="EffectKind"/>.</summary>
    internal void CheckKind(string paramName)
    {
        if (!Enum.IsDefined(Effect))
            throw new ArgumentOutOfRangeException(paramName, Effect, $"Effect {(int)Effect} is not an EffectKind: use {string.Join(", ", Enum.GetNames<EffectKind>())}");
    }

    /// <summary>Checks every effect's ranges; the message names the setting and the allowed range.</summary>
    public EffectSettings Validated()
    {
        foreach (EffectNumber n in EffectRegistry.Numbers)
            n.Check(this);
        if (!Enum.IsDefined(Refine))
            Throw.User($"refine mode {Refine} is unknown: use auto, bilateral, guided or off.");
        return this;
    }
}
