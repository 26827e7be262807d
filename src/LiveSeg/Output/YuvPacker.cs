using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>The YUV layouts a virtual camera takes: packed 4:2:2 (V4L2 YUYV) or planar 4:2:0 (V4L2 YU12, I420).</summary>
internal enum YuvLayout
{
    Yuyv,
    I420,
}

/// <summary>
/// BGR → YUV for the virtual camera: BT.601 limited range (Y 16–235, U/V 16–240, what webcams send and readers
/// assume), 16-bit fixed point rounded to nearest. Chroma is taken from the mean colour of the 2 (YUYV) or 2x2 (I420)
/// pixels it covers. Width and height must be even.
/// </summary>
internal static class YuvPacker
{
    // BT.601 limited-range coefficients x 65536: Y = 16 + 0.256788 R + 0.504129 G + 0.097906 B, and so on.
    private const int YR = 16829, YG = 33039, YB = 6416;
    private const int UR = -9714, UG = -19070, UB = 28784;
    private const int VR = 28784, VG = -24103, VB = -4681;

    /// <summary>Bytes of one frame in <paramref name="layout"/>.</summary>
    public static int FrameBytes(YuvLayout layout, int width, int height) =>
        layout == YuvLayout.Yuyv ? width * height * 2 : width * height * 3 / 2;

    /// <summary>Bytes per line of the (first) plane.</summary>
    public static int BytesPerLine(YuvLayout layout, int width) => layout == YuvLayout.Yuyv ? width * 2 : width;

    public static unsafe void Pack(Mat bgr, YuvLayout layout, Span<byte> destination)
    {
        int w = bgr.Width, h = bgr.Height;
        if (bgr.Type() != MatType.CV_8UC3 || (w | h) % 2 != 0)
            throw new ArgumentException($"need an even-sized 8-bit BGR image, got {w}x{h} {bgr.Type()}", nameof(bgr));
        if (destination.Length < FrameBytes(layout, w, h))
            throw new ArgumentException($"the destination holds {destination.Length} bytes, {FrameBytes(layout, w, h)} needed", nameof(destination));
        if (layout == YuvLayout.Yuyv)
            PackYuyv(bgr, w, h, destination);
        else
            PackI420(bgr, w, h, destination);
    }

    private static byte Luma(int b, int g, int r) => (byte)(((YR * r + YG * g + YB * b + 32768) >> 16) + 16);

    /// <summary>Chroma from the sum of <paramref name="count"/> (2 or 4) pixels' channels.</summary>
    private static byte ChromaU(int sb, int sg, int sr, int shift) => (byte)(((UR * sr + UG * sg + UB * sb + (1 << (shift - 1))) >> shift) + 128);

    private static byte ChromaV(int sb, int sg, int sr, int shift) => (byte)(((VR * sr + VG * sg + VB * sb + (1 << (shift - 1))) >> shift) + 128);

    private static unsafe void PackYuyv(Mat bgr, int w, int h, Span<byte> destination)
    {
        for (int y = 0; y < h; y++)
        {
            byte* row = (byte*)bgr.Ptr(y);
            Span<byte> line = destination.Slice(y * w * 2, w * 2);
            for (int x = 0; x < w; x += 2)
            {
                byte* p = row + x * 3;
                int b0 = p[0], g0 = p[1], r0 = p[2], b1 = p[3], g1 = p[4], r1 = p[5];
                int o = x * 2;
                line[o] = Luma(b0, g0, r0);
                line[o + 1] = ChromaU(b0 + b1, g0 + g1, r0 + r1, 17);
                line[o + 2] = Luma(b1, g1, r1);
                line[o + 3] = ChromaV(b0 + b1, g0 + g1, r0 + r1, 17);
            }
        }
    }

    private static unsafe void PackI420(Mat bgr, int w, int h, Span<byte> destination)
    {
        int cw = w / 2, ch = h / 2;
        Span<byte> yPlane = destination[..(w * h)];
        Span<byte> uPlane = destination.Slice(w * h, cw * ch);
        Span<byte> vPlane = destination.Slice(w * h + cw * ch, cw * ch);
        for (int y = 0; y < h; y += 2)
        {
            byte* top = (byte*)bgr.Ptr(y), bottom = (byte*)bgr.Ptr(y + 1);
            for (int x = 0; x < w; x += 2)
            {
                byte* a = top + x * 3, b = bottom + x * 3;
                yPlane[y * w + x] = Luma(a[0], a[1], a[2]);
                yPlane[y * w + x + 1] = Luma(a[3], a[4], a[5]);
                yPlane[(y + 1) * w + x] = Luma(b[0], b[1], b[2]);
                yPlane[(y + 1) * w + x + 1] = Luma(b[3], b[4], b[5]);
                int sb = a[0] + a[3] + b[0] + b[3], sg = a[1] + a[4] + b[1] + b[4], sr = a[2] + a[5] + b[2] + b[5];
                int c = (y / 2) * cw + x / 2;
                uPlane[c] = ChromaU(sb, sg, sr, 18);
                vPlane[c] = ChromaV(sb, sg, sr, 18);
            }
        }
    }
}
