using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The render stage of both compositions, on the GPU: upload → [refine: the mask at half the frame's size, guided by
/// the frame] → [blur] → effect (which upsamples the mask where it reads it) → output target → read-back (file mode)
/// or present (window). Every GL object — programs, textures, targets — is made once on the GL thread and reused for
/// every frame. An adjustable compositor (live mode) makes every
/// effect's program and blur targets big enough for any radius at start, so a key press (<see cref="Apply"/>,
/// <see cref="SetBackground"/>) only sets uniforms or uploads pixels; a new model's mask size only resizes the mask texture.
/// </summary>
internal sealed unsafe class GlCompositor : ICompositor, ILiveCompositor
{
    private const int Depth = 2;
    private readonly GL _gl;
    private readonly int _width;
    private readonly int _height;
    private readonly FullScreenTriangle _triangle;
    private readonly UploadStage _upload;
    private readonly RenderTarget[] _outputs = new RenderTarget[Depth];
    private readonly ReadbackStage _readback;
    private readonly BlurStage? _blur;
    private readonly Texture2D? _background;
    private readonly EffectStage _effect;
    private readonly RefineStage? _refine;
    private readonly WarpStage? _warp;
    private int _maskWidth;
    private int _maskHeight;
    private int _submitted;

    public GlCompositor(GL gl, ShaderLibrary shaders, int width, int height, int maskWidth, int maskHeight,
        EffectSettings settings, Mat? backgroundBgr = null, bool adjustable = false)
    {
        _gl = gl;
        _width = width;
        _height = height;
        // An error the context's owner left pending (a host program's) is not the compositor's: cleared, so the check
        // below only sees errors of this setup.
        for (int i = 0; i < 16 && gl.GetError() != GLEnum.NoError; i++)
        {
        }
        try
        {
            TextureLimit.Require(gl, "frames", width, height, "scale the video down first, or use --renderer cpu.");
            TextureLimit.Require(gl, "masks", maskWidth, maskHeight, "use a model with a smaller output.");
            AskedRefine = settings.Refine;
            settings = settings with { Refine = RefineChoice.For(settings.Refine, gl.GetStringS(StringName.Renderer) ?? "") };
            _triangle = new FullScreenTriangle(gl);
            _upload = new UploadStage(gl, width, height);
            for (int i = 0; i < Depth; i++)
                _outputs[i] = new RenderTarget(gl, width, height, InternalFormat.Rgba8);
            _readback = new ReadbackStage(gl, width, height, Depth);
            EffectInput input = EffectRegistry.Of(settings.Effect).Input;
            if (adjustable || input == EffectInput.Blurred)
                _blur = new BlurStage(gl, shaders, _triangle, width, height, adjustable ? 1 : settings.BlurFactor);
            if (adjustable || input == EffectInput.Background)
            {
                _background = new Texture2D(gl, width, height, InternalFormat.Rgba8);
                using Mat cover = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
                SetBackground(cover);
            }
            if (settings.Refine != RefineKind.Off)
                _refine = new RefineStage(gl, shaders, _triangle, width, height, maskWidth, maskHeight, settings.Refine);
            _effect = new EffectStage(gl, shaders, _triangle, width, height, settings, allEffects: adjustable);
            if (adjustable)
                _warp = new WarpStage(gl, shaders, _triangle); // live mode: a stale mask may be warped to the shown frame
            Settings = settings;
            SetMaskSize(maskWidth, maskHeight);
            Apply(settings);
            GLEnum error = gl.GetError();
            if (error != GLEnum.NoError)
                throw new InvalidOperationException($"OpenGL error {error} while setting up the compositor");
        }
        catch
        {
            Dispose(); // what was made so far: in a host's context it would otherwise stay behind
            throw;
        }
    }

    public int MaxPending => Depth;

    public EffectSettings Settings { get; private set; }

    /// <summary>The refine mode asked for (maybe auto); <see cref="Settings"/> holds the one in use.</summary>
    public RefineKind AskedRefine { get; }

    /// <summary>For the header line: how mask edges are made in this run.</summary>
    public string RefineDescription => RefineChoice.Describe(AskedRefine, Settings.Refine);

    /// <summary>For live mode's header line (the window names the renderer).</summary>
    public string Description => RefineDescription;

    /// <summary>New effect settings: picks the effect's program and sets uniforms (nothing is built). The refine mode stays the run's.</summary>
    public void Apply(EffectSettings settings)
    {
        settings = settings with { Refine = Settings.Refine };
        Settings = settings;
        _blur?.Apply(settings);
        _effect.Apply(settings, _blur);
    }

    /// <summary>A new background for <c>replace</c> (BGR, frame size): uploaded into the texture made at start.</summary>
    public void SetBackground(Mat coverBgr)
    {
        if (_background is null)
            throw new InvalidOperationException("this compositor has no background texture (not adjustable, and its effect reads no background)");
        if (coverBgr.Width != _width || coverBgr.Height != _height || !coverBgr.IsContinuous())
            throw new ArgumentException("background must be a continuous BGR image of the frame size", nameof(coverBgr));
        _background.Upload(PixelFormat.Bgr, PixelType.UnsignedByte, (void*)coverBgr.Data, (int)(coverBgr.Step() / 3));
    }

    private void SetMaskSize(int maskWidth, int maskHeight)
    {
        _maskWidth = maskWidth;
        _maskHeight = maskHeight;
        _upload.EnsureMaskSize(maskWidth, maskHeight);
        _refine?.SetMaskSize(maskWidth, maskHeight);
        // What blur and effect read as their mask: the model's, or the refined one at half the frame's size.
        var (usedWidth, usedHeight) = _refine is null ? (maskWidth, maskHeight) : MaskRefiner.RefinedSize(_width, _height);
        _blur?.SetMaskSize(usedWidth, usedHeight);
        _effect.SetMaskSize(usedWidth, usedHeight);
        _effect.Apply(Settings, _blur); // leaves the current program in use with its uniforms
    }

    /// <summary>
    /// Uploads the frame (BGR, frame size) and mask (any size) and runs the passes into the next
    /// output target, which it returns (valid until <see cref="MaxPending"/> more renders). Adds upload and composite
    /// times to <paramref name="timing"/>.
    /// </summary>
    public RenderTarget Render(Mat image, Mask mask, ref FrameTiming timing, Motion.MotionField? motion = null)
    {
        long t = Stopwatch.GetTimestamp();
        if (!mask.IsSize(_maskWidth, _maskHeight))
            SetMaskSize(mask.Width, mask.Height);
        _upload.Upload(image, mask);
        t = timing.Add(Stage.Upload, t);
        Texture2D used = _upload.Mask;
        if (motion is not null)
        {
            if (_warp is null)
                throw new InvalidOperationException("motion compensation needs an adjustable (live) compositor");
            _warp.Render(used, motion);
            used = _warp.Result;
            t = timing.Add(Stage.Motion, t);
        }
        if (_refine is not null)
        {
            _refine.Render(_upload.Frame, used);
            used = _refine.Result;
        }
        t = timing.Add(Stage.Refine, t);
        EffectInput input = EffectRegistry.Of(Settings.Effect).Input;
        if (input == EffectInput.Blurred)
            _blur!.Render(_upload.Frame, used);
        RenderTarget output = _outputs[_submitted++ % Depth];
        _effect.Render(output, _upload.Frame, used, input switch
        {
            EffectInput.Blurred => _blur!.Result,
            EffectInput.Background => _background,
            _ => null,
        });
        timing.Add(Stage.Composite, t);
        return output;
    }

    public void Submit(FrameSlot slot)
    {
        RenderTarget output = Render(slot.Image, slot.Mask, ref slot.Timing);
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
    /// Draws <paramref name="crop"/> of <paramref name="source"/> into the shown framebuffer (<paramref name="framebuffer"/>: 0 = the window's;
    /// <paramref name="width"/> x <paramref name="height"/>), scaled to fit with the aspect kept (black bars), flipped to
    /// GL's bottom-up window origin.
    /// </summary>
    public void Present(RenderTarget source, CropBox crop, uint framebuffer, int width, int height) => Present(_gl, source, crop, framebuffer, width, height);

    /// <summary>
    /// Draws <paramref name="crop"/> of <paramref name="source"/> (auto-framing: a blit of the crop's whole pixels,
    /// linear; <see cref="CropBox.Full"/> otherwise) into <paramref name="framebuffer"/> (0 = the window's;
    /// <paramref name="width"/> x <paramref name="height"/>), scaled to fit with the aspect kept (black bars), flipped
    /// to GL's bottom-up window origin.
    /// </summary>
    public static void Present(GL gl, RenderTarget source, CropBox crop, uint framebuffer, int width, int height)
    {
        gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, framebuffer);
        gl.Viewport(0, 0, (uint)width, (uint)height);
        gl.ClearColor(0, 0, 0, 1);
        gl.Clear(ClearBufferMask.ColorBufferBit);
        var (x, y, w, h) = Letterbox(source.Width, source.Height, width, height);
        gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, source.Handle);
        // Framebuffer row 0 is the image's top row, so the crop's rows are taken as they are (the flip is on the window's side).
        int x0 = (int)MathF.Round(crop.X * source.Width), y0 = (int)MathF.Round(crop.Y * source.Height);
        int x1 = Math.Max(x0 + 1, (int)MathF.Round((crop.X + crop.W) * source.Width)), y1 = Math.Max(y0 + 1, (int)MathF.Round((crop.Y + crop.H) * source.Height));
        gl.BlitFramebuffer(x0, y0, x1, y1, x, y + h, x + w, y, ClearBufferMask.ColorBufferBit,
            w == x1 - x0 && h == y1 - y0 ? BlitFramebufferFilter.Nearest : BlitFramebufferFilter.Linear);
        gl.BindFramebuffer(FramebufferTarget.Framebuffer, 0);
    }

    /// <summary>The largest rectangle of the image's aspect that fits the window, centred: (x, y, width, height).</summary>
    public static (int X, int Y, int W, int H) Letterbox(int imageW, int imageH, int windowW, int windowH)
    {
        double scale = Math.Min((double)windowW / imageW, (double)windowH / imageH);
        int w = Math.Max(1, (int)Math.Round(imageW * scale)), h = Math.Max(1, (int)Math.Round(imageH * scale));
        return ((windowW - w) / 2, (windowH - h) / 2, w, h);
    }

    /// <summary>Deletes every GL object (also those of a constructor that failed part-way: unmade ones are null).</summary>
    public void Dispose()
    {
        _readback?.Dispose();
        foreach (var o in _outputs)
            o?.Dispose();
        _effect?.Dispose();
        _refine?.Dispose();
        _warp?.Dispose();
        _background?.Dispose();
        _blur?.Dispose();
        _upload?.Dispose();
        _triangle?.Dispose();
    }
}
