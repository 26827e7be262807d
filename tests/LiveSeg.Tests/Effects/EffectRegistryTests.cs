using LiveSeg.Effects;
using LiveSeg.Live;

namespace LiveSeg.Tests;

/// <summary>
/// The effect registry: one entry per <see cref="EffectKind"/>, each with its own name, key and shader; settings with
/// defaults inside their ranges, range errors that name the setting; the keys, help and HUD labels it drives.
/// </summary>
public sealed class EffectRegistryTests
{
    public static TheoryData<EffectKind> Kinds() => [.. EffectRegistry.All.Select(e => e.Kind)];

    [Fact]
    public void EveryEffectKind_IsRegisteredOnce_WithItsOwnNameKeyAndShader()
    {
        Assert.Equal(Enum.GetValues<EffectKind>().OrderBy(k => k), EffectRegistry.All.Select(e => e.Kind).OrderBy(k => k));
        Assert.Equal(EffectRegistry.All.Count, EffectRegistry.All.Select(e => e.Name).Distinct().Count());
        Assert.Equal(EffectRegistry.All.Count, EffectRegistry.All.Select(e => e.Key).Distinct().Count());
        Assert.Equal(EffectRegistry.All.Count, EffectRegistry.All.Select(e => e.Shader).Distinct().Count());
        Assert.All(EffectRegistry.All, e => Assert.Equal(e.Kind.ToString().ToLowerInvariant(), e.Name));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Effect_IsParsedByName_AndSelectedByItsKey(EffectKind kind)
    {
        Effect e = EffectRegistry.Of(kind);
        Assert.Equal(kind, EffectSettings.ParseEffect(e.Name.ToUpperInvariant()));
        KeyBinding binding = KeyMap.Find(e.Key)!;
        Assert.Equal((LiveAction.Effect, (int)kind), (binding.Action, binding.Argument));
        Assert.Contains(e.Name, KeyMap.HelpText, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryNumberSetting_HasItsDefaultInRange_AndAnOutOfRangeValueIsAnErrorNamingTheSetting()
    {
        var defaults = new EffectSettings();
        Assert.Equal(defaults, defaults.Validated());
        foreach (EffectNumber n in EffectRegistry.Numbers)
        {
            Assert.InRange(n.Default, n.Min, n.Max);
            var e = Assert.Throws<LiveSegException>(() => n.With(defaults, n.Max + 1).Validated());
            Assert.StartsWith($"{n.Name} ", e.Message, StringComparison.Ordinal);
            Assert.Contains("out of range", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("--", e.Message, StringComparison.Ordinal); // the engine names settings, the CLI names flags
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void PlusAndMinus_StayInTheSettingsRange(EffectKind kind)
    {
        if (EffectRegistry.Of(kind).Adjusted is not { } n)
            return; // + and - change the smoothing (LiveKeysTests)
        var s = new EffectSettings { Effect = kind };
        Assert.NotEqual(n.Get(s), n.Get(n.Adjusted(s, +1)));
        for (int i = 0; i < 200; i++)
            s = n.Adjusted(s, +1);
        Assert.Equal(n.Max, n.Get(s));
        for (int i = 0; i < 200; i++)
            s = n.Adjusted(s, -1);
        Assert.Equal(n.Min, n.Get(s));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void HudLabel_StartsWithTheEffectsName(EffectKind kind) =>
        Assert.StartsWith(EffectRegistry.Of(kind).Name, LiveControls.Describe(new EffectSettings { Effect = kind }, 0.5f), StringComparison.Ordinal);

    [Fact]
    public void AnUndefinedKind_IsAnArgumentError()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EffectRegistry.Of((EffectKind)42));
        Assert.Contains("unknown effect 'sparkle': use mask, tint", Assert.Throws<LiveSegException>(() => EffectSettings.ParseEffect("sparkle")).Message, StringComparison.Ordinal);
    }
}
