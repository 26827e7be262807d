using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// One frame's buffers, created once and recycled through the pipeline's pool: the captured image, the model's mask
/// and the composited output. A slot is owned by exactly one stage at a time (the queues hand it over).
/// </summary>
internal sealed class FrameSlot : IDisposable
{
    public FrameSlot(int maskWidth, int maskHeight) => Mask = new Mask(maskWidth, maskHeight);

    /// <summary>Captured frame: BGR, 8 bits per channel, source size, top-left origin. Written by the source.</summary>
    public Mat Image { get; } = new();

    /// <summary>
    /// Mask: a probability 0..1 (1 = foreground), model output size, top-left origin. Written by the segmenter, which
    /// sizes it (<see cref="Masks.Mask.Resize"/> reallocates only when the size changes: another model in live mode).
    /// </summary>
    public Mask Mask { get; }

    /// <summary>Composited frame: BGR, 8 bits per channel, source size. Written by the compositor's read-back.</summary>
    public Mat Output { get; } = new();

    /// <summary>
    /// <see cref="Output"/> as an OpenCV InputArray, made once: writers take InputArray, and converting a Mat on each call
    /// allocates a wrapper. It refers to the Mat object, so it stays valid when Output's pixels are (re)allocated.
    /// </summary>
    public InputArray OutputArray => _outputArray ??= InputArray.Create(Output);

    /// <summary><see cref="Image"/> as an InputArray, made once (see <see cref="OutputArray"/>).</summary>
    public InputArray ImageArray => _imageArray ??= InputArray.Create(Image);

    /// <summary>Copies <paramref name="source"/>'s image, index and timing into this slot (no allocation once sizes match).</summary>
    public unsafe void CopyFrameFrom(FrameSlot source)
    {
        Mat from = source.Image;
        if (Image.Rows != from.Rows || Image.Cols != from.Cols || Image.Type() != from.Type())
            Image.Create(from.Rows, from.Cols, from.Type());
        long bytes = (long)from.Total() * from.ElemSize();
        if (from.IsContinuous() && Image.IsContinuous())
            System.Buffer.MemoryCopy((void*)from.Data, (void*)Image.Data, bytes, bytes);
        else
            from.CopyTo(Image);
        (Index, Sequence, Timing, TimestampNs) = (source.Index, source.Sequence, source.Timing, source.TimestampNs);
    }

    private InputArray? _outputArray;
    private InputArray? _imageArray;


    /// <summary>Index of the frame in its source (0-based).</summary>
    public int Index { get; set; }

    /// <summary>
    /// Which unbroken run of frames this one belongs to: it changes at a discontinuity (a looped file's restart, a
    /// reconnected camera), so history-based stages start afresh, even if the first frame of the run was dropped.
    /// </summary>
    public int Sequence { get; set; }

    /// <summary>When the frame is shown, in nanoseconds from its source's first frame (a file's own timestamps, or index / rate).</summary>
    public long TimestampNs { get; set; }

    /// <summary>The part of the frame written out (auto-framing: 0..1 of the frame; the whole frame otherwise).</summary>
    public CropBox Crop { get; set; } = CropBox.Full;

    public FrameTiming Timing;

    /// <summary>At most this many people are marked in a slot (the people tracker's capacity).</summary>
    public const int MaxPeople = 16;

    /// <summary>The people seen in this frame (the first <see cref="PeopleCount"/>; written by live mode's people stage, made once).</summary>
    public PersonMark[] People { get; } = new PersonMark[MaxPeople];

    public int PeopleCount { get; set; }

    /// <summary>
    /// Live mode's motion compensation: <see cref="Image"/>'s low-resolution luma, made for this slot at its first use
    /// (<see cref="Motion.LumaPyramid.Index"/> says which frame it was built from). Travels with the slot, so the
    /// inference thread's pyramid of a mask's frame serves the GL thread's warp too.
    /// </summary>
    public Motion.LumaPyramid? Luma { get; set; }

    public void Dispose()
    {
        _outputArray?.Dispose();
        _imageArray?.Dispose();
        Image.Dispose();
        Output.Dispose();
    }
}
