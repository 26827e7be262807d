using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The GPU compositing path, one stage after another: upload → [blur] → effect (which upsamples the mask where it
/// reads it) → read-back. Every GL object is created in the constructor, on the GL thread, and reused for every frame.
/// </summary>
public sealed unsafe class GlCompositor : ICompositor
{
    private const int Depth = 2;
    private readonly GL _gl;
    private readonly FullScreenTriangle _triangle;
    private readonly UploadStage _upload;
    private readonly BlurStage? _blur;
    private readonly Texture2D? _background;
    private readonly EffectStage _effect;
    private readonly RenderTarget[] _outputs = new RenderTarget[Depth];
    private readonly ReadbackStage _readback;
    private int _submitted;

    public GlCompositor(GL gl, ShaderLibrary shaders, int width, int height, int maskWidth, int maskHeight,
        EffectSettings settings, Mat? backgroundBgr = null)
    {
        _gl = gl;
        _triangle = new FullScreenTriangle(gl);
        _upload = new UploadStage(gl, width, height, maskWidth, maskHeight);
        if (settings.Effect == EffectKind.Blur)
            _blur = new BlurStage(gl, shaders, _triangle, width, height, maskWidth, maskHeight, settings);
        if (settings.Effect == EffectKind.Replace)
        {
            using Mat bg = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
            _background = new Texture2D(gl, width, height, InternalFormat.Rgba8);
            _background.Upload(PixelFormat.Bgr, PixelType.UnsignedByte, (void*)bg.Data, (int)(bg.Step() / 3));
        }
        _effect = new EffectStage(gl, shaders, _triangle, width, height, maskWidth, maskHeight, settings);
        for (int i = 0; i < Depth; i++)
            _outputs[i] = new RenderTarget(gl, width, height, InternalFormat.Rgba8);
        _readback = new ReadbackStage(gl, width, height, Depth);
        GLEnum error = gl.GetError();
        if (error != GLEnum.NoError)
            throw new InvalidOperationException($"OpenGL error {error} while creating the compositor");
    }

    public int MaxPending => Depth;

    public void Submit(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        _upload.Upload(slot);
        t = slot.Timing.Add(Stage.Upload, t);
        _blur?.Render(_upload.Frame, _upload.Mask);
        RenderTarget output = _outputs[_submitted % Depth];
        _effect.Render(output, _upload.Frame, _upload.Mask, _blur?.Result ?? _background);
        _readback.Start(output);
        _submitted++;
        slot.Timing.Add(Stage.Composite, t);
    }

    public void Complete(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        _readback.Finish(slot.Output);
        slot.Timing.Add(Stage.Readback, t);
    }

    public void Dispose()
    {
        _readback.Dispose();
        foreach (var o in _outputs)
            o.Dispose();
        _effect.Dispose();
        _background?.Dispose();
        _blur?.Dispose();
        _upload.Dispose();
        _triangle.Dispose();
    }
}
