namespace LiveSeg.Output;

/// <summary>
/// A V4L2 video output format (the part of <c>struct v4l2_pix_format</c> LiveSeg sets and reads), and the choice of the
/// format a virtual camera is written in.
/// </summary>
internal readonly record struct V4l2Format(int Width, int Height, uint PixelFormat, int BytesPerLine, int SizeImage)
{
    /// <summary>V4L2_PIX_FMT_YUYV: 'YUYV', packed 4:2:2.</summary>
    public static readonly uint Yuyv = FourCc("YUYV");

    /// <summary>V4L2_PIX_FMT_YUV420: 'YU12', planar 4:2:0 (I420).</summary>
    public static readonly uint I420 = FourCc("YU12");

    public static uint FourCc(string code) => (uint)(code[0] | code[1] << 8 | code[2] << 16 | code[3] << 24);

    public static string FourCcText(uint code) =>
        new([(char)(code & 0xFF), (char)(code >> 8 & 0xFF), (char)(code >> 16 & 0xFF), (char)(code >> 24 & 0xFF)]);

    /// <summary>The layout LiveSeg packs for this format, or null when it cannot write it.</summary>
    public YuvLayout? Layout => PixelFormat == Yuyv ? YuvLayout.Yuyv : PixelFormat == I420 ? YuvLayout.I420 : null;

    /// <summary>What LiveSeg asks for: the frame's size (rounded down to even, as 4:2:x needs) in <paramref name="layout"/>.</summary>
    public static V4l2Format Wanted(int frameWidth, int frameHeight, YuvLayout layout)
    {
        int w = frameWidth & ~1, h = frameHeight & ~1;
        return new V4l2Format(w, h, layout == YuvLayout.Yuyv ? Yuyv : I420, YuvPacker.BytesPerLine(layout, w), YuvPacker.FrameBytes(layout, w, h));
    }

    /// <summary>
    /// The format to write in, given what setting <paramref name="wanted"/> gave: the driver's answer when it took the
    /// request (it may adjust it, or keep the format a reader already holds), else the device's current format when a
    /// reader holds it (the set failed as busy). Either must be YUYV or YU12 at an even size, or the device cannot be
    /// used: a one-line error says why.
    /// </summary>
    public static V4l2Format Choose(string device, V4l2Format wanted, V4l2Format? afterSet, bool busy, V4l2Format current)
    {
        V4l2Format chosen = afterSet ?? (busy ? current : throw new LiveSegException($"virtual camera {device}: the device refused the format {wanted} and is not busy: is it a v4l2loopback device?"));
        if (chosen.Layout is null)
            throw new LiveSegException($"virtual camera {device}: {(afterSet is null ? "a reader holds it" : "it is set")} as {chosen}, which LiveSeg cannot write: close the other program, or reload v4l2loopback.");
        if (chosen.Width <= 0 || chosen.Height <= 0 || (chosen.Width | chosen.Height) % 2 != 0)
            throw new LiveSegException($"virtual camera {device}: its format {chosen} has an odd or empty size: reload v4l2loopback.");
        int bytes = YuvPacker.FrameBytes(chosen.Layout.Value, chosen.Width, chosen.Height);
        int line = YuvPacker.BytesPerLine(chosen.Layout.Value, chosen.Width);
        if (chosen.BytesPerLine != 0 && chosen.BytesPerLine != line)
            throw new LiveSegException($"virtual camera {device}: its format {chosen} has padded rows ({chosen.BytesPerLine} bytes a line, {line} packed), which LiveSeg does not write: reload v4l2loopback.");
        return chosen with { BytesPerLine = line, SizeImage = Math.Max(bytes, chosen.SizeImage) };
    }

    public override string ToString() => $"{FourCcText(PixelFormat)} {Width}x{Height}";
}
