using LiveSeg.Effects;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Mask-weighted background blur at reduced size: frame RGBA8 + mask R32F (model size) → RGBA32F weighted sums at
/// ceil(frame / factor) (rgb = Σ g·(1−m)·colour, a = Σ g·(1−m)), normalised later by the effect pass.
/// Passes: reduce (blur_downsample.frag), Gaussian horizontal, Gaussian vertical (blur_gaussian.frag).
/// Programs and targets are made once, the targets for the smallest factor the run may use; a new radius, factor or
/// mask size (<see cref="Apply"/>, <see cref="SetMaskSize"/>) only sets uniforms and the drawn size.
/// </summary>
internal sealed unsafe class BlurStage : IDisposable
{
    private readonly FullScreenTriangle _triangle;
    private readonly GL _gl;
    private readonly int _width;
    private readonly int _height;
    private readonly ShaderProgram _reduce;
    private readonly ShaderProgram _gaussian;
    private readonly int _uDirection;
    private readonly RenderTarget _reduced;
    private readonly RenderTarget _horizontal;
    private readonly RenderTarget _vertical;
    private readonly float[] _weights = new float[33];

    /// <param name="smallestFactor">The smallest reduction factor the run will use (1 when settings may change at run time).</param>
    public BlurStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, int smallestFactor)
    {
        _gl = gl;
        _triangle = triangle;
        (_width, _height) = (width, height);
        int w = (width + smallestFactor - 1) / smallestFactor, h = (height + smallestFactor - 1) / smallestFactor;
        _reduce = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.BlurDownsample);
        _gaussian = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.BlurGaussian);
        _reduced = new RenderTarget(gl, w, h, InternalFormat.Rgba32f);
        _horizontal = new RenderTarget(gl, w, h, InternalFormat.Rgba32f);
        _vertical = new RenderTarget(gl, w, h, InternalFormat.Rgba32f, linear: true); // upsampled by effect_blur.frag
        _reduce.Use();
        gl.Uniform1(_reduce.Uniform("u_frame"), 0);
        gl.Uniform1(_reduce.Uniform("u_mask"), 1);
        _gaussian.Use();
        gl.Uniform1(_gaussian.Uniform("u_sums"), 0);
        _uDirection = _gaussian.Uniform("u_direction");
    }

    /// <summary>Blurred weighted sums, RGBA32F; the used part is <see cref="ReducedWidth"/> x <see cref="ReducedHeight"/>.</summary>
    public Texture2D Result => _vertical.Texture;

    public int ReducedWidth { get; private set; }

    public int ReducedHeight { get; private set; }

    /// <summary>Sets the factor, radius and weights for <paramref name="settings"/> (uniforms only).</summary>
    public void Apply(EffectSettings settings)
    {
        int factor = settings.BlurFactor;
        ReducedWidth = (_width + factor - 1) / factor;
        ReducedHeight = (_height + factor - 1) / factor;
        if (ReducedWidth > _reduced.Width || ReducedHeight > _reduced.Height)
            throw new InvalidOperationException($"blur factor {factor} needs {ReducedWidth}x{ReducedHeight}, more than the targets made at start ({_reduced.Width}x{_reduced.Height})");
        _reduce.Use();
        _gl.Uniform1(_reduce.Uniform("u_factor"), factor);
        settings.BlurWeights().CopyTo(_weights, 0);
        _gaussian.Use();
        _gl.Uniform1(_gaussian.Uniform("u_radius"), settings.ReducedBlurRadius);
        _gl.Uniform2(_gaussian.Uniform("u_size"), ReducedWidth, ReducedHeight);
        fixed (float* p = _weights)
            _gl.Uniform1(_gaussian.Uniform("u_weights"), (uint)(settings.ReducedBlurRadius + 1), p);
    }

    public void SetMaskSize(int maskWidth, int maskHeight)
    {
        _reduce.Use();
        _gl.Uniform2(_reduce.Uniform("u_maskScale"), (float)maskWidth / _width, (float)maskHeight / _height);
    }

    public void Render(Texture2D frame, Texture2D mask)
    {
        _reduced.BindForDrawing(ReducedWidth, ReducedHeight);
        _reduce.Use();
        frame.Bind(0);
        mask.Bind(1);
        _triangle.Draw();

        _gaussian.Use();
        _horizontal.BindForDrawing(ReducedWidth, ReducedHeight);
        _gl.Uniform2(_uDirection, 1, 0);
        _reduced.Texture.Bind(0);
        _triangle.Draw();
        _vertical.BindForDrawing(ReducedWidth, ReducedHeight);
        _gl.Uniform2(_uDirection, 0, 1);
        _horizontal.Texture.Bind(0);
        _triangle.Draw();
    }

    public void Dispose()
    {
        _reduce.Dispose();
        _gaussian.Dispose();
        _reduced.Dispose();
        _horizontal.Dispose();
        _vertical.Dispose();
    }
}
