using LiveSeg.Masks;

namespace LiveSeg.Effects;

/// <summary>GLSL's built-ins and the shaders' small formulas, in float, for the effects' CPU references and the CPU renderer.</summary>
internal static class Glsl
{
    /// <summary>GLSL mix(x, y, a) = x·(1−a) + y·a.</summary>
    public static float Mix(float x, float y, float a) => Mask.Mix(x, y, a);

    /// <summary>Screen blend of <paramref name="light"/> over <paramref name="c"/>: 1 − (1 − c)(1 − light) (effect_replace.frag's light wrap).</summary>
    public static float Screen(float c, float light) => 1 - (1 - c) * (1 - light);

    /// <summary>GLSL smoothstep.</summary>
    public static float SmoothStep(float e0, float e1, float x)
    {
        float t = Math.Clamp((x - e0) / (e1 - e0), 0f, 1f);
        return t * t * (3 - 2 * t);
    }

    /// <summary>mask.glsl matte: the feathered edge (<see cref="EffectSettings.Feather"/>) of mask value <paramref name="m"/>.</summary>
    public static float Matte(float feather, float m) => feather > 0 ? SmoothStep(0.5f - feather, 0.5f + feather, m) : m;
}
