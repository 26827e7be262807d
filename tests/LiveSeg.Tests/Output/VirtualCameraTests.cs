using System.Diagnostics;
using LiveSeg.Output;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The virtual camera's colour conversion and format negotiation, checked against hand-computed bytes.</summary>
public sealed class VirtualCameraTests
{
    private static Mat Pixels(int width, int height, params (byte B, byte G, byte R)[] bgr)
    {
        var m = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < bgr.Length; i++)
            m.Set(i / width, i % width, new Vec3b(bgr[i].B, bgr[i].G, bgr[i].R));
        return m;
    }

    [Fact]
    public void Yuyv_IsBt601LimitedRange_ChromaFromThePairsMean()
    {
        // BT.601 limited range by hand: red Y = 16 + 0.256788*255 = 81.48 → 81; blue Y = 16 + 0.097906*255 = 40.97 → 41.
        // Their mean (127.5, 0, 127.5): U = 128 + (−0.148223 + 0.439216)*127.5 = 165.10 → 165,
        // V = 128 + (0.439216 − 0.071427)*127.5 = 174.89 → 175. White: 235/128, black: 16/128.
        using var m = Pixels(4, 2, (0, 0, 255), (255, 0, 0), (255, 255, 255), (255, 255, 255), (0, 0, 0), (0, 0, 0), (0, 255, 0), (0, 255, 0));
        var bytes = new byte[YuvPacker.FrameBytes(YuvLayout.Yuyv, 4, 2)];
        YuvPacker.Pack(m, YuvLayout.Yuyv, bytes);
        // Green: Y = 16 + 0.504129*255 = 144.55 → 145, U = 128 − 0.290993*255 = 53.80 → 54, V = 128 − 0.367788*255 = 34.21 → 34.
        Assert.Equal(new byte[] { 81, 165, 41, 175, 235, 128, 235, 128, 16, 128, 16, 128, 145, 54, 145, 34 }, bytes);
    }

    [Fact]
    public void I420_HasTheYPlaneThenQuarterSizeUAndVPlanes()
    {
        // 4x2: the left 2x2 block is red, green / blue, white — its mean is grey 127.5, so U = V = 128; the right block is
        // all red: U = 128 − 37.80 → 90, V = 128 + 112 → 240 (red in BT.601 limited range).
        using var m = Pixels(4, 2, (0, 0, 255), (0, 255, 0), (0, 0, 255), (0, 0, 255), (255, 0, 0), (255, 255, 255), (0, 0, 255), (0, 0, 255));
        var bytes = new byte[YuvPacker.FrameBytes(YuvLayout.I420, 4, 2)];
        Assert.Equal(12, bytes.Length);
        YuvPacker.Pack(m, YuvLayout.I420, bytes);
        Assert.Equal(new byte[] { 81, 145, 81, 81, 41, 235, 81, 81, /* U */ 128, 90, /* V */ 128, 240 }, bytes);
    }

    [Fact]
    public void Packing_RefusesOddSizes()
    {
        using var m = new Mat(3, 5, MatType.CV_8UC3, Scalar.All(0));
        Assert.Throws<ArgumentException>(() => YuvPacker.Pack(m, YuvLayout.Yuyv, new byte[100]));
    }

    [Fact]
    public void Format_AsksForTheFrameSize_RoundedDownToEven()
    {
        var f = V4l2Format.Wanted(641, 479, YuvLayout.Yuyv);
        Assert.Equal((640, 478, V4l2Format.FourCc("YUYV"), 1280, 640 * 478 * 2), (f.Width, f.Height, f.PixelFormat, f.BytesPerLine, f.SizeImage));
        var i = V4l2Format.Wanted(1280, 720, YuvLayout.I420);
        Assert.Equal(("YU12", 1280, 1280 * 720 * 3 / 2), (V4l2Format.FourCcText(i.PixelFormat), i.BytesPerLine, i.SizeImage));
    }

    [Fact]
    public void Format_TheDriversAnswerWins_AReadersFormatIsKept_AnUnwritableOneIsAnError()
    {
        var wanted = V4l2Format.Wanted(640, 480, YuvLayout.Yuyv);
        // Taken as asked.
        Assert.Equal(wanted, V4l2Format.Choose("/dev/video10", wanted, wanted, busy: false, current: default));
        // The driver kept what a reader holds (1280x720 I420): LiveSeg writes that.
        var held = new V4l2Format(1280, 720, V4l2Format.I420, 1280, 1280 * 720 * 3 / 2);
        Assert.Equal(held, V4l2Format.Choose("/dev/video10", wanted, held, busy: false, current: default));
        // Busy: the current format, with the sizes LiveSeg needs filled in.
        var current = new V4l2Format(320, 240, V4l2Format.Yuyv, 0, 0);
        Assert.Equal(new V4l2Format(320, 240, V4l2Format.Yuyv, 640, 320 * 240 * 2), V4l2Format.Choose("/dev/video10", wanted, null, busy: true, current));
        // Busy in RGB: a one-line error naming the device and the format.
        var rgb = new V4l2Format(640, 480, V4l2Format.FourCc("RGB3"), 1920, 640 * 480 * 3);
        var e = Assert.Throws<LiveSegException>(() => V4l2Format.Choose("/dev/video10", wanted, null, busy: true, rgb));
        Assert.Contains("/dev/video10", e.Message);
        Assert.Contains("RGB3 640x480", e.Message);
        // Refused and not busy: not a loopback device.
        e = Assert.Throws<LiveSegException>(() => V4l2Format.Choose("/dev/video10", wanted, null, busy: false, default));
        Assert.Contains("v4l2loopback", e.Message);
    }

    [Fact]
    public void Device_MissingOrNotAVideoDevice_IsAOneLineErrorSayingWhatToDo()
    {
        var e = Assert.Throws<LiveSegException>(() => V4l2Device.Open("/dev/video-liveseg-missing"));
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("modprobe v4l2loopback", e.Message);
        e = Assert.Throws<LiveSegException>(() => V4l2Device.Open("/dev/null"));
        Assert.Contains("not a video device", e.Message);
    }

    /// <summary>The real device path: only where a v4l2loopback device exists (the project's machines cannot load kernel modules).</summary>
    [SkippableFact]
    public void Device_Loopback_TakesFramesAtTheNegotiatedFormat()
    {
        string? device = Directory.Exists("/sys/devices/virtual/video4linux")
            ? Directory.GetDirectories("/sys/devices/virtual/video4linux").Select(d => "/dev/" + Path.GetFileName(d)).FirstOrDefault(File.Exists)
            : null;
        Skip.If(device is null, "no v4l2loopback device on this machine (sudo modprobe v4l2loopback devices=1 video_nr=10 exclusive_caps=1): the device path is not exercised here");
        using var sink = VirtualCameraSink.Open(device!, 640, 480, YuvLayout.Yuyv);
        using var frame = Synthetic.Frame(3, 640, 480);
        sink.Offer(frame, Stopwatch.GetTimestamp());
        Assert.Contains(device!, sink.Name);
        // The sink's thread writes it; wait (with a hang guard) until it did or failed.
        Assert.True(SpinWait.SpinUntil(() => sink.Delivered > 0 || sink.Failure is not null, 60_000), "the virtual camera never wrote the frame");
        Assert.Null(sink.Failure);
        Assert.Equal(1, sink.Delivered);
    }
}
