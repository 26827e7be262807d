using OpenCvSharp;

namespace LiveSeg.Inference;

/// <summary>
/// cv::resize through wrappers made once: Cv2.Resize "fixes" (uses up) its OutputArray, so a reused one would need a
/// new wrapper object per frame (a finalizable object holding native memory until a GC). This goes straight to the
/// native call, with an InputArray and an OutputArray that live as long as their Mats.
/// </summary>
internal static class ReusedResize
{
    public static void Run(InputArray source, OutputArray destination, Size size, InterpolationFlags interpolation)
    {
        var status = OpenCvSharp.Internal.NativeMethods.imgproc_resize(source.CvPtr, destination.CvPtr, size, 0, 0, (int)interpolation);
        GC.KeepAlive(source);
        GC.KeepAlive(destination);
        if (status != OpenCvSharp.Internal.ExceptionStatus.NotOccurred)
            throw new InvalidOperationException($"OpenCV resize to {size.Width}x{size.Height} failed");
    }
}
