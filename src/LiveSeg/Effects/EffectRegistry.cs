namespace LiveSeg.Effects;

/// <summary>What the compositor does with the mask (<see cref="EffectRegistry"/> holds each one's definition).</summary>
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

    /// <summary>The background as coarse blocks (privacy), the person sharp.</summary>
    Pixelate,
}

/// <summary>
/// Every effect, in key order: the one list the compositors, the command line, the live keys and the HUD iterate.
/// A new effect is a value of <see cref="EffectKind"/>, a line here, its file in Effects/ (definition, settings, CPU
/// reference), its CPU renderer kernel (in Rendering/, registered there for its kind) and its shader.
/// </summary>
internal static class EffectRegistry
{
    public static IReadOnlyList<Effect> All { get; } =
        [new MaskEffect(), new TintEffect(), new BlurEffect(), new ReplaceEffect(), new OutlineEffect(), new PixelateEffect()];

    private static readonly Effect[] s_byKind = ByKind();

    private static Effect[] ByKind()
    {
        var byKind = new Effect[Enum.GetValues<EffectKind>().Length];
        foreach (Effect e in All)
            byKind[(int)e.Kind] = e;
        return byKind;
    }

    /// <summary>The effect of <paramref name="kind"/>; an <see cref="ArgumentOutOfRangeException"/> for a value that is not an <see cref="EffectKind"/>.</summary>
    public static Effect Of(EffectKind kind) => (uint)kind < (uint)s_byKind.Length
        ? s_byKind[(int)kind]
        : throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Effect {(int)kind} is not an EffectKind: use {string.Join(", ", All.Select(e => e.Kind))}");

    /// <summary>The command-line names, in key order.</summary>
    public static IEnumerable<string> Names => All.Select(e => e.Name);

    /// <summary>"mask, tint, blur, …": the names for a message.</summary>
    public static string NamesText => $"{string.Join(", ", Names.SkipLast(1))} or {All[^1].Name}";

    /// <summary>The effect named <paramref name="name"/> (any case), or null.</summary>
    public static Effect? Find(string name) => All.FirstOrDefault(e => e.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>Every number setting: each effect's own, then those they share.</summary>
    public static IEnumerable<EffectNumber> Numbers => All.SelectMany(e => e.Numbers).Concat(EffectSettings.SharedNumbers);
}
