using OpenCvSharp;

namespace LiveSeg.Inference;

/// <summary>
/// OpenCV calls through array wrappers made once: Cv2.Resize and Cv2.WarpAffine "fix" (use up) their OutputArray, so a
/// reused one would need a new wrapper object per frame (a finalizable object holding native memory until a GC). These
/// go straight to the native call, with InputArrays and OutputArrays that live as long as their Mats. Used by every
/// per-frame resize and warp: the preprocessor, the face detector, a video background, auto-framing's crop.
/// </summary>
internal static class NativeCv
{
    public static void Resize(InputArray source, OutputArray destination, Size size, InterpolationFlags interpolation)
    {
        var status = OpenCvSharp.Internal.NativeMethods.imgproc_resize(source.CvPtr, destination.CvPtr, size, 0, 0, (int)interpolation);
        GC.KeepAlive(source);
        GC.KeepAlive(destination);
        Check(status, "resize", size);
    }

    /// <summary>cv::warpAffine of <paramref name="source"/> by <paramref name="matrix"/> (2x3, CV_64F) into <paramref name="destination"/> of <paramref name="size"/>.</summary>
    public static void WarpAffine(InputArray source, OutputArray destination, InputArray matrix, Size size, InterpolationFlags flags, BorderTypes border)
    {
        var status = OpenCvSharp.Internal.NativeMethods.imgproc_warpAffine(source.CvPtr, destination.CvPtr, matrix.CvPtr, size, (int)flags, (int)border, default);
        GC.KeepAlive(source);
        GC.KeepAlive(destination);
        GC.KeepAlive(matrix);
        Check(status, "affine warp", size);
    }

    /// <summary>Throws when the call failed (the message is made only then: a call allocates nothing).</summary>
    private static void Check(OpenCvSharp.Internal.ExceptionStatus status, string operation, Size size)
    {
        if (status != OpenCvSharp.Internal.ExceptionStatus.NotOccurred)
            throw new InvalidOperationException($"OpenCV {operation} to {size.Width}x{size.Height} failed");
    }
}
