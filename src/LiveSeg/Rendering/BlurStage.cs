using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Mask-weighted separable Gaussian blur of the background: frame RGBA8 + mask R32F (frame size) → RGBA32F weighted
/// sums (rgb = Σ g·(1−m)·colour, a = Σ g·(1−m)). See blur_horizontal.frag and blur_vertical.frag.
/// </summary>
public sealed unsafe class BlurStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly ShaderProgram _horizontal;
    private readonly ShaderProgram _vertical;
    private readonly RenderTarget _pass1;
    private readonly RenderTarget _pass2;

    public BlurStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height, EffectSettings settings)
    {
        _gl = gl;
        _triangle = triangle;
        _horizontal = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.BlurHorizontal);
        _vertical = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.BlurVertical);
        _pass1 = new RenderTarget(gl, width, height, InternalFormat.Rgba32f);
        _pass2 = new RenderTarget(gl, width, height, InternalFormat.Rgba32f);
        float[] weights = settings.BlurWeights();
        // Settings are fixed for the stage's life: set uniforms once.
        _horizontal.Use();
        gl.Uniform1(_horizontal.Uniform("u_frame"), 0);
        gl.Uniform1(_horizontal.Uniform("u_mask"), 1);
        gl.Uniform1(_horizontal.Uniform("u_radius"), settings.BlurRadius);
        fixed (float* w = weights)
            gl.Uniform1(_horizontal.Uniform("u_weights"), (uint)weights.Length, w);
        _vertical.Use();
        gl.Uniform1(_vertical.Uniform("u_sums"), 0);
        gl.Uniform1(_vertical.Uniform("u_radius"), settings.BlurRadius);
        fixed (float* w = weights)
            gl.Uniform1(_vertical.Uniform("u_weights"), (uint)weights.Length, w);
    }

    public Texture2D Result => _pass2.Texture;

    public void Render(Texture2D frame, Texture2D mask)
    {
        _pass1.BindForDrawing();
        _horizontal.Use();
        frame.Bind(0);
        mask.Bind(1);
        _triangle.Draw();
        _pass2.BindForDrawing();
        _vertical.Use();
        _pass1.Texture.Bind(0);
        _triangle.Draw();
    }

    public void Dispose()
    {
        _horizontal.Dispose();
        _vertical.Dispose();
        _pass1.Dispose();
        _pass2.Dispose();
    }
}
