using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Live mode without a window (<c>--no-window</c>): an EGL context with no display server (Mesa llvmpipe, or a GPU's
/// EGL) and an offscreen framebuffer of the frame's size standing in for the window's. Nothing is shown, so the loop
/// draws into it only for a screenshot; the composited frames reach the outputs (stream, virtual camera, recording).
/// Ends when <see cref="Close"/> is called (Ctrl-C, --frames, the end of the input).
/// </summary>
internal sealed class HeadlessDisplay : ILiveDisplay
{
    private readonly IHeadlessContext _context;
    private readonly RenderTarget _target;
    private bool _closed;

    public HeadlessDisplay(int width, int height)
    {
        _context = HeadlessContext.Create();
        try
        {
            TextureLimit.Require(_context.Gl, "frames", width, height, TextureLimit.LiveAdvice);
            _target = new RenderTarget(_context.Gl, width, height, InternalFormat.Rgba8);
            _context.Gl.BindFramebuffer(FramebufferTarget.Framebuffer, 0);
        }
        catch
        {
            _context.Dispose();
            throw;
        }
    }

    public GL Gl => _context.Gl;

    public string Renderer => _context.Renderer;

    public string Description => $"{_context.Renderer} (no window, EGL {_context.Platform})";

    public uint Framebuffer => _target.Handle;

    public (int Width, int Height) FramebufferSize => (_target.Width, _target.Height);

    public bool IsVisible => false;

    public bool ShouldClose => _closed;

    public bool IsFullScreen => false;

    /// <summary>Never raised: there is no keyboard without a window (tests press keys through the loop).</summary>
    public event Action<int>? KeyPressed
    {
        add { }
        remove { }
    }

    /// <summary>Never raised: there is no mouse without a window (tests click through the loop).</summary>
    public event Action<double, double>? Clicked
    {
        add { }
        remove { }
    }

    public void PollEvents()
    {
    }

    public void SwapBuffers()
    {
    }

    public void Close() => _closed = true;

    public void ToggleFullScreen()
    {
    }

    public void Dispose()
    {
        _target.Dispose();
        _context.Dispose();
    }
}
