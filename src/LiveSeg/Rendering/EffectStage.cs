using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The effect pass: frame RGBA8 + mask R32F (model size, upsampled in the shader by mask.glsl) [+ one extra texture:
/// blurred sums or background] → RGBA8 output target. One program, chosen once from <see cref="EffectSettings.Effect"/>; its uniforms are set once.
/// </summary>
public sealed class EffectStage : IDisposable
{
    private readonly FullScreenTriangle _triangle;
    private readonly ShaderProgram _program;

    public EffectStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, int maskWidth,
        int maskHeight, EffectSettings settings)
    {
        _triangle = triangle;
        string fragment = settings.Effect switch
        {
            EffectKind.Mask => ShaderFiles.EffectMask,
            EffectKind.Tint => ShaderFiles.EffectTint,
            EffectKind.Blur => ShaderFiles.EffectBlur,
            EffectKind.Replace => ShaderFiles.EffectReplace,
            _ => ShaderFiles.EffectOutline,
        };
        _program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, fragment);
        _program.Use();
        gl.Uniform1(_program.Uniform("u_mask"), 1);
        gl.Uniform2(_program.Uniform("u_maskScale"), (float)maskWidth / width, (float)maskHeight / height);
        Rgb color = settings.EffectiveColor;
        switch (settings.Effect)
        {
            case EffectKind.Tint:
                gl.Uniform1(_program.Uniform("u_frame"), 0);
                gl.Uniform3(_program.Uniform("u_color"), color.R, color.G, color.B);
                gl.Uniform1(_program.Uniform("u_strength"), settings.TintStrength);
                break;
            case EffectKind.Blur:
                gl.Uniform1(_program.Uniform("u_frame"), 0);
                gl.Uniform1(_program.Uniform("u_blurred"), 2);
                int factor = settings.BlurFactor;
                gl.Uniform2(_program.Uniform("u_scale"), (float)((width + factor - 1) / factor) / width, (float)((height + factor - 1) / factor) / height);
                break;
            case EffectKind.Replace:
                gl.Uniform1(_program.Uniform("u_frame"), 0);
                gl.Uniform1(_program.Uniform("u_background"), 2);
                break;
            case EffectKind.Outline:
                gl.Uniform1(_program.Uniform("u_frame"), 0);
                gl.Uniform3(_program.Uniform("u_color"), color.R, color.G, color.B);
                gl.Uniform1(_program.Uniform("u_width"), settings.OutlineWidth);
                break;
        }
    }

    /// <summary>Draws into <paramref name="target"/>. <paramref name="extra"/>: blurred sums (blur) or background (replace).</summary>
    public void Render(RenderTarget target, Texture2D frame, Texture2D mask, Texture2D? extra)
    {
        target.BindForDrawing();
        _program.Use();
        frame.Bind(0);
        mask.Bind(1);
        extra?.Bind(2);
        _triangle.Draw();
    }

    public void Dispose() => _program.Dispose();
}
