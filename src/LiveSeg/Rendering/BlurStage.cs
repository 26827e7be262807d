using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Mask-weighted background blur at reduced size: frame RGBA8 + mask R32F (model size) → RGBA32F weighted sums at
/// ceil(frame / factor) (rgb = Σ g·(1−m)·colour, a = Σ g·(1−m)), normalised later by the effect pass.
/// Passes: reduce (blur_downsample.frag), Gaussian horizontal, Gaussian vertical (blur_gaussian.frag).
/// </summary>
public sealed unsafe class BlurStage : IDisposable
{
    private readonly FullScreenTriangle _triangle;
    private readonly GL _gl;
    private readonly ShaderProgram _reduce;
    private readonly ShaderProgram _gaussian;
    private readonly int _uDirection;
    private readonly RenderTarget _reduced;
    private readonly RenderTarget _horizontal;
    private readonly RenderTarget _vertical;

    public BlurStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, int maskWidth,
        int maskHeight, EffectSettings settings)
    {
        _gl = gl;
        _triangle = triangle;
        int factor = settings.BlurFactor;
        int w = (width + factor - 1) / factor, h = (height + factor - 1) / factor;
        _reduce = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.BlurDownsample);
        _gaussian = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.BlurGaussian);
        _reduced = new RenderTarget(gl, w, h, InternalFormat.Rgba32f);
        _horizontal = new RenderTarget(gl, w, h, InternalFormat.Rgba32f);
        _vertical = new RenderTarget(gl, w, h, InternalFormat.Rgba32f, linear: true); // upsampled by effect_blur.frag
        // Settings are fixed for the stage's life: set uniforms once.
        _reduce.Use();
        gl.Uniform1(_reduce.Uniform("u_frame"), 0);
        gl.Uniform1(_reduce.Uniform("u_mask"), 1);
        gl.Uniform1(_reduce.Uniform("u_factor"), factor);
        gl.Uniform2(_reduce.Uniform("u_maskScale"), (float)maskWidth / width, (float)maskHeight / height);
        float[] weights = settings.BlurWeights();
        _gaussian.Use();
        gl.Uniform1(_gaussian.Uniform("u_sums"), 0);
        gl.Uniform1(_gaussian.Uniform("u_radius"), settings.ReducedBlurRadius);
        fixed (float* p = weights)
            gl.Uniform1(_gaussian.Uniform("u_weights"), (uint)weights.Length, p);
        _uDirection = _gaussian.Uniform("u_direction");
    }

    /// <summary>Blurred weighted sums, RGBA32F at the reduced size.</summary>
    public Texture2D Result => _vertical.Texture;

    public void Render(Texture2D frame, Texture2D mask)
    {
        _reduced.BindForDrawing();
        _reduce.Use();
        frame.Bind(0);
        mask.Bind(1);
        _triangle.Draw();

        _gaussian.Use();
        _horizontal.BindForDrawing();
        _gl.Uniform2(_uDirection, 1, 0);
        _reduced.Texture.Bind(0);
        _triangle.Draw();
        _vertical.BindForDrawing();
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
