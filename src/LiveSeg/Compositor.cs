using LiveSeg.Effects;
using LiveSeg.Metrics;
using LiveSeg.Rendering;
using LiveSeg.Threading;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg;

/// <summary>
/// Composites a frame with its mask — LiveSeg's effects (blur or replace the background, tint, outline, the mask) —
/// with OpenGL shaders, either on a headless context of its own (<see cref="CreateHeadless"/>: EGL, no display) or in
/// the host program's current context (<see cref="CreateInCurrentContext"/>: the host owns the window and the loop;
/// LiveSeg draws where it is told and puts back every piece of GL state it changed). Textures and framebuffers are
/// made once; a frame allocates nothing. A headless compositor does its OpenGL work on a thread of its own: any thread
/// may call it, one call at a time, and the calling thread's own graphics context (EGL, GLX, WGL) is never touched.
/// One in the host's context is called on the thread where that context is current.
/// </summary>
public sealed class Compositor : IDisposable
{
    private readonly WorkerThread? _thread;       // headless: where its context is current
    private readonly IHeadlessContext? _own;
    private readonly GL _gl;
    private readonly GlCompositor _inner;
    private readonly GlStateGuard? _hostState;
    private readonly object _gate = new();
    private readonly Action _composite, _draw, _apply;
    private RenderTarget? _last;
    private bool _disposed;

    // A call's arguments, for the work delegates (made once, so a call allocates nothing).
    private Mat? _frame, _destination;
    private MaskView? _mask;
    private EffectSettings _effect;
    private (uint Framebuffer, int X, int Y, int W, int H) _drawTo;

    private Compositor(WorkerThread? thread, IHeadlessContext? own, GL gl, GlCompositor inner, int width, int height)
    {
        (_thread, _own, _gl, _inner, Width, Height) = (thread, own, gl, inner, width, height);
        _hostState = own is null ? new GlStateGuard(gl) : null;
        _composite = () => _inner.ReadBack(Render(_frame!, _mask!), _destination!);
        _draw = DrawNow;
        _apply = () => _inner.Apply(_effect);
    }

    /// <summary>Adjustable: every effect's program and the blur and background targets are made now, so Effect can change freely.</summary>
    private static GlCompositor Build(GL gl, int width, int height, EffectSettings effect, string? backgroundPath)
    {
        using Mat? background = backgroundPath is null ? null : BackgroundImage.LoadCover(backgroundPath, width, height);
        return new GlCompositor(gl, new ShaderLibrary(), width, height, 256, 256, effect.Validated(), background, adjustable: true);
    }

    /// <summary>
    /// A compositor with its own headless OpenGL context (on Linux EGL: Mesa llvmpipe without a GPU, the NVIDIA
    /// driver's EGL with one; elsewhere a hidden window's), for frames of <paramref name="width"/> x
    /// <paramref name="height"/>. The context lives on a thread the compositor owns.
    /// </summary>
    public static Compositor CreateHeadless(int width, int height, EffectSettings effect, string? backgroundPath = null)
    {
        CheckArguments(width, height, effect);
        var thread = new WorkerThread("liveseg-compositor");
        IHeadlessContext? context = null;
        GlCompositor? inner = null;
        try
        {
            thread.Invoke(() =>
            {
                context = HeadlessContext.Create();
                inner = Build(context.Gl, width, height, effect, backgroundPath);
            });
            return new Compositor(thread, context, context!.Gl, inner!, width, height);
        }
        catch
        {
            thread.Invoke(() => context?.Dispose());
            thread.Dispose();
            throw;
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
        CheckArguments(width, height, effect);
        var state = new GlStateGuard(gl);
        state.Save();
        try
        {
            return new Compositor(null, null, gl, Build(gl, width, height, effect, backgroundPath), width, height);
        }
        finally
        {
            state.Restore();
        }
    }

    /// <summary>The largest frame width or height a compositor takes (OpenGL 3.3 guarantees textures of 1024; GPUs take 16384).</summary>
    public const int MaxSize = 16384;

    /// <summary>Arguments checked before any OpenGL call: sizes 1..<see cref="MaxSize"/>, an effect with a defined kind.</summary>
    private static void CheckArguments(int width, int height, EffectSettings effect)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxSize);
        effect.CheckKind(nameof(effect));
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
            value.CheckKind(nameof(value));
            lock (_gate)
            {
                _effect = value.Validated();
                Run(_apply);
            }
        }
    }

    /// <summary>
    /// The OpenGL texture (RGBA8, the image's top row first) holding the last composite, for a host that draws it
    /// itself (0 before the first and after disposal). Only a compositor in the host's context gives a texture the
    /// host can use: a headless one's lives in LiveSeg's own context.
    /// </summary>
    public uint LastTexture
    {
        get
        {
            lock (_gate)
                return _disposed ? 0 : _last?.Texture.Handle ?? 0;
        }
    }

    /// <summary>Composites <paramref name="frameBgr"/> (8-bit BGR, <see cref="Width"/> x <see cref="Height"/>) with <paramref name="mask"/> and reads it back into <paramref name="destinationBgr"/>.</summary>
    public void Composite(Mat frameBgr, MaskView mask, Mat destinationBgr)
    {
        ArgumentNullException.ThrowIfNull(frameBgr);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(destinationBgr);
        lock (_gate)
        {
            (_frame, _mask, _destination) = (frameBgr, mask, destinationBgr);
            try
            {
                Run(_composite);
            }
            finally
            {
                (_frame, _mask, _destination) = (null, null, null);
            }
        }
    }

    /// <summary>
    /// Composites <paramref name="frameBgr"/> with <paramref name="mask"/> and draws it into the host's
    /// <paramref name="framebuffer"/> (0 = the window's) inside the rectangle (<paramref name="x"/>, <paramref name="y"/>,
    /// <paramref name="width"/>, <paramref name="height"/>; GL window coordinates, origin bottom left), scaled with the
    /// aspect kept, by a framebuffer blit: the framebuffer must be single-sampled with a normalised (not integer)
    /// colour format. Does not clear, swap, or leave any of its state behind.
    /// </summary>
    public void Draw(Mat frameBgr, MaskView mask, uint framebuffer, int x, int y, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(frameBgr);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        lock (_gate)
        {
            (_frame, _mask, _drawTo) = (frameBgr, mask, (framebuffer, x, y, width, height));
            try
            {
                Run(_draw);
            }
            finally
            {
                (_frame, _mask) = (null, null);
            }
        }
    }

    private void DrawNow()
    {
        var (framebuffer, x, y, width, height) = _drawTo;
        _gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, framebuffer);
        if (_gl.GetInteger(GetPName.Samples) > 0)
            throw new ArgumentException($"framebuffer {framebuffer} is multisampled: LiveSeg blits into it, which OpenGL allows only into a single-sampled framebuffer; draw into a single-sampled one (or use LastTexture)", nameof(framebuffer));
        RenderTarget target = Render(_frame!, _mask!);
        var (lx, ly, lw, lh) = GlCompositor.Letterbox(Width, Height, width, height);
        _gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, target.Handle);
        _gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, framebuffer);
        _gl.BlitFramebuffer(0, 0, Width, Height, x + lx, y + ly + lh, x + lx + lw, y + ly, ClearBufferMask.ColorBufferBit,
            lw == Width && lh == Height ? BlitFramebufferFilter.Nearest : BlitFramebufferFilter.Linear);
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
        _last = _inner.Render(frameBgr, mask.Mask, ref timing);
        return _last;
    }

    /// <summary>Runs GL work (a delegate made once): on its own thread, or in the host's context with the host's state saved and put back. Called under the lock.</summary>
    private void Run(Action work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_thread is not null)
        {
            _thread.Invoke(work);
            return;
        }
        _hostState!.Save();
        try
        {
            work();
        }
        finally
        {
            _hostState.Restore();
        }
    }

    /// <summary>Frees the textures, framebuffers and programs (and its own context and thread, if headless); in a host's context, call it while that context exists.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            try
            {
                Run(() =>
                {
                    try
                    {
                        _inner.Dispose();
                    }
                    finally
                    {
                        _own?.Dispose();
                    }
                });
            }
            finally
            {
                _disposed = true;
                _last = null;
                _thread?.Dispose();
            }
        }
    }
}
