using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The effect pass: frame RGBA8 + mask R32F (model size, or the refine stage's half-frame-size result; upsampled in
/// the shader by mask.glsl) [+ one extra texture: blurred sums or background] → RGBA8 output target. One program per
/// effect, made once (every effect when the settings may change at run time, else only the one used);
/// <see cref="Apply"/> picks the program and sets uniforms.
/// </summary>
internal sealed class EffectStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly int _width;
    private readonly int _height;
    private readonly ShaderProgram?[] _programs = new ShaderProgram?[Enum.GetValues<EffectKind>().Length];
    private ShaderProgram _current;

    public EffectStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, EffectSettings settings, bool allEffects)
    {
        (_gl, _triangle, _width, _height) = (gl, triangle, width, height);
        foreach (EffectKind kind in allEffects ? Enum.GetValues<EffectKind>() : [settings.Effect])
        {
            var program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, Fragment(kind));
            program.Use();
            gl.Uniform1(program.Uniform("u_mask"), 1);
            if (kind != EffectKind.Mask)
                gl.Uniform1(program.Uniform("u_frame"), 0);
            if (kind is EffectKind.Blur)
                gl.Uniform1(program.Uniform("u_blurred"), 2);
            if (kind is EffectKind.Replace)
                gl.Uniform1(program.Uniform("u_background"), 2);
            _programs[(int)kind] = program;
        }
        _current = _programs[(int)settings.Effect]!;
    }

    private static string Fragment(EffectKind kind) => kind switch
    {
        EffectKind.Mask => ShaderFiles.EffectMask,
        EffectKind.Tint => ShaderFiles.EffectTint,
        EffectKind.Blur => ShaderFiles.EffectBlur,
        EffectKind.Replace => ShaderFiles.EffectReplace,
        _ => ShaderFiles.EffectOutline,
    };

    /// <summary>Switches to <paramref name="settings"/>' effect and sets its uniforms; <paramref name="blur"/> gives the reduced size for blur.</summary>
    public void Apply(EffectSettings settings, BlurStage? blur)
    {
        _current = _programs[(int)settings.Effect]
            ?? throw new InvalidOperationException($"effect {settings.Effect} was not built: make the compositor adjustable");
        _current.Use();
        if (settings.Effect is EffectKind.Blur or EffectKind.Replace)
            _gl.Uniform1(_current.Uniform("u_feather"), settings.Feather);
        if (settings.Effect is EffectKind.Replace)
            _gl.Uniform1(_current.Uniform("u_lightWrap"), settings.LightWrap);
        Rgb color = settings.EffectiveColor;
        switch (settings.Effect)
        {
            case EffectKind.Tint:
                _gl.Uniform3(_current.Uniform("u_color"), color.R, color.G, color.B);
                _gl.Uniform1(_current.Uniform("u_strength"), settings.TintStrength);
                break;
            case EffectKind.Blur when blur is not null:
                _gl.Uniform2(_current.Uniform("u_scale"), (float)blur.ReducedWidth / _width, (float)blur.ReducedHeight / _height);
                _gl.Uniform2(_current.Uniform("u_reducedSize"), (float)blur.ReducedWidth, blur.ReducedHeight);
                break;
            case EffectKind.Outline:
                _gl.Uniform3(_current.Uniform("u_color"), color.R, color.G, color.B);
                _gl.Uniform1(_current.Uniform("u_width"), settings.OutlineWidth);
                break;
        }
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
