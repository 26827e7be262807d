using LiveSeg.Effects;
using LiveSeg.Masks;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Frame-guided mask refinement on the GPU: frame RGBA8 + model mask R32F → <see cref="Result"/>, the refined mask (R32F,
/// half the frame's size, linear filtering), which the blur and effect passes then read as their mask. At the mask's
/// size (cheap whatever the frame): refine_guide.frag (guide and moments); guided adds refine_box.frag twice (means),
/// refine_coeff.frag (a, b) and refine_box.frag twice (mean a, b). Then refine_apply.frag at half the frame's size.
/// The CPU reference is <see cref="MaskRefiner"/>. Programs and the result are made once; the mask-size targets again
/// only when the mask size changes (a model swap).
/// </summary>
internal sealed class RefineStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly RefineKind _kind;
    private readonly ShaderProgram _guide;
    private readonly ShaderProgram? _box;
    private readonly ShaderProgram? _coefficients;
    private readonly ShaderProgram _apply;
    private readonly int _uDirection;
    private readonly RenderTarget _result;
    private readonly int _frameWidth;
    private readonly int _frameHeight;
    private RenderTarget _first = null!;
    private RenderTarget _second = null!;
    private RenderTarget _terms = null!;

    public RefineStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int frameWidth, int frameHeight, int maskWidth, int maskHeight, RefineKind kind)
    {
        if (kind is not (RefineKind.Guided or RefineKind.Bilateral))
            throw new ArgumentException($"no refine stage for {kind}", nameof(kind));
        (_gl, _triangle, _kind, _frameWidth, _frameHeight) = (gl, triangle, kind, frameWidth, frameHeight);
        bool guided = kind == RefineKind.Guided;
        _guide = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineGuide);
        _guide.Use();
        gl.Uniform1(_guide.Uniform("u_frame"), 0);
        gl.Uniform1(_guide.Uniform("u_mask"), 1);
        if (guided)
        {
            _box = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineBox);
            _box.Use();
            gl.Uniform1(_box.Uniform("u_source"), 0);
            gl.Uniform1(_box.Uniform("u_radius"), MaskRefiner.Radius);
            _uDirection = _box.Uniform("u_direction");
            _coefficients = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineCoefficients);
            _coefficients.Use();
            gl.Uniform1(_coefficients.Uniform("u_means"), 0);
            gl.Uniform1(_coefficients.Uniform("u_epsilon"), MaskRefiner.Epsilon);
        }
        _apply = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.RefineApply, guided ? "#define GUIDED 1\n" : "#define BILATERAL 1\n");
        _apply.Use();
        gl.Uniform1(_apply.Uniform("u_frame"), 0);
        gl.Uniform1(_apply.Uniform("u_refined"), 2);
        gl.Uniform1(_apply.Uniform("u_mask"), 1);
        if (!guided)
            gl.Uniform1(_apply.Uniform("u_rangeSigma"), MaskRefiner.RangeSigma);
        var (rw, rh) = MaskRefiner.RefinedSize(frameWidth, frameHeight);
        _result = new RenderTarget(gl, rw, rh, InternalFormat.R32f, linear: true);
        SetMaskSize(maskWidth, maskHeight);
    }

    /// <summary>The refined mask, R32F, <see cref="MaskRefiner.RefinedSize"/> of the frame, linear filtering.</summary>
    public Texture2D Result => _result.Texture;

    public void SetMaskSize(int maskWidth, int maskHeight)
    {
        if (_terms is not null && _terms.Width == maskWidth && _terms.Height == maskHeight)
            return;
        _first?.Dispose();
        _second?.Dispose();
        _terms?.Dispose();
        _first = new RenderTarget(_gl, maskWidth, maskHeight, InternalFormat.Rgba32f);
        _second = new RenderTarget(_gl, maskWidth, maskHeight, InternalFormat.Rgba32f);
        _terms = new RenderTarget(_gl, maskWidth, maskHeight, InternalFormat.Rgba32f, linear: true);
        _apply.Use();
        _gl.Uniform2(_apply.Uniform("u_maskScale"), (float)maskWidth / _frameWidth, (float)maskHeight / _frameHeight);
    }

    public void Render(Texture2D frame, Texture2D mask)
    {
        _guide.Use();
        (_kind == RefineKind.Guided ? _first : _terms).BindForDrawing();
        frame.Bind(0);
        mask.Bind(1);
        _triangle.Draw();
        if (_kind == RefineKind.Guided)
        {
            Box(_first, _second, 1, 0);
            Box(_second, _first, 0, 1);
            _coefficients!.Use();
            _second.BindForDrawing();
            _first.Texture.Bind(0);
            _triangle.Draw();
            Box(_second, _first, 1, 0);
            Box(_first, _terms, 0, 1);
        }
        _apply.Use();
        _result.BindForDrawing();
        frame.Bind(0);
        mask.Bind(1);
        _terms.Texture.Bind(2);
        _triangle.Draw();
    }

    private void Box(RenderTarget source, RenderTarget target, int dx, int dy)
    {
        _box!.Use();
        _gl.Uniform2(_uDirection, dx, dy);
        target.BindForDrawing();
        source.Texture.Bind(0);
        _triangle.Draw();
    }

    public void Dispose()
    {
        _guide.Dispose();
        _box?.Dispose();
        _coefficients?.Dispose();
        _apply.Dispose();
        _result.Dispose();
        _first?.Dispose();
        _second?.Dispose();
        _terms?.Dispose();
    }
}
