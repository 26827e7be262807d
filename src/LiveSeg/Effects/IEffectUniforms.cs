namespace LiveSeg.Effects;

/// <summary>
/// What an effect's <see cref="Effect.SetUniforms"/> sets: uniforms of its program (in use) by name — on a settings
/// change, never per frame — with the frame's size and the blur stage's reduced size for effects that need them.
/// Rendering's effect stage implements it over OpenGL.
/// </summary>
internal interface IEffectUniforms
{
    int Width { get; }

    int Height { get; }

    /// <summary>The size of the blur stage's reduced, blurred sums (<see cref="EffectInput.Blurred"/>); null without a blur stage.</summary>
    (int Width, int Height)? BlurredSize { get; }

    void Set(string name, float value);

    void Set(string name, int value);

    void Set(string name, float x, float y);

    void Set(string name, Rgb c);
}
