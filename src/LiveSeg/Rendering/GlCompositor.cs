using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The GPU compositing path, one stage after another: upload → [blur] → effect (which upsamples the mask where it
/// reads it) → output target → read-back (file mode) or present (window). Every GL object is created on the GL thread
/// and reused for every frame; only a settings change (<see cref="Reconfigure"/>: a key press in live mode) or a new
/// mask size (another model) rebuilds the effect stages.
/// </summary>
public sealed unsafe class GlCompositor : ICompositor
{
    private const int Depth = 2;
    private readonly GL _gl;
    private readonly ShaderLibrary _shaders;
    private readonly int _width;
    private readonly int _height;
    private readonly FullScreenTriangle _triangle;
    private readonly UploadStage _upload;
    private readonly RenderTarget[] _outputs = new RenderTarget[Depth];
    private readonly ReadbackStage _readback;
    private readonly Mat _backgroundBgr;
    private BlurStage? _blur;
    private Texture2D? _background;
    private EffectStage? _effect;
    private int _maskWidth;
    private int _maskHeight;
    private int _submitted;

    public GlCompositor(GL gl, ShaderLibrary shaders, int width, int height, int maskWidth, int maskHeight,
        EffectSettings settings, Mat? backgroundBgr = null)
    {
        _gl = gl;
        _shaders = shaders;
        _width = width;
        _height = height;
        int maxSide = gl.GetInteger(GetPName.MaxTextureSize);
        if (width > maxSide || height > maxSide || maskWidth > maxSide || maskHeight > maxSide)
            Throw.User($"frames of {width}x{height} are larger than this OpenGL renderer's largest texture ({maxSide}x{maxSide}, {gl.GetStringS(StringName.Renderer)}): scale the video down first (at most {maxSide} pixels a side).");
        _triangle = new FullScreenTriangle(gl);
        _upload = new UploadStage(gl, width, height);
        _backgroundBgr = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
        for (int i = 0; i < Depth; i++)
            _outputs[i] = new RenderTarget(gl, width, height, InternalFormat.Rgba8);
        _readback = new ReadbackStage(gl, width, height, Depth);
        Settings = settings;
        Configure(maskWidth, maskHeight);
    }

    public int MaxPending => Depth;

    public EffectSettings Settings { get; private set; }

    /// <summary>Rebuilds the effect stages for new settings (and, when given, a new background image).</summary>
    public void Reconfigure(EffectSettings settings, Mat? backgroundBgr = null)
    {
        Settings = settings;
        if (backgroundBgr is not null)
        {
            using Mat cover = BackgroundImage.Cover(backgroundBgr, _width, _height);
            cover.CopyTo(_backgroundBgr);
        }
        Configure(_maskWidth, _maskHeight);
    }

    /// <summary>
    /// Uploads the frame (BGR, frame size) and mask (maskWidth x maskHeight floats) and runs the passes into the next
    /// output target, which it returns (valid until <see cref="MaxPending"/> more renders). Adds upload and composite
    /// times to <paramref name="timing"/>.
    /// </summary>
    public RenderTarget Render(Mat image, float[] mask, int maskWidth, int maskHeight, ref FrameTiming timing)
    {
        long t = Stopwatch.GetTimestamp();
        if (maskWidth != _maskWidth || maskHeight != _maskHeight)
            Configure(maskWidth, maskHeight);
        _upload.Upload(image, mask);
        t = timing.Add(Stage.Upload, t);
        _blur?.Render(_upload.Frame, _upload.Mask);
        RenderTarget output = _outputs[_submitted++ % Depth];
        _effect!.Render(output, _upload.Frame, _upload.Mask, _blur?.Result ?? _background);
        timing.Add(Stage.Composite, t);
        return output;
    }

    public void Submit(FrameSlot slot)
    {
        RenderTarget output = Render(slot.Image, slot.Mask, slot.MaskWidth, slot.MaskHeight, ref slot.Timing);
        long t = Stopwatch.GetTimestamp();
        _readback.Start(output);
        slot.Timing.Add(Stage.Composite, t);
    }

    public void Complete(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        _readback.Finish(slot.Output);
        slot.Timing.Add(Stage.Readback, t);
    }

    /// <summary>Reads <paramref name="source"/> into <paramref name="destination"/> (BGR) now, waiting for the GPU.</summary>
    public void ReadBack(RenderTarget source, Mat destination)
    {
        if (_readback.Pending > 0)
            throw new InvalidOperationException("ReadBack while asynchronous read-backs are in flight");
        _readback.Start(source);
        _readback.Finish(destination);
    }

    /// <summary>
    /// Draws <paramref name="source"/> into the window's framebuffer (<paramref name="width"/> x <paramref name="height"/>),
    /// scaled to fit with the aspect kept (black bars), flipped to GL's bottom-up window origin.
    /// </summary>
    public void Present(RenderTarget source, int width, int height)
    {
        _gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, 0);
        _gl.Viewport(0, 0, (uint)width, (uint)height);
        _gl.ClearColor(0, 0, 0, 1);
        _gl.Clear(ClearBufferMask.ColorBufferBit);
        var (x, y, w, h) = Letterbox(_width, _height, width, height);
        _gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, source.Handle);
        _gl.BlitFramebuffer(0, 0, _width, _height, x, y + h, x + w, y, ClearBufferMask.ColorBufferBit,
            w == _width && h == _height ? BlitFramebufferFilter.Nearest : BlitFramebufferFilter.Linear);
        _gl.BindFramebuffer(FramebufferTarget.Framebuffer, 0);
    }

    /// <summary>The largest rectangle of the image's aspect that fits the window, centred: (x, y, width, height).</summary>
    public static (int X, int Y, int W, int H) Letterbox(int imageW, int imageH, int windowW, int windowH)
    {
        double scale = Math.Min((double)windowW / imageW, (double)windowH / imageH);
        int w = Math.Max(1, (int)Math.Round(imageW * scale)), h = Math.Max(1, (int)Math.Round(imageH * scale));
        return ((windowW - w) / 2, (windowH - h) / 2, w, h);
    }

    private void Configure(int maskWidth, int maskHeight)
    {
        _maskWidth = maskWidth;
        _maskHeight = maskHeight;
        _upload.EnsureMaskSize(maskWidth, maskHeight);
        _effect?.Dispose();
        _blur?.Dispose();
        _background?.Dispose();
        _blur = null;
        _background = null;
        if (Settings.Effect == EffectKind.Blur)
            _blur = new BlurStage(_gl, _shaders, _triangle, _width, _height, maskWidth, maskHeight, Settings);
        if (Settings.Effect == EffectKind.Replace)
        {
            _background = new Texture2D(_gl, _width, _height, InternalFormat.Rgba8);
            _background.Upload(PixelFormat.Bgr, PixelType.UnsignedByte, (void*)_backgroundBgr.Data, (int)(_backgroundBgr.Step() / 3));
        }
        _effect = new EffectStage(_gl, _shaders, _triangle, _width, _height, maskWidth, maskHeight, Settings);
        GLEnum error = _gl.GetError();
        if (error != GLEnum.NoError)
            throw new InvalidOperationException($"OpenGL error {error} while configuring the compositor");
    }

    public void Dispose()
    {
        _readback.Dispose();
        foreach (var o in _outputs)
            o.Dispose();
        _effect?.Dispose();
        _background?.Dispose();
        _blur?.Dispose();
        _upload.Dispose();
        _triangle.Dispose();
        _backgroundBgr.Dispose();
    }
}
