using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg;

/// <summary>How <see cref="Segmenter.Open"/> sets up a model.</summary>
public sealed record SegmenterOptions
{
    /// <summary>Where inference runs: <see cref="DeviceChoice.Auto"/> tries TensorRT, then CUDA, then the CPU.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>ONNX Runtime's threads for one inference: 1..<see cref="MaxThreads"/>, or 0 = its default (one per core).</summary>
    public int Threads { get; init; }

    /// <summary>The most <see cref="Threads"/> accepted.</summary>
    public const int MaxThreads = 64;

    /// <summary>
    /// Checks every option that is not the smoothing (see <see cref="SmoothingOr"/>): <see cref="ArgumentOutOfRangeException"/>
    /// naming <paramref name="paramName"/> for threads outside 0..<see cref="MaxThreads"/> or an undefined device.
    /// </summary>
    internal SegmenterOptions Validated(string paramName)
    {
        if (Threads is < 0 or > MaxThreads)
            throw new ArgumentOutOfRangeException(paramName, Threads, $"Threads is 1..{MaxThreads}, or 0 for ONNX Runtime's default");
        if (!Enum.IsDefined(Device))
            throw new ArgumentOutOfRangeException(paramName, Device, $"Device {(int)Device} is not a DeviceChoice: use {string.Join(", ", Enum.GetNames<DeviceChoice>())}");
        return this;
    }

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
/// <para>Threads: calls on one segmenter are serialised — a call made while another thread's is running waits for it
/// (so use one segmenter per thread for throughput: the view is shared, and the next call overwrites it).
/// <see cref="Dispose"/> waits for a call in progress; any call after it, and any use of a <see cref="MaskView"/> it
/// returned, throws <see cref="ObjectDisposedException"/>. A segmenter that is never disposed frees its ONNX Runtime
/// session when the garbage collector finalizes it.</para>
/// </summary>
public sealed class Segmenter : IDisposable
{
    private readonly object _gate = new();
    private bool _disposed;
    private readonly OnnxSegmenter _onnx;
    private readonly TemporalSmoother _smoother;
    private readonly Mask _mask;
    private readonly MaskView _view;
    private readonly Mat _converted = new();
    private readonly Mat _scaled = new();
    private InputArray? _array;
    private Mat? _arrayOf;

    private Segmenter(OnnxSegmenter onnx, float smoothing)
    {
        _onnx = onnx;
        _mask = new Mask(onnx.MaskWidth, onnx.MaskHeight);
        _smoother = new TemporalSmoother(_mask.Length, smoothing);
        _view = new MaskView(this, _mask, _scaled);
    }

    /// <summary>An undisposed segmenter's native session is released here (its Mats have finalizers of their own).</summary>
    ~Segmenter() => _onnx?.Dispose();

    /// <summary>
    /// Opens a model: a catalogue name (<c>body</c>, <c>body-landscape</c>, <c>nevus</c>, <c>nevus-isic</c>, <c>nevus-ph2</c>; the body
    /// models are fetched and converted on first use) or the path of an .onnx file. Errors are
    /// <see cref="LiveSegException"/>s with a one-line message saying what to do.
    /// </summary>
    public static Segmenter Open(string model = "body", SegmenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = (options ?? new SegmenterOptions()).Validated(nameof(options));
        float smoothing = options.SmoothingOr(0f, nameof(options));
        ModelSpec spec = ModelCatalogue.Resolve(model, options.ManifestPath, options.Log ?? (_ => { }));
        return new Segmenter(new OnnxSegmenter(spec, options.Device, options.Threads), smoothing);
    }

    /// <summary>The model's name (from its manifest).</summary>
    public string ModelName => Live()._onnx.Manifest.Name;

    /// <summary>The execution provider that runs it: "CPU", "CUDA" or "TensorRT".</summary>
    public string Provider => Live()._onnx.Provider;

    /// <summary>One line on how the provider was chosen and why the others were not.</summary>
    public string ProviderReport => Live()._onnx.ProviderReport;

    /// <summary>This segmenter, or <see cref="ObjectDisposedException"/> once it is disposed.</summary>
    private Segmenter Live()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return this;
    }

    /// <summary>The lock every call holds (a view's <see cref="MaskView.ToFrameSize"/> too: it uses the segmenter's buffers).</summary>
    internal object Gate => _gate;

    /// <summary><see cref="ObjectDisposedException"/> once disposed.</summary>
    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Segments a BGR frame (8-bit, 3 channels, any size). The view is valid until the next call.</summary>
    public MaskView Segment(Mat frameBgr)
    {
        ArgumentNullException.ThrowIfNull(frameBgr);
        lock (_gate)
        {
            Live();
            return SegmentLocked(frameBgr);
        }
    }

    private MaskView SegmentLocked(Mat frameBgr)
    {
        ObjectDisposedException.ThrowIf(frameBgr.IsDisposed, frameBgr);
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
        _smoother.Apply(_mask, frameBgr);
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
        if (!Enum.IsDefined(layout))
            throw new ArgumentOutOfRangeException(nameof(layout), layout, $"{(int)layout} is not a PixelLayout: use Bgr24, Rgba32 or Bgra32");
        int channels = layout == PixelLayout.Bgr24 ? 3 : 4;
        if (width <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"the frame is {width}x{height}: the width must be positive");
        if (height <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), height, $"the frame is {width}x{height}: the height must be positive");
        if (stride < 0)
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "the stride is bytes a row (0 = tightly packed), not negative");
        // In 64 bits: width x channels and stride x height overflow an int long before they reach OpenCV's limits.
        long row = (long)width * channels;
        long rowStride = stride == 0 ? row : stride;
        if (row > int.MaxValue || (long)height * row > MaxFramePixels * 4L)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"a {width}x{height} frame is too large: at most {MaxFramePixels} pixels and {int.MaxValue} bytes a row");
        if (rowStride < row)
            throw new ArgumentException($"a stride of {stride} bytes is less than a {width}-pixel {layout} row ({row} bytes)", nameof(stride));
        if (pixels.Length < rowStride * (height - 1) + row)
            throw new ArgumentException($"{pixels.Length} bytes do not hold a {width}x{height} {layout} frame with {rowStride} bytes a row", nameof(pixels));
        lock (_gate)
        {
            Live();
            fixed (byte* p = pixels)
            {
                using var wrapped = Mat.FromPixelData(height, width, channels == 3 ? MatType.CV_8UC3 : MatType.CV_8UC4, (nint)p, rowStride);
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
            return SegmentLocked(_converted);
        }
    }

    /// <summary>The largest frame the raw-pixel overload takes, in pixels (2^28: 16384 x 16384).</summary>
    public const long MaxFramePixels = 1L << 28;

    /// <summary>Forgets the smoothing history (a new scene or clip begins).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            Live();
            _smoother.Reset();
        }
    }

    /// <summary>Frees the model's session and buffers (after a call in progress on another thread ends); a second call does nothing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
            _onnx.Dispose();
            _converted.Dispose();
            _scaled.Dispose();
            _array?.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// The mask of the last <see cref="Segmenter.Segment(Mat)"/>: probabilities 0..1 at the model's size (row by row),
/// and the size of the frame it covers. Owned by the segmenter and reused: valid until its next call. Once the
/// segmenter is disposed, <see cref="Values"/>, the indexer and <see cref="ToFrameSize"/> throw <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class MaskView
{
    private readonly Segmenter? _owner;
    private readonly Mask _mask;
    private readonly Mat _scaled; // the segmenter's, disposed with it

    internal MaskView(Segmenter? owner, Mask mask, Mat scratch) => (_owner, _mask, _scaled) = (owner, mask, scratch);

    /// <summary>Mask width (the model's).</summary>
    public int Width => _mask.Width;

    /// <summary>Mask height (the model's).</summary>
    public int Height => _mask.Height;

    /// <summary>Width of the frame the mask covers.</summary>
    public int FrameWidth { get; internal set; }

    /// <summary>Height of the frame the mask covers.</summary>
    public int FrameHeight { get; internal set; }

    /// <summary>The probabilities, <see cref="Width"/> x <see cref="Height"/>, row by row.</summary>
    public ReadOnlySpan<float> Values
    {
        get
        {
            _owner?.ThrowIfDisposed();
            return _mask.Data;
        }
    }

    /// <summary>The mask itself, for the compositor.</summary>
    internal Mask Mask
    {
        get
        {
            _owner?.ThrowIfDisposed();
            return _mask;
        }
    }

    /// <summary>The probability at mask pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public float this[int x, int y]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(x);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
            ArgumentOutOfRangeException.ThrowIfNegative(y);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
            return Values[y * Width + x];
        }
    }

    /// <summary>
    /// The mask at the frame's size as 8-bit (0..255), bilinear, into <paramref name="destination"/> (made or resized
    /// as needed; reuse it across frames to allocate nothing).
    /// </summary>
    public void ToFrameSize(Mat destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ObjectDisposedException.ThrowIf(destination.IsDisposed, destination);
        if (_owner is null)
        {
            ScaleInto(destination);
            return;
        }
        lock (_owner.Gate)
        {
            _owner.ThrowIfDisposed();
            ScaleInto(destination);
        }
    }

    private unsafe void ScaleInto(Mat destination)
    {
        fixed (float* p = _mask.Data)
        {
            using var small = Mat.FromPixelData(Height, Width, MatType.CV_32FC1, (nint)p);
            Cv2.Resize(small, _scaled, new Size(FrameWidth, FrameHeight), 0, 0, InterpolationFlags.Linear);
            _scaled.ConvertTo(destination, MatType.CV_8UC1, 255);
        }
    }
}
