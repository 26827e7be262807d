using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg;

/// <summary>
/// Composites a frame with its mask — LiveSeg's effects (blur or replace the background, tint, outline, the mask) —
/// with OpenGL shaders, either on a headless context of its own (<see cref="CreateHeadless"/>: EGL, no display) or in
/// the host program's current context (<see cref="CreateInCurrentContext"/>: the host owns the window and the loop;
/// LiveSeg draws where it is told and puts back every piece of GL state it changed). Textures and framebuffers are
/// made once; a frame allocates nothing. A headless compositor may be called from any thread, one call at a time (its
/// context is current only during a call, and the calling thread's own current context is put back afterwards); one in
/// the host's context is called on the thread where that context is current.
/// </summary>
public sealed class Compositor : IDisposable
{
    private readonly IHeadlessContext? _own;
    private readonly GL _gl;
    private readonly GlCompositor _inner;
    private readonly GlStateGuard? _hostState;
    private readonly object _gate = new();
    private RenderTarget? _last;
    private bool _disposed;

    private Compositor(IHeadlessContext? own, GL gl, int width, int height, EffectSettings effect, string? backgroundPath)
    {
        _own = own;
        _gl = gl;
        _hostState = own is null ? new GlStateGuard(gl) : null;
        Width = width;
        Height = height;
        using Mat? background = backgroundPath is null ? null : BackgroundImage.LoadCover(backgroundPath, width, height);
        // Adjustable: every effect's program and the blur and background targets are made now, so Effect can change freely.
        _inner = new GlCompositor(gl, new ShaderLibrary(), width, height, 256, 256, effect.Validated(), background, adjustable: true);
    }

    /// <summary>
    /// A compositor with its own headless OpenGL context (on Linux EGL: Mesa llvmpipe without a GPU, the NVIDIA
    /// driver's EGL with one; elsewhere a hidden window's), for frames of <paramref name="width"/> x <paramref name="height"/>. The calling
    /// thread's current context, if it has one, is current again when this returns.
    /// </summary>
    public static Compositor CreateHeadless(int width, int height, EffectSettings effect, string? backgroundPath = null)
    {
        var context = HeadlessContext.Create();
        try
        {
            return new Compositor(context, context.Gl, width, height, effect, backgroundPath);
        }
        catch
        {
            context.Dispose();
            throw;
        }
        finally
        {
            context.Leave(); // the context current before Create, or none: this one is then free for any thread
        }
    }

    /// <summary>
    /// A compositor in the host's OpenGL 3.3+ core context, current on the calling thread (<paramref name="gl"/>: the
    /// host's Silk.NET binding of it). Its textures and framebuffers live in that context; the host's state is saved
    /// and restored around every call. An OpenGL error the host left pending is cleared (read with glGetError) so that
    /// only errors of LiveSeg's own set-up fail it.
    /// </summary>
    public static Compositor CreateInCurrentContext(GL gl, int width, int height, EffectSettings effect, string? backgroundPath = null)
    {
        ArgumentNullException.ThrowIfNull(gl);
        var state = new GlStateGuard(gl);
        state.Save();
        try
        {
            return new Compositor(null, gl, width, height, effect, backgroundPath);
        }
        finally
        {
            state.Restore();
        }
    }

    /// <summary>Frame width.</summary>
    public int Width { get; }

    /// <summary>Frame height.</summary>
    public int Height { get; }

    /// <summary>The effect and its settings; setting it only changes shader uniforms (cheap, any time).</summary>
    public EffectSettings Effect
    {
        get => _inner.Settings;
        set
        {
            Enter();
            try
            {
                _inner.Apply(value.Validated());
            }
            finally
            {
                Leave();
            }
        }
    }

    /// <summary>The OpenGL texture (RGBA8, the image's top row first) holding the last composite, for a host that draws it itself.</summary>
    public uint LastTexture => _last?.Texture.Handle ?? 0;

    /// <summary>Composites <paramref name="frameBgr"/> (8-bit BGR, <see cref="Width"/> x <see cref="Height"/>) with <paramref name="mask"/> and reads it back into <paramref name="destinationBgr"/>.</summary>
    public void Composite(Mat frameBgr, MaskView mask, Mat destinationBgr)
    {
        ArgumentNullException.ThrowIfNull(destinationBgr);
        Enter();
        try
        {
            _inner.ReadBack(Render(frameBgr, mask), destinationBgr);
        }
        finally
        {
            Leave();
        }
    }

    /// <summary>
    /// Composites <paramref name="frameBgr"/> with <paramref name="mask"/> and draws it into the host's
    /// <paramref name="framebuffer"/> (0 = the window's) inside the rectangle (<paramref name="x"/>, <paramref name="y"/>,
    /// <paramref name="width"/>, <paramref name="height"/>; GL window coordinates, origin bottom left), scaled with the
    /// aspect kept. Does not clear, swap, or leave any of its state behind.
    /// </summary>
    public void Draw(Mat frameBgr, MaskView mask, uint framebuffer, int x, int y, int width, int height)
    {
        Enter();
        try
        {
            RenderTarget target = Render(frameBgr, mask);
            var (lx, ly, lw, lh) = GlCompositor.Letterbox(Width, Height, width, height);
            _gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, target.Handle);
            _gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, framebuffer);
            _gl.BlitFramebuffer(0, 0, Width, Height, x + lx, y + ly + lh, x + lx + lw, y + ly, ClearBufferMask.ColorBufferBit,
                lw == Width && lh == Height ? BlitFramebufferFilter.Nearest : BlitFramebufferFilter.Linear);
        }
        finally
        {
            Leave();
        }
    }

    private RenderTarget Render(Mat frameBgr, MaskView mask)
    {
        ArgumentNullException.ThrowIfNull(frameBgr);
        ArgumentNullException.ThrowIfNull(mask);
        if (frameBgr.Width != Width || frameBgr.Height != Height || frameBgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"need an 8-bit BGR frame of {Width}x{Height}, got {frameBgr.Width}x{frameBgr.Height} {frameBgr.Type()}", nameof(frameBgr));
        if (mask.FrameWidth != Width || mask.FrameHeight != Height)
            throw new ArgumentException($"the mask was made for a {mask.FrameWidth}x{mask.FrameHeight} frame, this compositor composites {Width}x{Height} frames: segment the frame being composited", nameof(mask));
        var timing = new FrameTiming();
        _last = _inner.Render(frameBgr, mask.Array, mask.Width, mask.Height, ref timing);
        return _last;
    }

    /// <summary>Before GL work: one call at a time; saves the host's state, or makes its own context current.</summary>
    private void Enter()
    {
        Monitor.Enter(_gate);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _hostState?.Save();
            _own?.Enter();
        }
        catch
        {
            Monitor.Exit(_gate);
            throw;
        }
    }

    /// <summary>After GL work: puts the host's state back, or the calling thread's own context.</summary>
    private void Leave()
    {
        try
        {
            _hostState?.Restore();
            _own?.Leave();
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    /// <summary>Frees the textures, framebuffers and programs (and its own context, if headless); in a host's context, call it while that context exists.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            try
            {
                Enter();
                try
                {
                    _inner.Dispose();
                }
                finally
                {
                    Leave();
                }
            }
            finally
            {
                _disposed = true;
                _own?.Dispose();
            }
        }
    }
}
