using OpenCvSharp;
using OpenCvSharp.Internal;
using OpenCvSharp.Internal.Vectors;

namespace LiveSeg.Output;

/// <summary>
/// BGR frame → JPEG bytes with OpenCV's encoder into one reused native buffer (Cv2.ImEncode would allocate a new
/// array per frame). Not thread-safe: one per encoding thread.
/// </summary>
internal sealed unsafe class JpegEncoder : IDisposable
{
    private readonly VectorOfByte _buffer = new();
    private readonly int[] _parameters;
    // OpenCV's encoder takes an InputArray; one per source Mat (the sinks cycle through a few), made once and kept.
    private readonly MatArrays _arrays = new();

    public JpegEncoder(int quality)
    {
        if (quality is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality is 1..100");
        _parameters = [(int)ImwriteFlags.JpegQuality, quality];
    }

    /// <summary>Encodes <paramref name="bgr"/>; the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> Encode(Mat bgr)
    {
        InputArray array = _arrays.Input(bgr);
        NativeMethods.HandleException(NativeMethods.imgcodecs_imencode_vector(".jpg", array.CvPtr, _buffer.CvPtr, _parameters, _parameters.Length, out int ok));
        GC.KeepAlive(bgr);
        GC.KeepAlive(array);
        if (ok == 0)
            throw new InvalidOperationException("OpenCV could not encode the frame as JPEG");
        return new ReadOnlySpan<byte>((void*)_buffer.ElemPtr, _buffer.Size);
    }

    public void Dispose()
    {
        _arrays.Dispose();
        _buffer.Dispose();
    }
}
