using OpenCvSharp;

namespace LiveSeg.Training;

/// <summary>
/// Augmentation for real dermoscopy, all drawn from one seeded <see cref="Random"/> (same seed → same output):
/// <list type="bullet">
/// <item>Framing: a rotated (any angle), optionally mirrored window over the image, zoomed out as well as in
/// (side ×0.85 … ×1.2 of the whole frame 40% of the time, else ×0.6 … ×3.2 log-uniform, so a median lesion covers from ~1% to ~40% of the frame and
/// large ones up to 90%+), aspect jitter ×0.8 … ×1.25, centre moved up to 30% of the window (off-centre lesions).
/// Outside the image: mirrored skin (Reflect101, 40% of windows up to ×1.6) or a flat skin-coloured field with grain, feathered in. The window is squashed to size x size,
/// as inference squashes every frame: any input size and aspect ratio is seen the way training saw it.</item>
/// <item>Distractors (mask = background where they cover it): orange/coloured stickers, ruler bands with ticks; hairs (mask kept).</item>
/// <item>Colour and light: brightness, contrast, saturation, per-channel (white balance) gains, gamma, a linear
/// illumination gradient; dark dermatoscope vignette (circle with soft edge, black outside; mask cleared there).</item>
/// <item>Degradation: Gaussian blur, JPEG re-encoding (quality 30–90), Gaussian noise.</item>
/// </list>
/// </summary>
internal static class Augmenter
{
    public static (Mat Image, Mat Mask) Apply(Mat image, Mat mask, int size, Random r)
    {
        var (img, m) = Frame(image, mask, size, r);
        if (r.NextDouble() < 0.12)
            Sticker(img, m, size, r);
        if (r.NextDouble() < 0.10)
            Ruler(img, m, size, r);
        if (r.NextDouble() < 0.20)
            Hairs(img, size, r);
        Colour(img, m, size, r);
        if (r.NextDouble() < 0.25)
        {
            double sigma = 0.4 + r.NextDouble() * 1.2;
            Cv2.GaussianBlur(img, img, new Size(0, 0), sigma);
        }
        if (r.NextDouble() < 0.25)
        {
            Cv2.ImEncode(".jpg", img, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 30 + r.Next(61)));
            using var decoded = Cv2.ImDecode(jpeg, ImreadModes.Color);
            decoded.CopyTo(img);
        }
        return (img, m);
    }

    /// <summary>The rotated, zoomed, shifted window, squashed to size x size (image: bilinear after area pre-shrink; mask: bilinear then threshold).</summary>
    private static (Mat Image, Mat Mask) Frame(Mat image, Mat mask, int size, Random r)
    {
        double w = image.Width, h = image.Height;
        double zoom = r.NextDouble() < 0.4 ? 0.85 + r.NextDouble() * 0.35 : Math.Exp(Math.Log(0.6) + r.NextDouble() * (Math.Log(3.2) - Math.Log(0.6)));
        double aspect = Math.Exp((r.NextDouble() * 2 - 1) * Math.Log(1.25));
        double fw = w * zoom * aspect, fh = h * zoom / aspect;
        double theta = r.NextDouble() * 2 * Math.PI;
        double flip = r.Next(2) == 1 ? -1 : 1;
        double ox = (r.NextDouble() * 2 - 1) * 0.3, oy = (r.NextDouble() * 2 - 1) * 0.3;
        bool reflect = zoom < 1.6 && r.NextDouble() < 0.4;

        // Source pixels per output pixel; shrink the source first (area) when that is large, so warping does not alias.
        double footprint = Math.Max(fw, fh) / size;
        double shrink = footprint > 1.5 ? 1.0 / footprint : 1.0;
        Mat src = image, srcMask = mask;
        Mat? small = null, smallMask = null;
        if (shrink < 1)
        {
            var s = new Size(Math.Max(2, (int)Math.Round(w * shrink)), Math.Max(2, (int)Math.Round(h * shrink)));
            small = new Mat();
            smallMask = new Mat();
            Cv2.Resize(image, small, s, 0, 0, InterpolationFlags.Area);
            Cv2.Resize(mask, smallMask, s, 0, 0, InterpolationFlags.Area);
            (src, srcMask) = (small, smallMask);
        }
        double sx = src.Width / w, sy = src.Height / h;
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        // Output pixel centre (u, v) → continuous source position → source pixel index (−0.5).
        (double X, double Y) Map(double u, double v)
        {
            double nx = ((u + 0.5) / size - 0.5 + ox) * fw * flip, ny = ((v + 0.5) / size - 0.5 + oy) * fh;
            double x = w / 2 + cos * nx - sin * ny, y = h / 2 + sin * nx + cos * ny;
            return (x * sx - 0.5, y * sy - 0.5);
        }
        var o = Map(0, 0);
        var du = Map(1, 0);
        var dv = Map(0, 1);
        using var m = new Mat(2, 3, MatType.CV_64FC1);
        m.Set(0, 0, du.X - o.X);
        m.Set(0, 1, dv.X - o.X);
        m.Set(0, 2, o.X);
        m.Set(1, 0, du.Y - o.Y);
        m.Set(1, 1, dv.Y - o.Y);
        m.Set(1, 2, o.Y);

        var outImage = new Mat();
        var outMask = new Mat();
        var flags = InterpolationFlags.Linear | InterpolationFlags.WarpInverseMap;
        if (reflect)
        {
            Cv2.WarpAffine(src, outImage, m, new Size(size, size), flags, BorderTypes.Reflect101);
            Cv2.WarpAffine(srcMask, outMask, m, new Size(size, size), flags, BorderTypes.Reflect101);
        }
        else
        {
            // Flat skin-coloured field outside the image, blended in over a few pixels (no hard seam), with faint noise.
            Scalar skin = SkinColour(src, srcMask);
            Cv2.WarpAffine(src, outImage, m, new Size(size, size), flags, BorderTypes.Replicate);
            Cv2.WarpAffine(srcMask, outMask, m, new Size(size, size), flags, BorderTypes.Constant, Scalar.Black);
            using var inside = new Mat(src.Size(), MatType.CV_8UC1, Scalar.White);
            using var alpha = new Mat();
            Cv2.WarpAffine(inside, alpha, m, new Size(size, size), flags, BorderTypes.Constant, Scalar.Black);
            double feather = 1 + r.NextDouble() * size * 0.03;
            Cv2.GaussianBlur(alpha, alpha, new Size(0, 0), feather);
            using var field = new Mat(size, size, MatType.CV_8UC3, skin);
            using var grain = new Mat(size, size, MatType.CV_8UC3);
            Cv2.SetTheRNG((ulong)r.Next() + 1); // OpenCV's (per-thread) generator, seeded from ours: reproducible
            Cv2.Randn(grain, Scalar.All(0), Scalar.All(2 + r.Next(6)));
            Cv2.Add(field, grain, field);
            Blend(outImage, field, alpha);
        }
        Cv2.Threshold(outMask, outMask, 127, 255, ThresholdTypes.Binary);
        small?.Dispose();
        smallMask?.Dispose();
        return (outImage, outMask);
    }

    /// <summary>Mean colour of the skin: pixels outside the lesion and not dark (no vignette corners), else of the whole image.</summary>
    private static Scalar SkinColour(Mat image, Mat mask)
    {
        using var grey = new Mat();
        Cv2.CvtColor(image, grey, ColorConversionCodes.BGR2GRAY);
        using var skin = new Mat();
        Cv2.Threshold(grey, skin, 70, 255, ThresholdTypes.Binary);
        using var notLesion = new Mat();
        Cv2.BitwiseNot(mask, notLesion);
        Cv2.BitwiseAnd(skin, notLesion, skin);
        return Cv2.CountNonZero(skin) > 16 ? Cv2.Mean(image, skin) : Cv2.Mean(image);
    }

    /// <summary>image = image·α + field·(1 − α), α 0..255 per pixel.</summary>
    private static unsafe void Blend(Mat image, Mat field, Mat alpha)
    {
        int rows = image.Rows, cols = image.Cols;
        for (int y = 0; y < rows; y++)
        {
            byte* row = (byte*)image.Ptr(y);
            byte* f = (byte*)field.Ptr(y);
            byte* a = (byte*)alpha.Ptr(y);
            for (int x = 0; x < cols; x++)
            {
                int w = a[x];
                for (int c = 0; c < 3; c++)
                    row[x * 3 + c] = (byte)((row[x * 3 + c] * w + f[x * 3 + c] * (255 - w) + 127) / 255);
            }
        }
    }

    private static Scalar RandomColour(Random r, int lo, int hi) => new(lo + r.Next(hi - lo), lo + r.Next(hi - lo), lo + r.Next(hi - lo));

    /// <summary>A filled disc (orange mostly, like the stickers in ISIC images), with a lighter rim; the lesion mask is cleared beneath it.</summary>
    private static void Sticker(Mat img, Mat mask, int size, Random r)
    {
        var centre = new Point(r.Next(size), r.Next(size));
        int radius = (int)(size * (0.04 + r.NextDouble() * 0.1));
        Scalar colour = r.NextDouble() < 0.7
            ? new Scalar(20 + r.Next(40), 110 + r.Next(60), 210 + r.Next(45)) // BGR orange
            : RandomColour(r, 40, 250);
        Cv2.Circle(img, centre, radius, colour, -1, LineTypes.AntiAlias);
        Cv2.Circle(img, centre, Math.Max(1, radius - 2), new Scalar(Math.Min(255, colour.Val0 * 1.15), Math.Min(255, colour.Val1 * 1.15), Math.Min(255, colour.Val2 * 1.15)), 2, LineTypes.AntiAlias);
        Cv2.Circle(mask, centre, radius, Scalar.Black, -1);
    }

    /// <summary>A dark or light band along one side with tick marks (a ruler); mask cleared beneath it.</summary>
    private static void Ruler(Mat img, Mat mask, int size, Random r)
    {
        int thickness = (int)(size * (0.04 + r.NextDouble() * 0.06));
        int at = r.Next(Math.Max(1, size / 6));
        bool vertical = r.Next(2) == 1, far = r.Next(2) == 1;
        int pos = far ? size - at - thickness : at;
        bool dark = r.Next(2) == 1;
        Scalar band = dark ? RandomColour(r, 0, 60) : RandomColour(r, 190, 255);
        Scalar tick = dark ? RandomColour(r, 190, 255) : RandomColour(r, 0, 60);
        Rect rect = vertical ? new Rect(pos, 0, thickness, size) : new Rect(0, pos, size, thickness);
        img.Rectangle(rect, band, -1);
        mask.Rectangle(rect, Scalar.Black, -1);
        int step = 4 + r.Next(8);
        for (int k = 0; k < size; k += step)
        {
            int len = k / step % 5 == 0 ? thickness * 2 / 3 : thickness / 3;
            var a = vertical ? new Point(pos, k) : new Point(k, pos);
            var b = vertical ? new Point(pos + len, k) : new Point(k, pos + len);
            img.Line(a, b, tick, 1);
        }
    }

    /// <summary>1–8 thin dark curved hairs (the lesion mask is kept: annotators outline lesions under hair).</summary>
    private static void Hairs(Mat img, int size, Random r)
    {
        int n = 1 + r.Next(8);
        for (int k = 0; k < n; k++)
        {
            var pts = new Point[6];
            double x = r.Next(size), y = r.Next(size), angle = r.NextDouble() * 2 * Math.PI, len = size * (0.05 + r.NextDouble() * 0.08);
            for (int i = 0; i < pts.Length; i++)
            {
                pts[i] = new Point((int)x, (int)y);
                angle += (r.NextDouble() - 0.5) * 0.6;
                x += Math.Cos(angle) * len;
                y += Math.Sin(angle) * len;
            }
            int grey = r.Next(70);
            Cv2.Polylines(img, [pts], false, new Scalar(grey, grey, grey + r.Next(20)), 1 + r.Next(2), LineTypes.AntiAlias);
        }
    }

    /// <summary>Colour, illumination, vignette and noise in one pass over the pixels (in place, 8-bit BGR).</summary>
    private static unsafe void Colour(Mat img, Mat mask, int size, Random r)
    {
        float gain = 0.7f + (float)r.NextDouble() * 0.6f;
        float contrast = 0.7f + (float)r.NextDouble() * 0.6f;
        float saturation = 0.6f + (float)r.NextDouble() * 0.8f;
        float gB = 0.88f + (float)r.NextDouble() * 0.24f, gG = 0.88f + (float)r.NextDouble() * 0.24f, gR = 0.88f + (float)r.NextDouble() * 0.24f;
        float gamma = (float)Math.Exp((r.NextDouble() * 2 - 1) * Math.Log(1.4));
        bool gradient = r.NextDouble() < 0.3;
        float gradStrength = gradient ? (float)(r.NextDouble() * 0.5) : 0, phi = (float)(r.NextDouble() * 2 * Math.PI);
        float gx = MathF.Cos(phi) * gradStrength / size, gy = MathF.Sin(phi) * gradStrength / size;
        bool vignette = r.NextDouble() < 0.3;
        float vr = size * (0.45f + (float)r.NextDouble() * 0.3f), vEdge = 1 + (float)r.NextDouble() * size * 0.04f;
        float vx = size * (0.5f + ((float)r.NextDouble() - 0.5f) * 0.15f), vy = size * (0.5f + ((float)r.NextDouble() - 0.5f) * 0.15f);
        float vFloor = (float)r.NextDouble() * 0.12f;
        float noise = r.NextDouble() < 0.2 ? 0.005f + (float)r.NextDouble() * 0.03f : 0;

        var lut = new float[256];
        for (int i = 0; i < 256; i++)
            lut[i] = MathF.Pow(i / 255f, gamma);
        Scalar avg = Cv2.Mean(img);
        float mean = (float)(avg.Val0 + avg.Val1 + avg.Val2) / (3 * 255f);
        mean = MathF.Pow(Math.Clamp(mean, 1e-3f, 1), gamma);
        for (int y = 0; y < size; y++)
        {
            byte* row = (byte*)img.Ptr(y);
            byte* mrow = (byte*)mask.Ptr(y);
            for (int x = 0; x < size; x++)
            {
                float b = lut[row[x * 3]] * gB, g = lut[row[x * 3 + 1]] * gG, rd = lut[row[x * 3 + 2]] * gR;
                float grey = 0.299f * rd + 0.587f * g + 0.114f * b;
                b = grey + (b - grey) * saturation;
                g = grey + (g - grey) * saturation;
                rd = grey + (rd - grey) * saturation;
                float light = gain * (1 + gx * (x - size / 2f) + gy * (y - size / 2f));
                if (vignette)
                {
                    float d = MathF.Sqrt((x - vx) * (x - vx) + (y - vy) * (y - vy));
                    float t = Math.Clamp((d - vr) / vEdge, 0, 1); // 0 inside, 1 outside
                    light *= 1 - t * (1 - vFloor);
                    if (t > 0.5f)
                        mrow[x] = 0;
                }
                float nb = noise > 0 ? Gaussian(r) * noise : 0;
                row[x * 3] = ToByte(((b - mean) * contrast + mean) * light + nb);
                row[x * 3 + 1] = ToByte(((g - mean) * contrast + mean) * light + nb);
                row[x * 3 + 2] = ToByte(((rd - mean) * contrast + mean) * light + nb);
            }
        }
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)(v * 255f + 0.5f), 0, 255);

    private static float Gaussian(Random r) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));
}
