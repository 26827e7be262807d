using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg;

/// <summary>How <see cref="Segmenter.Open"/> sets up a model.</summary>
public sealed record SegmenterOptions
{
    /// <summary>Where inference runs: <see cref="DeviceChoice.Auto"/> tries TensorRT, then CUDA, then the CPU.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>ONNX Runtime's threads for one inference (0 = its default).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Motion-aware temporal smoothing, 0..0.98: the previous mask's weight where the picture is still (none where it
    /// moves). 0 treats every call on its own, as for unrelated images; 0.95 steadies a video's masks. Null (the
    /// default): the use's own default — 0 for <see cref="Segmenter.Open"/>, 0.95 for <see cref="VideoJob"/>.
    /// </summary>
    public float? Smoothing { get; init; }

    /// <summary>The smoothing to use: <see cref="Smoothing"/>, or <paramref name="fallback"/> when unset; checked.</summary>
    internal float SmoothingOr(float fallback, string paramName)
    {
        float smoothing = Smoothing ?? fallback;
        if (smoothing is < 0f or > MaskSettings.MaxSmoothing || float.IsNaN(smoothing))
            throw new ArgumentOutOfRangeException(paramName, smoothing, $"Smoothing is 0..{MaskSettings.MaxSmoothing}");
        return smoothing;
    }

    /// <summary>A manifest (JSON) for a model file that has none beside it; null: the model's own or LiveSeg's defaults.</summary>
    public string? ManifestPath { get; init; }

    /// <summary>Progress lines of a first-use model fetch (the body models come from npm); null: none shown.</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>How the pixels of a raw frame are laid out (8 bits a channel).</summary>
public enum PixelLayout
{
    /// <summary>Blue, green, red: OpenCV's order.</summary>
    Bgr24,

    /// <summary>Red, green, blue, alpha: most image libraries and OpenGL.</summary>
    Rgba32,

    /// <summary>Blue, green, red, alpha: Windows bitmaps.</summary>
    Bgra32,
}

/// <summary>
/// A segmentation model, ready to segment frames: <c>using var s = Segmenter.Open("body");</c> then
/// <c>MaskView mask = s.Segment(frame);</c> per frame. Buffers are made once; a call with the same Mat as the last
/// (a capture loop reading into one Mat) allocates nothing; the raw-pixel overload makes one small wrapper per call.
/// Not thread-safe: one segmenter per thread.
/// </summary>
public sealed class Segmenter : IDisposable
{
    private readonly OnnxSegmenter _onnx;
    private readonly TemporalSmoother _smoother;
    private readonly float[] _mask;
    private readonly MaskView _view;
    private readonly Mat _converted = new();
    private readonly Mat _scaled = new();
    private InputArray? _array;
    private Mat? _arrayOf;

    private Segmenter(OnnxSegmenter onnx, float smoothing)
    {
        _onnx = onnx;
        _mask = new float[onnx.MaskWidth * onnx.MaskHeight];
        _smoother = new TemporalSmoother(_mask.Length, smoothing);
        _view = new MaskView(_mask, onnx.MaskWidth, onnx.MaskHeight, _scaled);
    }

    /// <summary>
    /// Opens a model: a catalogue name (<c>body</c>, <c>body-landscape</c>, <c>nevus</c>, <c>nevus-isic</c>, <c>nevus-ph2</c>; the body
    /// models are fetched and converted on first use) or the path of an .onnx file. Errors are
    /// <see cref="LiveSegException"/>s with a one-line message saying what to do.
    /// </summary>
    public static Segmenter Open(string model = "body", SegmenterOptions? options = null)
    {
        options ??= new SegmenterOptions();
        float smoothing = options.SmoothingOr(0f, nameof(options));
        ModelSpec spec = ModelCatalogue.Resolve(model, options.ManifestPath, options.Log ?? (_ => { }));
        return new Segmenter(new OnnxSegmenter(spec, options.Device, options.Threads), smoothing);
    }

    /// <summary>The model's name (from its manifest).</summary>
    public string ModelName => _onnx.Manifest.Name;

    /// <summary>The execution provider that runs it: "CPU", "CUDA" or "TensorRT".</summary>
    public string Provider => _onnx.Provider;

    /// <summary>One line on how the provider was chosen and why the others were not.</summary>
    public string ProviderReport => _onnx.ProviderReport;

    /// <summary>Segments a BGR frame (8-bit, 3 channels, any size). The view is valid until the next call.</summary>
    public MaskView Segment(Mat frameBgr)
    {
        ArgumentNullException.ThrowIfNull(frameBgr);
        if (frameBgr.Empty() || frameBgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"need an 8-bit BGR image (CV_8UC3), got {(frameBgr.Empty() ? "an empty Mat" : frameBgr.Type().ToString())}", nameof(frameBgr));
        var timing = new FrameTiming();
        if (!ReferenceEquals(frameBgr, _arrayOf))
        {
            // OpenCV's InputArray over the frame, made again only when the caller passes another Mat.
            _array?.Dispose();
            (_array, _arrayOf) = (InputArray.Create(frameBgr), frameBgr);
        }
        _onnx.Segment(frameBgr, _array!, _mask, ref timing);
        _smoother.Apply(_mask, _onnx.MaskWidth, _onnx.MaskHeight, frameBgr);
        _view.FrameWidth = frameBgr.Width;
        _view.FrameHeight = frameBgr.Height;
        return _view;
    }

    /// <summary>
    /// Segments raw pixels (<paramref name="stride"/> bytes a row; 0 = tightly packed). The pixels are read, not kept;
    /// the view is valid until the next call.
    /// </summary>
    public unsafe MaskView Segment(ReadOnlySpan<byte> pixels, int width, int height, PixelLayout layout, int stride = 0)
    {
        int channels = layout == PixelLayout.Bgr24 ? 3 : 4;
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"the frame is {width}x{height}");
        stride = stride == 0 ? width * channels : stride;
        if (stride < width * channels || pixels.Length < (long)stride * (height - 1) + width * channels)
            throw new ArgumentException($"{pixels.Length} bytes do not hold a {width}x{height} {layout} frame with {stride} bytes a row", nameof(pixels));
        fixed (byte* p = pixels)
        {
            using var wrapped = Mat.FromPixelData(height, width, channels == 3 ? MatType.CV_8UC3 : MatType.CV_8UC4, (nint)p, stride);
            switch (layout)
            {
                case PixelLayout.Bgr24:
                    wrapped.CopyTo(_converted);
                    break;
                case PixelLayout.Rgba32:
                    Cv2.CvtColor(wrapped, _converted, ColorConversionCodes.RGBA2BGR);
                    break;
                default:
                    Cv2.CvtColor(wrapped, _converted, ColorConversionCodes.BGRA2BGR);
                    break;
            }
        }
        return Segment(_converted);
    }

    /// <summary>Forgets the smoothing history (a new scene or clip begins).</summary>
    public void Reset() => _smoother.Reset();

    /// <summary>Frees the model's session and buffers.</summary>
    public void Dispose()
    {
        _onnx.Dispose();
        _converted.Dispose();
        _scaled.Dispose();
        _array?.Dispose();
    }
}

/// <summary>
/// The mask of the last <see cref="Segmenter.Segment(Mat)"/>: probabilities 0..1 at the model's size (row by row),
/// and the size of the frame it covers. Owned by the segmenter and reused: valid until its next call.
/// </summary>
public sealed class MaskView
{
    private readonly float[] _values;
    private readonly Mat _scaled; // the segmenter's, disposed with it

    internal MaskView(float[] values, int width, int height, Mat scratch) => (_values, Width, Height, _scaled) = (values, width, height, scratch);

    /// <summary>Mask width (the model's).</summary>
    public int Width { get; }

    /// <summary>Mask height (the model's).</summary>
    public int Height { get; }

    /// <summary>Width of the frame the mask covers.</summary>
    public int FrameWidth { get; internal set; }

    /// <summary>Height of the frame the mask covers.</summary>
    public int FrameHeight { get; internal set; }

    /// <summary>The probabilities, <see cref="Width"/> x <see cref="Height"/>, row by row.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The buffer itself, for the compositor's upload.</summary>
    internal float[] Array => _values;

    /// <summary>The probability at mask pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public float this[int x, int y] => _values[y * Width + x];

    /// <summary>
    /// The mask at the frame's size as 8-bit (0..255), bilinear, into <paramref name="destination"/> (made or resized
    /// as needed; reuse it across frames to allocate nothing).
    /// </summary>
    public unsafe void ToFrameSize(Mat destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        fixed (float* p = _values)
        {
            using var small = Mat.FromPixelData(Height, Width, MatType.CV_32FC1, (nint)p);
            Cv2.Resize(small, _scaled, new Size(FrameWidth, FrameHeight), 0, 0, InterpolationFlags.Linear);
            _scaled.ConvertTo(destination, MatType.CV_8UC1, 255);
        }
    }
}
