using LiveSeg.Motion;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Motion compensation on the GPU (mask_warp.frag; <see cref="MaskWarp"/> is the CPU side): the uploaded mask R32F +
/// a <see cref="MotionField"/> (uploaded as RG32F, grid size) → <see cref="Result"/>, the mask brought to the shown
/// frame (R32F, mask size, linear filtering), which refinement, blur and the effects then read. The program is made
/// once; the field and result textures again only when the grid or mask size changes (another model).
/// </summary>
internal sealed unsafe class WarpStage : IDisposable
{
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly ShaderProgram _program;
    private readonly int _uFrameSize;
    private Texture2D? _field;
    private RenderTarget? _result;

    public WarpStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle)
    {
        (_gl, _triangle) = (gl, triangle);
        _program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.MaskWarp);
        _program.Use();
        gl.Uniform1(_program.Uniform("u_mask"), 0);
        gl.Uniform1(_program.Uniform("u_field"), 1);
        gl.Uniform1(_program.Uniform("u_cell"), (float)MotionField.Cell);
        _uFrameSize = _program.Uniform("u_frameSize");
    }

    /// <summary>The warped mask: R32F, the mask's size, linear filtering; valid until the next <see cref="Render"/>.</summary>
    public Texture2D Result => _result!.Texture;

    /// <summary>The target <see cref="Result"/> belongs to (for reading it back).</summary>
    public RenderTarget Target => _result!;

    /// <summary>Warps <paramref name="mask"/> (R32F) by <paramref name="field"/> into <see cref="Result"/>.</summary>
    public void Render(Texture2D mask, MotionField field)
    {
        if (_field is null || _field.Width != field.GridWidth || _field.Height != field.GridHeight)
        {
            _field?.Dispose();
            _field = new Texture2D(_gl, field.GridWidth, field.GridHeight, InternalFormat.RG32f);
        }
        if (_result is null || _result.Width != mask.Width || _result.Height != mask.Height)
        {
            _result?.Dispose();
            _result = new RenderTarget(_gl, mask.Width, mask.Height, InternalFormat.R32f, linear: true);
        }
        fixed (float* v = field.Vectors)
            _field.Upload(PixelFormat.RG, PixelType.Float, v);
        _program.Use();
        _gl.Uniform2(_uFrameSize, (float)field.FrameWidth, field.FrameHeight);
        _result.BindForDrawing();
        mask.Bind(0);
        _field.Bind(1);
        _triangle.Draw();
    }

    public void Dispose()
    {
        _program.Dispose();
        _field?.Dispose();
        _result?.Dispose();
    }
}
