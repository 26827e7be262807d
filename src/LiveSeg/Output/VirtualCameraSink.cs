using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// The virtual camera as an output (<c>liveseg live --virtual-camera /dev/video10</c>): its own thread converts the
/// newest composited frame to YUYV or I420 (<see cref="YuvPacker"/>) and writes it to the v4l2loopback device, which any
/// program (a video call, OBS, a browser) then opens as a webcam. When a reader already holds the device at another
/// size (or the frame's size is odd), frames are scaled to the device's with the aspect kept (black bars).
/// </summary>
internal sealed class VirtualCameraSink : LatestFrameSink
{
    private readonly V4l2Device _device;
    private readonly byte[] _packed;
    private readonly Mat? _canvas;
    private readonly Mat? _inside;
    private readonly OutputArray? _insideArray;
    private readonly MatArrays _arrays = new();

    private VirtualCameraSink(V4l2Device device, int frameWidth, int frameHeight) : base("liveseg-v4l2")
    {
        _device = device;
        V4l2Format f = device.Format;
        _packed = new byte[YuvPacker.FrameBytes(f.Layout!.Value, f.Width, f.Height)];
        if (f.Width != frameWidth || f.Height != frameHeight)
        {
            _canvas = new Mat(f.Height, f.Width, MatType.CV_8UC3, Scalar.Black);
            var (x, y, w, h) = GlCompositor.Letterbox(frameWidth, frameHeight, f.Width, f.Height);
            _inside = new Mat(_canvas, new Rect(x, y, w, h));
            _insideArray = OutputArray.Create(_inside);
        }
    }

    /// <summary>Opens and sets up the device (one-line errors: missing, not an output, busy in a format LiveSeg cannot write).</summary>
    public static VirtualCameraSink Open(string path, int frameWidth, int frameHeight, YuvLayout layout)
    {
        var device = V4l2Device.Open(path);
        try
        {
            device.Negotiate(frameWidth, frameHeight, layout);
            return new VirtualCameraSink(device, frameWidth, frameHeight);
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }

    public override string Name => $"virtual camera {_device.Path} ({_device.Card}, {_device.Format})";

    protected override bool Consume(Mat frame, long captureTimestamp)
    {
        Mat source = frame;
        if (_inside is not null)
        {
            // Array wrappers made once per Mat: a wrapper per call would be left to the finalizer (native growth).
            Cv2.Resize(_arrays.Input(frame), _insideArray!, _inside.Size(), 0, 0, InterpolationFlags.Area);
            source = _canvas!;
        }
        YuvPacker.Pack(source, _device.Format.Layout!.Value, _packed);
        _device.WriteFrame(_packed);
        return true;
    }

    public override void Dispose()
    {
        base.Dispose();
        _arrays.Dispose();
        _insideArray?.Dispose();
        _inside?.Dispose();
        _canvas?.Dispose();
        _device.Dispose();
    }
}
