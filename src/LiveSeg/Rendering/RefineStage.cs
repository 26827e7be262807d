using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Frame-guided mask refinement on the GPU, at the mask's size (cheap: 256x256 whatever the frame): frame RGBA8 + mask
/// R32F → <see cref="Result"/> (RGBA32F, mask size), which mask.glsl's maskAt turns into the refined mask at each
/// frame pixel. Guided: refine_guide.frag (guide and moments), refine_box.frag twice (means), refine_coeff.frag
/// (a, b), refine_box.frag twice (mean a, b). Bilateral: refine_guide.frag only. Off: nothing. The CPU reference is
/// <see cref="MaskRefiner"/>. Programs are made once; targets again only when the mask size changes (a model swap).
/// </summary>
public sealed class RefineStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly ShaderProgram _guide;
    private readonly ShaderProgram _bilateralGuide;
    private readonly ShaderProgram _box;
    private readonly ShaderProgram _coefficients;
    private readonly int _uDirection;
    private RenderTarget _first = null!;
    private RenderTarget _second = null!;
    private RenderTarget _result = null!;

    public RefineStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int maskWidth, int maskHeight)
    {
        (_gl, _triangle) = (gl, triangle);
        _guide = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineGuide);
        _bilateralGuide = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineGuide, "#define BILATERAL 1\n");
        _bilateralGuide.Use();
        gl.Uniform1(_bilateralGuide.Uniform("u_frame"), 0);
        gl.Uniform1(_bilateralGuide.Uniform("u_mask"), 1);
        _box = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineBox);
        _coefficients = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineCoefficients);
        _guide.Use();
        gl.Uniform1(_guide.Uniform("u_frame"), 0);
        gl.Uniform1(_guide.Uniform("u_mask"), 1);
        _box.Use();
        gl.Uniform1(_box.Uniform("u_source"), 0);
        gl.Uniform1(_box.Uniform("u_radius"), MaskRefiner.Radius);
        _uDirection = _box.Uniform("u_direction");
        _coefficients.Use();
        gl.Uniform1(_coefficients.Uniform("u_means"), 0);
        gl.Uniform1(_coefficients.Uniform("u_epsilon"), MaskRefiner.Epsilon);
        SetMaskSize(maskWidth, maskHeight);
    }

    /// <summary>Guided: (A, B) per mask texel, filtered linearly; bilateral: (I', p), read with texelFetch.</summary>
    public Texture2D Result => _result.Texture;

    public void SetMaskSize(int maskWidth, int maskHeight)
    {
        if (_result is not null && _result.Width == maskWidth && _result.Height == maskHeight)
            return;
        _first?.Dispose();
        _second?.Dispose();
        _result?.Dispose();
        _first = new RenderTarget(_gl, maskWidth, maskHeight, InternalFormat.Rgba32f);
        _second = new RenderTarget(_gl, maskWidth, maskHeight, InternalFormat.Rgba32f);
        _result = new RenderTarget(_gl, maskWidth, maskHeight, InternalFormat.Rgba32f, linear: true);
    }

    public void Render(RefineKind kind, Texture2D frame, Texture2D mask)
    {
        if (kind == RefineKind.Off)
            return;
        (kind == RefineKind.Guided ? _guide : _bilateralGuide).Use();
        (kind == RefineKind.Guided ? _first : _result).BindForDrawing();
        frame.Bind(0);
        mask.Bind(1);
        _triangle.Draw();
        if (kind != RefineKind.Guided)
            return;
        Box(_first, _second, 1, 0);
        Box(_second, _first, 0, 1);
        _coefficients.Use();
        _second.BindForDrawing();
        _first.Texture.Bind(0);
        _triangle.Draw();
        Box(_second, _first, 1, 0);
        Box(_first, _result, 0, 1);
    }

    private void Box(RenderTarget source, RenderTarget target, int dx, int dy)
    {
        _box.Use();
        _gl.Uniform2(_uDirection, dx, dy);
        target.BindForDrawing();
        source.Texture.Bind(0);
        _triangle.Draw();
    }

    public void Dispose()
    {
        _guide.Dispose();
        _bilateralGuide.Dispose();
        _box.Dispose();
        _coefficients.Dispose();
        _first?.Dispose();
        _second?.Dispose();
        _result?.Dispose();
    }
}
