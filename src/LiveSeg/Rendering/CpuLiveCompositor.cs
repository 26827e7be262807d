using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Live mode with the CPU renderer: <see cref="FastCpuCompositor"/> composites into a frame-sized image, which is
/// uploaded into one of two render targets (alternating, so an output's read-back of the previous one is never
/// overwritten) for the view to present and the outputs to read. OpenGL then only uploads and blits — the cheap part on
/// software OpenGL. Made once; a frame allocates nothing.
/// </summary>
internal sealed unsafe class CpuLiveCompositor : ILiveCompositor
{
    private readonly GL _gl;
    private readonly FastCpuCompositor _cpu;
    private readonly RenderTarget[] _targets = new RenderTarget[2];
    private readonly Mat _composited = new();
    private readonly string _why;
    private int _next;
    private readonly Mask _warped = new(0, 0);
    private Motion.MaskWarp? _warp;

    public CpuLiveCompositor(GL gl, int width, int height, int maskWidth, int maskHeight, EffectSettings effect, Mat? backgroundBgr, int threads, string why)
    {
        _gl = gl;
        _why = why;
        _cpu = new FastCpuCompositor(width, height, maskWidth, maskHeight, effect, backgroundBgr, threads);
        try
        {
            for (int i = 0; i < _targets.Length; i++)
                _targets[i] = new RenderTarget(gl, width, height, InternalFormat.Rgba8);
            _composited.Create(height, width, MatType.CV_8UC3);
        }
        catch
        {
            Dispose(); // what was made: the renderer's threads, a first target
            throw;
        }
    }

    public EffectSettings Settings => _cpu.Settings;

    public string Description => _cpu.Describe(_why);

    public long WorkerAllocatedBytes => _cpu.WorkerAllocatedBytes;

    public void Apply(EffectSettings settings) => _cpu.Apply(settings);

    public void SetBackground(Mat coverBgr) => _cpu.SetBackground(coverBgr);

    public RenderTarget Render(Mat image, Mask mask, ref FrameTiming timing, Motion.MotionField? motion = null)
    {
        if (motion is not null)
        {
            long start = Stopwatch.GetTimestamp();
            _warp ??= new Motion.MaskWarp(image.Width, image.Height);
            _warp.Apply(mask, motion, _warped); // sizes _warped once, and again only for another model's mask size
            mask = _warped;
            timing.Add(Stage.Motion, start);
        }
        _cpu.Render(image, mask, _composited, ref timing);
        long t = Stopwatch.GetTimestamp();
        RenderTarget target = _targets[_next++ % _targets.Length];
        target.Texture.Upload(PixelFormat.Bgr, PixelType.UnsignedByte, (void*)_composited.Data, (int)(_composited.Step() / 3));
        timing.Add(Stage.Upload, t);
        return target;
    }

    public void Present(RenderTarget source, CropBox crop, uint framebuffer, int width, int height) => GlCompositor.Present(_gl, source, crop, framebuffer, width, height);

    public void Dispose()
    {
        foreach (var target in _targets)
            target?.Dispose();
        _composited.Dispose();
        _cpu.Dispose();
    }
}
