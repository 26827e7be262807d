using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Mask: R32F model size → R32F frame size (bilinear), blended with the previous frame's result (temporal smoothing).
/// Two targets ping-pong: one holds this frame's mask, the other the previous one. See mask_upsample.frag.
/// </summary>
public sealed class MaskUpsampleStage : IDisposable
{
    private readonly GL _gl;
    private readonly ShaderProgram _program;
    private readonly FullScreenTriangle _triangle;
    private readonly RenderTarget[] _targets = new RenderTarget[2];
    private readonly int _uMask;
    private readonly int _uPrevious;
    private readonly int _uScale;
    private readonly int _uKeep;
    private readonly float _keep;
    private int _current;
    private bool _hasPrevious;

    public MaskUpsampleStage(GL gl, ShaderLibrary shaders, FullScreenTriangle triangle, int width, int height,
        int maskWidth, int maskHeight, float smoothing)
    {
        _gl = gl;
        _triangle = triangle;
        _keep = smoothing;
        _program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.MaskUpsample);
        _uMask = _program.Uniform("u_mask");
        _uPrevious = _program.Uniform("u_previous");
        _uScale = _program.Uniform("u_scale");
        _uKeep = _program.Uniform("u_keep");
        _program.Use();
        gl.Uniform1(_uMask, 0);
        gl.Uniform1(_uPrevious, 1);
        gl.Uniform2(_uScale, (float)maskWidth / width, (float)maskHeight / height);
        for (int i = 0; i < 2; i++)
        {
            _targets[i] = new RenderTarget(gl, width, height, InternalFormat.R32f);
            _targets[i].BindForDrawing();
            gl.ClearColor(0, 0, 0, 0);
            gl.Clear(ClearBufferMask.ColorBufferBit);
        }
    }

    /// <summary>The frame-size mask written by the last <see cref="Render"/>.</summary>
    public Texture2D Result => _targets[_current].Texture;

    public void Render(Texture2D mask)
    {
        int previous = _current;
        _current ^= 1;
        _targets[_current].BindForDrawing();
        _program.Use();
        _gl.Uniform1(_uKeep, _hasPrevious ? _keep : 0f);
        mask.Bind(0);
        _targets[previous].Texture.Bind(1);
        _triangle.Draw();
        _hasPrevious = true;
    }

    public void Dispose()
    {
        _program.Dispose();
        foreach (var t in _targets)
            t.Dispose();
    }
}
