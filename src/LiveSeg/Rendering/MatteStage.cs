using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// The mask as pictures for editors: the matte (8-bit grey, frame size) and the person over a transparent background
/// (BGRA, straight alpha: the frame's own colours, the matte as alpha). The matte is the <see cref="EffectKind.Mask"/>
/// effect as composited — taken from the run's own output when that effect is the run's, else drawn by a CPU renderer
/// of its own with the same settings (refinement included). Buffers are made once; used by one thread (encode).
/// </summary>
internal sealed class MatteStage : IDisposable
{
    private readonly FastCpuCompositor? _maskRenderer;
    private readonly Mat _maskBgr = new();
    private readonly int _w, _h;

    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="maskWidth">The model's mask width.</param>
    /// <param name="maskHeight">The model's mask height.</param>
    /// <param name="effect">The run's effect settings (refinement, feather).</param>
    /// <param name="outputIsMask">The run composites the mask effect itself: its output is the matte (no second renderer).</param>
    public MatteStage(int width, int height, int maskWidth, int maskHeight, EffectSettings effect, bool outputIsMask)
    {
        (_w, _h) = (width, height);
        Gray = new Mat(height, width, MatType.CV_8UC1);
        Bgra = new Mat(height, width, MatType.CV_8UC4);
        if (!outputIsMask)
            _maskRenderer = new FastCpuCompositor(width, height, maskWidth, maskHeight, effect with { Effect = EffectKind.Mask });
    }

    /// <summary>The last matte made (8-bit grey, frame size).</summary>
    public Mat Gray { get; }

    /// <summary>The last transparent frame made (8-bit BGRA, straight alpha).</summary>
    public Mat Bgra { get; }

    /// <summary>Makes <see cref="Gray"/> for the slot (after compositing: its output is read when it shows the mask).</summary>
    public unsafe Mat MakeGray(FrameSlot slot)
    {
        Mat source = slot.Output;
        if (_maskRenderer is not null)
        {
            var timing = default(FrameTiming);
            _maskRenderer.Render(slot.Image, slot.Mask, _maskBgr, ref timing);
            source = _maskBgr;
        }
        for (int y = 0; y < _h; y++)
        {
            byte* from = (byte*)source.Ptr(y), to = (byte*)Gray.Ptr(y);
            for (int x = 0; x < _w; x++)
                to[x] = from[3 * x];
        }
        return Gray;
    }

    /// <summary>Makes <see cref="Bgra"/>: the slot's captured frame with <see cref="MakeGray"/>'s matte as alpha.</summary>
    public unsafe Mat MakeBgra(FrameSlot slot)
    {
        MakeGray(slot);
        for (int y = 0; y < _h; y++)
        {
            byte* image = (byte*)slot.Image.Ptr(y), alpha = (byte*)Gray.Ptr(y), to = (byte*)Bgra.Ptr(y);
            for (int x = 0; x < _w; x++)
            {
                to[4 * x] = image[3 * x];
                to[4 * x + 1] = image[3 * x + 1];
                to[4 * x + 2] = image[3 * x + 2];
                to[4 * x + 3] = alpha[x];
            }
        }
        return Bgra;
    }

    public void Dispose()
    {
        _maskRenderer?.Dispose();
        _maskBgr.Dispose();
        Gray.Dispose();
        Bgra.Dispose();
    }
}
