using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// Live mode's compositor, on the window's GL thread: composites a frame with its mask into a render target that the
/// view presents (and the outputs read back), and takes the keys' new settings and backgrounds.
/// <see cref="GlCompositor"/> draws with shaders; <see cref="CpuLiveCompositor"/> composites on the CPU and uploads.
/// </summary>
internal interface ILiveCompositor : IDisposable
{
    /// <summary>The effect and its settings in use.</summary>
    EffectSettings Settings { get; }

    /// <summary>For the header line: which renderer and how mask edges are made.</summary>
    string Description { get; }

    /// <summary>New effect settings (the refine mode stays the run's).</summary>
    void Apply(EffectSettings settings);

    /// <summary>A new background for <c>replace</c> (BGR, frame size).</summary>
    void SetBackground(Mat coverBgr);

    /// <summary>
    /// Composites; the target stays valid for the next frame's render too (two alternate). Adds upload/refine/composite
    /// times. With <paramref name="motion"/> the mask is first warped by it to the shown frame (an older frame's mask:
    /// <see cref="Motion.MaskWarp"/> on the CPU, <see cref="WarpStage"/> on the GPU), timed as <see cref="Stage.Motion"/>.
    /// </summary>
    RenderTarget Render(Mat image, Mask mask, ref FrameTiming timing, Motion.MotionField? motion = null);

    /// <summary>Managed bytes allocated on helper threads of the compositor's own (the CPU renderer's bands), for the tests.</summary>
    long WorkerAllocatedBytes => 0;

    /// <summary>
    /// Draws <paramref name="crop"/> of <paramref name="source"/> (auto-framing; <see cref="CropBox.Full"/> otherwise)
    /// into <paramref name="framebuffer"/> (<paramref name="width"/> x <paramref name="height"/>), letterboxed.
    /// </summary>
    void Present(RenderTarget source, CropBox crop, uint framebuffer, int width, int height);
}
