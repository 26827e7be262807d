using OpenCvSharp;

namespace LiveSeg.Inference;

/// <summary>
/// BGR frame (any size) → model input tensor (float, manifest's size, layout, colour order and normalisation).
/// Resizing (bilinear, whole frame, no letterbox) goes into a reused Mat; normalisation is a per-channel 256-entry
/// lookup table, so the per-pixel work is one load and one store per channel.
/// </summary>
internal sealed class Preprocessor : IDisposable
{
    private readonly ModelManifest _m;
    private readonly Mat _resized;
    private readonly OutputArray _resizedArray;
    private readonly float[] _lut = new float[3 * 256]; // [modelChannel * 256 + byteValue]
    private readonly int[] _sourceChannel = new int[3];  // model channel c reads BGR byte _sourceChannel[c]

    public Preprocessor(ModelManifest manifest)
    {
        _m = manifest;
        _resized = new Mat(manifest.Height, manifest.Width, MatType.CV_8UC3);
        _resizedArray = OutputArray.Create(_resized);
        for (int c = 0; c < 3; c++)
        {
            _sourceChannel[c] = manifest.Color == ColorOrder.Rgb ? 2 - c : c;
            for (int v = 0; v < 256; v++)
                _lut[c * 256 + v] = (v * manifest.Scale - manifest.Mean[c]) / manifest.Std[c];
        }
    }

    public int TensorLength => 3 * _m.Width * _m.Height;

    /// <summary>
    /// The frame the last <see cref="Run(Mat, InputArray, Span{float})"/> turned into the tensor: BGR at the model's input size
    /// (the reused resize buffer, or the caller's frame when it was that size already); null before the first run.
    /// Valid until the next run (the people stage reads its colours from it, on the same thread).
    /// </summary>
    public Mat? Last { get; private set; }

    /// <summary>Fills <paramref name="tensor"/> (length <see cref="TensorLength"/>) from <paramref name="frameBgr"/>.</summary>
    public void Run(Mat frameBgr, Span<float> tensor)
    {
        using var array = InputArray.Create(frameBgr);
        Run(frameBgr, array, tensor);
    }

    /// <summary>
    /// As <see cref="Run(Mat, Span{float})"/>, with <paramref name="frameArray"/> an InputArray over
    /// <paramref name="frameBgr"/> made once by the caller (the per-frame path allocates nothing).
    /// </summary>
    public unsafe void Run(Mat frameBgr, InputArray frameArray, Span<float> tensor)
    {
        int w = _m.Width, h = _m.Height;
        Mat src = frameBgr;
        if (frameBgr.Width != w || frameBgr.Height != h)
        {
            // The wrappers live as long as their Mats (no wrapper object per frame).
            NativeCv.Resize(frameArray, _resizedArray, new Size(w, h), _m.Resize == ResizeMode.Area ? InterpolationFlags.Area : InterpolationFlags.Linear);
            src = _resized;
        }
        Last = src;
        int plane = w * h;
        int s0 = _sourceChannel[0], s1 = _sourceChannel[1], s2 = _sourceChannel[2];
        fixed (float* lut = _lut)
        fixed (float* dst = tensor)
        {
            float* l0 = lut, l1 = lut + 256, l2 = lut + 512;
            for (int y = 0; y < h; y++)
            {
                byte* row = (byte*)src.Ptr(y);
                if (_m.InputLayout == TensorLayout.Nchw)
                {
                    float* d0 = dst + y * w, d1 = d0 + plane, d2 = d1 + plane;
                    for (int x = 0; x < w; x++)
                    {
                        byte* px = row + x * 3;
                        d0[x] = l0[px[s0]];
                        d1[x] = l1[px[s1]];
                        d2[x] = l2[px[s2]];
                    }
                }
                else
                {
                    float* d = dst + y * w * 3;
                    for (int x = 0; x < w; x++)
                    {
                        byte* px = row + x * 3;
                        d[x * 3] = l0[px[s0]];
                        d[x * 3 + 1] = l1[px[s1]];
                        d[x * 3 + 2] = l2[px[s2]];
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        _resizedArray.Dispose();
        _resized.Dispose();
    }
}
