using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// One frame's buffers, created once and recycled through the pipeline's pool: the captured image, the model's mask
/// and the composited output. A slot is owned by exactly one stage at a time (the queues hand it over).
/// </summary>
public sealed class FrameSlot : IDisposable
{
    public FrameSlot(int maskWidth, int maskHeight) => EnsureMask(maskWidth, maskHeight);

    /// <summary>Captured frame: BGR, 8 bits per channel, source size, top-left origin. Written by the source.</summary>
    public Mat Image { get; } = new();

    /// <summary>Mask: float 0..1 (1 = foreground), row-major, model output size, top-left origin. Written by the segmenter.</summary>
    public float[] Mask { get; private set; } = [];

    public int MaskWidth { get; private set; }

    public int MaskHeight { get; private set; }

    /// <summary>Sizes the mask buffer (reallocates only when the size changes: another model in live mode).</summary>
    public void EnsureMask(int maskWidth, int maskHeight)
    {
        if (maskWidth == MaskWidth && maskHeight == MaskHeight)
            return;
        (MaskWidth, MaskHeight) = (maskWidth, maskHeight);
        Mask = new float[maskWidth * maskHeight];
    }

    /// <summary>Composited frame: BGR, 8 bits per channel, source size. Written by the compositor's read-back.</summary>
    public Mat Output { get; } = new();

    /// <summary>
    /// <see cref="Output"/> as an OpenCV InputArray, made once: writers take InputArray, and converting a Mat on each call
    /// allocates a wrapper. It refers to the Mat object, so it stays valid when Output's pixels are (re)allocated.
    /// </summary>
    public InputArray OutputArray => _outputArray ??= InputArray.Create(Output);

    /// <summary><see cref="Image"/> as an InputArray, made once (see <see cref="OutputArray"/>).</summary>
    public InputArray ImageArray => _imageArray ??= InputArray.Create(Image);

    private InputArray? _outputArray;
    private InputArray? _imageArray;

    /// <summary>Index of the frame in its source (0-based).</summary>
    public int Index { get; set; }

    public FrameTiming Timing;

    public void Dispose()
    {
        _outputArray?.Dispose();
        _imageArray?.Dispose();
        Image.Dispose();
        Output.Dispose();
    }
}
