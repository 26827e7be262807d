using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// Auto-framing's crop, after compositing: the part of a finished picture that <see cref="FrameSlot.Crop"/> names,
/// scaled back up to the picture's full size — bilinear, sampled as GL samples a texture at the crop's coordinates
/// (output pixel x reads source x' = (crop.X + (x + 0.5) / W · crop.W) · W − 0.5; pixel centres aligned, edges
/// repeated). The effect is composited on the whole frame first, so every effect looks as it does uncropped, only
/// magnified; the composited frame, the matte and the transparent frame of one slot get the same crop. Used on every
/// path: the CPU renderer's output, the GL renderer's read-back, <see cref="Rendering.MatteStage"/>'s pictures (one instance
/// per picture: each keeps its result). OpenCV's affine warp does the sampling (vectorised; its positions are exact
/// to 1/32 of a pixel, which on real pictures is within 1 of 255). The result and OpenCV's arrays are made once
/// (again only when the picture's size or type changes); a frame allocates nothing. Timed as <see cref="Stage.Crop"/>.
/// </summary>
internal sealed unsafe class CropStage : IDisposable
{
    private readonly Mat _affine = new(2, 3, MatType.CV_64FC1, Scalar.All(0));
    private readonly InputArray _affineArray;
    private readonly Mat _result = new();
    private readonly OutputArray _resultArray;
    private readonly MatArrays _inputs = new();

    public CropStage()
    {
        _affineArray = InputArray.Create(_affine);
        _resultArray = OutputArray.Create(_result);
    }

    /// <summary>
    /// <paramref name="picture"/> (8-bit, 1, 3 or 4 channels) cropped to <paramref name="crop"/> and scaled back to its
    /// size: this stage's result (valid until the next call), or <paramref name="picture"/> itself for the whole frame.
    /// Adds its time to <paramref name="timing"/>.
    /// </summary>
    public Mat Apply(Mat picture, CropBox crop, ref FrameTiming timing)
    {
        long t = Stopwatch.GetTimestamp();
        Mat result = Apply(picture, crop);
        timing.Add(Stage.Crop, t);
        return result;
    }

    /// <summary><see cref="Apply(Mat, CropBox, ref FrameTiming)"/> untimed.</summary>
    public Mat Apply(Mat picture, CropBox crop)
    {
        if (crop == CropBox.Full)
            return picture;
        int w = picture.Width, h = picture.Height;
        if (_result.Width != w || _result.Height != h || _result.Type() != picture.Type())
            _result.Create(h, w, picture.Type());
        // Output (x, y) reads source (a·x + c, b·y + d) in OpenCV's pixel-centre coordinates.
        double a = crop.W, b = crop.H;
        double* m = (double*)_affine.Data;
        m[0] = a;
        m[2] = crop.X * w + 0.5 * a - 0.5;
        m[4] = b;
        m[5] = crop.Y * h + 0.5 * b - 0.5;
        // The wrappers live as long as their Mats (NativeCv: Cv2.WarpAffine would use up its OutputArray each frame).
        NativeCv.WarpAffine(_inputs.Input(picture), _resultArray, _affineArray, new Size(w, h), InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap, BorderTypes.Replicate);
        return _result;
    }

    public void Dispose()
    {
        _inputs.Dispose();
        _affineArray.Dispose();
        _resultArray.Dispose();
        _affine.Dispose();
        _result.Dispose();
    }
}
