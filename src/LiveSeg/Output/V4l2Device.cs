using System.Runtime.InteropServices;

namespace LiveSeg.Output;

/// <summary>
/// A V4L2 video output device (a v4l2loopback virtual camera) through libc: open, VIDIOC_QUERYCAP, VIDIOC_G_FMT /
/// VIDIOC_S_FMT with <c>struct v4l2_format</c> (208 bytes on 64-bit Linux, the pixel format at offset 8), and write().
/// Linux only; elsewhere opening says it is not supported.
/// </summary>
internal sealed unsafe class V4l2Device : IDisposable
{
    private const uint VidiocQuerycap = 0x80685600;  // _IOR('V', 0, struct v4l2_capability), 104 bytes
    private const uint VidiocGFmt = 0xC0D05604;      // _IOWR('V', 4, struct v4l2_format), 208 bytes
    private const uint VidiocSFmt = 0xC0D05605;      // _IOWR('V', 5, struct v4l2_format)
    private const uint BufTypeVideoOutput = 2;
    private const uint FieldNone = 1;
    private const uint ColorspaceSmpte170M = 1;      // BT.601, what YuvPacker writes
    private const uint CapVideoOutput = 0x00000002;
    private const uint CapDeviceCaps = 0x80000000;
    private const int OpenWriteOnly = 1, OpenCloseOnExec = 0x80000;
    private const int ENOENT = 2, EACCES = 13, EBUSY = 16, ENOTTY = 25, EINTR = 4;

    private int _fd;

    private V4l2Device(string path, int fd, string driver, string card)
    {
        Path = path;
        _fd = fd;
        Driver = driver;
        Card = card;
    }

    public string Path { get; }

    public string Driver { get; }

    public string Card { get; }

    /// <summary>The format frames are written in (after <see cref="Negotiate"/>).</summary>
    public V4l2Format Format { get; private set; }

    /// <summary>Opens <paramref name="path"/> and checks it is a video output (a one-line error says what it is instead).</summary>
    public static V4l2Device Open(string path)
    {
        if (!OperatingSystem.IsLinux())
            throw new LiveSegException($"--virtual-camera: not supported on this platform ({RuntimeInformation.OSDescription}): the virtual camera is Linux's v4l2loopback.");
        int fd = open(path, OpenWriteOnly | OpenCloseOnExec);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new LiveSegException(errno switch
            {
                ENOENT => $"virtual camera {path} does not exist: load v4l2loopback first (sudo modprobe v4l2loopback devices=1 video_nr=10 exclusive_caps=1 card_label=LiveSeg).",
                EACCES => $"virtual camera {path}: permission denied: add yourself to the 'video' group (sudo usermod -aG video $USER, then log in again).",
                _ => $"virtual camera {path} cannot be opened ({Marshal.GetPInvokeErrorMessage(errno)}).",
            });
        }
        var cap = stackalloc byte[104];
        if (ioctl(fd, VidiocQuerycap, cap) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            _ = close(fd);
            throw new LiveSegException(errno == ENOTTY
                ? $"virtual camera {path} is not a video device: give a v4l2loopback device such as /dev/video10."
                : $"virtual camera {path}: VIDIOC_QUERYCAP failed ({Marshal.GetPInvokeErrorMessage(errno)}).");
        }
        string driver = Text(cap, 16), card = Text(cap + 16, 32);
        uint caps = *(uint*)(cap + 84), deviceCaps = *(uint*)(cap + 88);
        if (((caps & CapDeviceCaps) != 0 ? deviceCaps : caps) is var effective && (effective & CapVideoOutput) == 0)
        {
            _ = close(fd);
            throw new LiveSegException($"virtual camera {path} ({card}, driver {driver}) is not a video output (a camera?): give a v4l2loopback device (with exclusive_caps=1 it shows as an output until a writer opens it).");
        }
        return new V4l2Device(path, fd, driver, card);
    }

    /// <summary>Agrees on the format (see <see cref="V4l2Format.Choose"/>): the frame's size in <paramref name="layout"/>, or what a reader holds.</summary>
    public V4l2Format Negotiate(int frameWidth, int frameHeight, YuvLayout layout)
    {
        V4l2Format wanted = V4l2Format.Wanted(frameWidth, frameHeight, layout);
        var buffer = stackalloc byte[208];
        V4l2Format current = default;
        if (Get(buffer))
            current = Read(buffer);
        Write(buffer, wanted);
        V4l2Format? afterSet = null;
        bool busy = false;
        if (ioctl(_fd, VidiocSFmt, buffer) == 0)
            afterSet = Read(buffer);
        else
            busy = Marshal.GetLastPInvokeError() == EBUSY;
        if (busy && Get(buffer))
            current = Read(buffer);
        Format = V4l2Format.Choose(Path, wanted, afterSet, busy, current);
        return Format;
    }

    /// <summary>Writes one frame in one write() (v4l2loopback takes each write as a whole frame).</summary>
    public void WriteFrame(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            nint n;
            do
                n = write(_fd, p, (nuint)frame.Length);
            while (n < 0 && Marshal.GetLastPInvokeError() == EINTR);
            if (n < 0)
                throw new LiveSegException($"virtual camera {Path}: writing a frame failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}).");
            if (n != frame.Length)
                throw new LiveSegException($"virtual camera {Path}: the device took {n} of a frame's {frame.Length} bytes: its format changed? Restart liveseg.");
        }
    }

    private bool Get(byte* buffer)
    {
        new Span<byte>(buffer, 208).Clear();
        *(uint*)buffer = BufTypeVideoOutput;
        return ioctl(_fd, VidiocGFmt, buffer) == 0;
    }

    private static V4l2Format Read(byte* buffer)
    {
        uint* pix = (uint*)(buffer + 8);
        return new V4l2Format((int)pix[0], (int)pix[1], pix[2], (int)pix[4], (int)pix[5]);
    }

    private static void Write(byte* buffer, V4l2Format f)
    {
        new Span<byte>(buffer, 208).Clear();
        *(uint*)buffer = BufTypeVideoOutput;
        uint* pix = (uint*)(buffer + 8);
        pix[0] = (uint)f.Width;
        pix[1] = (uint)f.Height;
        pix[2] = f.PixelFormat;
        pix[3] = FieldNone;
        pix[4] = (uint)f.BytesPerLine;
        pix[5] = (uint)f.SizeImage;
        pix[6] = ColorspaceSmpte170M;
    }

    private static string Text(byte* bytes, int max)
    {
        int n = new ReadOnlySpan<byte>(bytes, max).IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(bytes, n < 0 ? max : n);
    }

    public void Dispose()
    {
        if (_fd > 0)
            _ = close(_fd);
        _fd = -1;
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)] private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    [DllImport("libc", SetLastError = true)] private static extern int close(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int ioctl(int fd, nuint request, void* argument);
    [DllImport("libc", SetLastError = true)] private static extern nint write(int fd, void* buffer, nuint count);
}
