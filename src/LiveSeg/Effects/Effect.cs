using System.Globalization;

namespace LiveSeg.Effects;

/// <summary>What an effect's shader reads besides the frame and the mask (texture unit 2).</summary>
internal enum EffectInput
{
    None,

    /// <summary>The blur stage's reduced, blurred, mask-weighted sums (<c>u_blurred</c>).</summary>
    Blurred,

    /// <summary>The background image scaled to cover the frame (<c>u_background</c>).</summary>
    Background,
}

/// <summary>
/// A number setting of an effect, declared once: its name for people and engine messages ("blur radius"), the
/// command line's option, its range and unit, and how it is read from and written into <see cref="EffectSettings"/>.
/// <see cref="Step"/> &gt; 0: live mode's +/- change it by that much.
/// </summary>
internal sealed record EffectNumber(
    string Name, string Option, string Description, float Min, float Max, bool Whole, string Unit,
    Func<EffectSettings, float> Get, Func<EffectSettings, float, EffectSettings> With, float Step = 0, string? RangeText = null)
{
    /// <summary>The value of a default <see cref="EffectSettings"/>.</summary>
    public float Default => Get(new EffectSettings());

    /// <summary>"1..32", "0..1".</summary>
    public string Range => RangeText ?? string.Create(CultureInfo.InvariantCulture, $"{Min}..{Max}");

    /// <summary>A one-line user error naming the setting and its range when its value in <paramref name="s"/> is out of it.</summary>
    public void Check(in EffectSettings s)
    {
        float v = Get(s);
        if (v < Min || v > Max || float.IsNaN(v))
            Throw.User(string.Create(CultureInfo.InvariantCulture, $"{Name} {v} is out of range: use {Range}{(Unit.Length > 0 ? " " + Unit : "")}."));
    }

    /// <summary><paramref name="s"/> with this setting <paramref name="steps"/> steps up (or down), kept in range.</summary>
    public EffectSettings Adjusted(EffectSettings s, int steps) =>
        With(s, Math.Clamp(MathF.Round(Get(s) + Step * steps, Whole ? 0 : 2), Min, Max));
}

/// <summary>
/// One effect, everything about it in one place (its file in Effects/): the name on the command line, the live key,
/// its settings with their ranges, its fragment shader and uniforms, the CPU reference of the shader's formula, what
/// live mode's +/- change and the HUD's label. Its CPU renderer kernel is a part of the fast CPU compositor (its file
/// in Rendering/, which registers it for the effect's kind: effects know nothing of the renderers).
/// <see cref="EffectRegistry"/> lists the effects; the compositors, the command line, the keys and the HUD iterate it.
/// </summary>
internal abstract class Effect(EffectKind kind, string name, string description, char key, string shader, EffectNumber? adjusted = null)
{
    private readonly EffectNumber[] _numbers = adjusted is null ? [] : [adjusted];

    public EffectKind Kind => kind;

    /// <summary>The name on the command line (<c>--effect NAME</c>) and in the HUD.</summary>
    public string Name => name;

    /// <summary>What it does, for people: the key help and <c>--help</c> ("background blurred").</summary>
    public string Description => description;

    /// <summary>The live-mode key that selects it (a GLFW key code: digits are their ASCII codes).</summary>
    public char Key => key;

    /// <summary>The fragment shader under shaders/ (exact case).</summary>
    public string Shader => shader;

    /// <summary>What the shader reads besides frame and mask.</summary>
    public virtual EffectInput Input => EffectInput.None;

    /// <summary>
    /// Its own number settings (ranges, command-line options): by default the one +/- change; settings shared by
    /// several effects are in EffectSettings.cs.
    /// </summary>
    public virtual IReadOnlyList<EffectNumber> Numbers => _numbers;

    /// <summary>What live mode's +/- change; null: the mask's temporal smoothing.</summary>
    public EffectNumber? Adjusted => adjusted;

    /// <summary>The HUD's label: the effect and its main setting ("blur r12").</summary>
    public abstract string Label(in EffectSettings s, float smoothing);

    /// <summary>Sets the shader's uniforms for <paramref name="s"/> through <paramref name="u"/> (the program is in use; samplers are bound once by the stage).</summary>
    public virtual void SetUniforms(IEffectUniforms u, in EffectSettings s)
    {
    }

    /// <summary>The shader's formula one pixel at a time, for one reference compositor (its settings are fixed).</summary>
    public abstract ReferencePass NewReference(IReferenceInputs c);


    /// <summary>"mask (smooth 0.3)": the label of an effect whose +/- change the smoothing.</summary>
    protected string SmoothingLabel(float smoothing) => FormattableString.Invariant($"{Name} (smooth {smoothing:0.0#})");
}

/// <summary>
/// An effect's reference for one reference compositor (<see cref="IReferenceInputs"/>): <see cref="Prepare"/> once per frame (passes over the
/// whole frame, such as the blur's), then <see cref="Pixel"/> per pixel: the shader's formula in float, in its order.
/// </summary>
internal abstract class ReferencePass
{
    public virtual void Prepare()
    {
    }

    /// <summary>The output colour (RGB 0..1, unclamped) of pixel (x, y): its mask value <paramref name="m"/>, its colour <paramref name="frame"/>.</summary>
    public abstract Rgb Pixel(int x, int y, float m, Rgb frame);
}
