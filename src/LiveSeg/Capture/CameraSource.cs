using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// Frames from a camera (V4L2 on Linux) by index, asking for a size and frame rate (MJPG first: most USB webcams only
/// reach 720p at 30 fps compressed). <see cref="Width"/>, <see cref="Height"/> and <see cref="FrameRate"/> are what the camera
/// really gave, which may differ from what was asked.
/// </summary>
internal sealed class CameraSource : IFrameSource
{
    private readonly VideoCapture _capture;

    public CameraSource(int index, int width, int height, double fps)
    {
        Index = index;
        _capture = new VideoCapture(index, OperatingSystem.IsLinux() ? VideoCaptureAPIs.V4L2 : VideoCaptureAPIs.ANY);
        if (!_capture.IsOpened())
        {
            _capture.Dispose();
            Throw.User($"camera {index} cannot be opened (no such device, or it is busy): run 'liveseg cameras' to list cameras, or use --input FILE to play a video like a camera.");
        }
        _capture.Set(VideoCaptureProperties.FourCC, FourCC.FromString("MJPG"));
        _capture.Set(VideoCaptureProperties.FrameWidth, width);
        _capture.Set(VideoCaptureProperties.FrameHeight, height);
        _capture.Set(VideoCaptureProperties.Fps, fps);
        using var probe = new Mat();
        if (!_capture.Read(probe) || probe.Empty())
        {
            _capture.Dispose();
            Throw.User($"camera {index} opened but delivers no frames: check that no other program uses it, or try another --size.");
        }
        Width = probe.Width;
        Height = probe.Height;
        double actual = _capture.Fps;
        FrameRate = actual > 0 && actual < 1000 ? actual : fps;
    }

    public int Index { get; }

    public int Width { get; }

    public int Height { get; }

    public double FrameRate { get; }

    public int FrameCount => 0;

    public bool IsLive => true;

    /// <summary>A camera unplugged and plugged in again opens again.</summary>
    public bool Reconnects => true;

    public bool Read(Mat destination) =>
        _capture.Read(destination) && !destination.Empty() && destination.Width == Width && destination.Height == Height;

    public void Dispose() => _capture.Dispose();

    /// <summary>Video devices of this machine (/dev/video*) with what each delivers at its default mode.</summary>
    public static IEnumerable<string> Describe()
    {
        if (!OperatingSystem.IsLinux())
        {
            yield return "listing cameras is implemented for Linux (/dev/video*) only; try --camera 0, 1, ...";
            yield break;
        }
        string[] devices = Directory.Exists("/dev") ? Directory.GetFiles("/dev", "video*").Order(StringComparer.Ordinal).ToArray() : [];
        if (devices.Length == 0)
        {
            yield return "no video devices (/dev/video* is empty): connect a camera, or use 'liveseg live --input FILE'.";
            yield break;
        }
        foreach (string device in devices)
        {
            if (!int.TryParse(device["/dev/video".Length..], out int index))
                continue;
            using var cap = new VideoCapture(index, VideoCaptureAPIs.V4L2);
            if (!cap.IsOpened())
            {
                yield return $"{index}: {device}: cannot be opened (busy, or a metadata node)";
                continue;
            }
            using var frame = new Mat();
            bool ok = cap.Read(frame) && !frame.Empty();
            yield return ok
                ? $"{index}: {device}: {frame.Width}x{frame.Height} at {cap.Fps:0.##} fps — use --camera {index} [--size WxH --fps N]"
                : $"{index}: {device}: opens but delivers no frames";
        }
    }
}
