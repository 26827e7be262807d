using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The effect pass: frame RGBA8 + mask R32F (model size, upsampled in the shader by mask.glsl, refined with the
/// refine stage's result) [+ one extra texture: blurred sums or background] → RGBA8 output target. One program per effect, made once (every effect when the
/// settings may change at run time, else only the one used), compiled for the run's refine mode (a compile-time
/// variant, so bilinear costs nothing extra); <see cref="Apply"/> picks the program and sets uniforms.
/// </summary>
public sealed class EffectStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly int _width;
    private readonly int _height;
    private readonly ShaderProgram?[] _programs = new ShaderProgram?[Enum.GetValues<EffectKind>().Length];
    private readonly RefineKind _refine;
    private ShaderProgram _current;

    public EffectStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, EffectSettings settings, bool allEffects)
    {
        (_gl, _triangle, _width, _height, _refine) = (gl, triangle, width, height, settings.Refine);
        foreach (EffectKind kind in allEffects ? Enum.GetValues<EffectKind>() : [settings.Effect])
        {
            var program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, Fragment(kind), $"#define REFINE {(int)settings.Refine}\n");
            program.Use();
            gl.Uniform1(program.Uniform("u_mask"), 1);
            if (kind != EffectKind.Mask || settings.Refine != RefineKind.Off)
                gl.Uniform1(program.Uniform("u_frame"), 0);
            if (settings.Refine != RefineKind.Off)
                gl.Uniform1(program.Uniform("u_refined"), 3);
            if (settings.Refine == RefineKind.Bilateral)
                gl.Uniform1(program.Uniform("u_rangeSigma"), MaskRefiner.RangeSigma);
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
        if (settings.Refine != _refine)
            throw new InvalidOperationException($"the effect programs were built for refine {_refine}, not {settings.Refine}");
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
    /// Draws into <paramref name="target"/>. <paramref name="extra"/>: blurred sums (blur) or background (replace);
    /// <paramref name="refined"/>: the refine stage's result (unused when refinement is off).
    /// </summary>
    public void Render(RenderTarget target, Texture2D frame, Texture2D mask, Texture2D? extra, Texture2D? refined)
    {
        target.BindForDrawing();
        _current.Use();
        frame.Bind(0);
        mask.Bind(1);
        extra?.Bind(2);
        refined?.Bind(3);
        _triangle.Draw();
    }

    public void Dispose()
    {
        foreach (var program in _programs)
            program?.Dispose();
    }
}
