using LiveSeg.Effects;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The effect pass: frame RGBA8 + mask R32F (model size, or the refine stage's half-frame-size result; upsampled in
/// the shader by mask.glsl) [+ one extra texture: blurred sums or background, as the effect's <see cref="Effect.Input"/>
/// says] → RGBA8 output target. One program per registered effect, made once (every effect when the settings may
/// change at run time, else only the one used); <see cref="Apply"/> picks the program and lets the effect set its uniforms.
/// </summary>
internal sealed class EffectStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly int _width;
    private readonly int _height;
    private readonly ShaderProgram?[] _programs = new ShaderProgram?[EffectRegistry.All.Count];
    private ShaderProgram _current;
    private readonly EffectUniforms _uniforms;

    public EffectStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, EffectSettings settings, bool allEffects)
    {
        (_gl, _triangle, _width, _height) = (gl, triangle, width, height);
        _uniforms = new EffectUniforms(gl, width, height);
        foreach (Effect effect in allEffects ? EffectRegistry.All : [EffectRegistry.Of(settings.Effect)])
        {
            var program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, effect.Shader);
            _programs[(int)effect.Kind] = program; // disposed with the stage even if a sampler below fails
            program.Use();
            Sampler(program, "u_frame", 0); // an effect may not read the frame (mask): the sampler is then optimised out
            gl.Uniform1(program.Uniform("u_mask"), 1);
            if (effect.Input != EffectInput.None)
                gl.Uniform1(program.Uniform(effect.Input == EffectInput.Blurred ? "u_blurred" : "u_background"), 2);
        }
        _current = _programs[(int)settings.Effect]!;
    }

    private void Sampler(ShaderProgram program, string name, int unit)
    {
        int location = _gl.GetUniformLocation(program.Handle, name);
        if (location >= 0)
            _gl.Uniform1(location, unit);
    }

    /// <summary>Switches to <paramref name="settings"/>' effect and sets its uniforms; <paramref name="blur"/> gives the reduced size for blur.</summary>
    public void Apply(EffectSettings settings, BlurStage? blur)
    {
        _current = _programs[(int)settings.Effect]
            ?? throw new InvalidOperationException($"effect {settings.Effect} was not built: make the compositor adjustable");
        _current.Use();
        EffectRegistry.Of(settings.Effect).SetUniforms(_uniforms.For(_current, blur), settings);
    }

    /// <summary>The model's mask size (a model swap changes it): a uniform of every program.</summary>
    public void SetMaskSize(int maskWidth, int maskHeight)
    {
        foreach (var program in _programs)
        {
            if (program is null)
                continue;
            program.Use();
            _gl.Uniform2(program.Uniform("u_maskScale"), (float)maskWidth / _width, (float)maskHeight / _height);
        }
    }

    /// <summary>
    /// Draws into <paramref name="target"/>. <paramref name="mask"/>: the model's mask or the refined one;
    /// <paramref name="extra"/>: blurred sums (blur) or background (replace).
    /// </summary>
    public void Render(RenderTarget target, Texture2D frame, Texture2D mask, Texture2D? extra)
    {
        target.BindForDrawing();
        _current.Use();
        frame.Bind(0);
        mask.Bind(1);
        extra?.Bind(2);
        _triangle.Draw();
    }

    public void Dispose()
    {
        foreach (var program in _programs)
            program?.Dispose();
    }
}

/// <summary>
/// The effects' <see cref="IEffectUniforms"/> over OpenGL: uniforms of the program in use, by name; one per stage,
/// pointed at the program and blur stage of each <see cref="EffectStage.Apply"/> (nothing allocated per call).
/// </summary>
internal sealed class EffectUniforms(GL gl, int width, int height) : IEffectUniforms
{
    private ShaderProgram? _program;
    private BlurStage? _blur;

    /// <summary>This, for <paramref name="program"/> (in use) and <paramref name="blur"/>.</summary>
    public EffectUniforms For(ShaderProgram program, BlurStage? blur)
    {
        (_program, _blur) = (program, blur);
        return this;
    }

    private ShaderProgram Program => _program ?? throw new InvalidOperationException("no program: call For first");

    public int Width => width;

    public int Height => height;

    public (int Width, int Height)? BlurredSize => _blur is { } b ? (b.ReducedWidth, b.ReducedHeight) : null;

    public void Set(string name, float value) => gl.Uniform1(Program.Uniform(name), value);

    public void Set(string name, int value) => gl.Uniform1(Program.Uniform(name), value);

    public void Set(string name, float x, float y) => gl.Uniform2(Program.Uniform(name), x, y);

    public void Set(string name, Rgb c) => gl.Uniform3(Program.Uniform(name), c.R, c.G, c.B);
}
