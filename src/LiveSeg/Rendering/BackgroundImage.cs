using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>Background images for the replace effect, prepared once at the frame size.</summary>
internal static class BackgroundImage
{
    /// <summary>Loads an image and scales it to cover width x height (keeps aspect, crops the overflow, centred). BGR.</summary>
    public static Mat LoadCover(string path, int width, int height)
    {
        Throw.IfFileUnreadable(path, "background image");
        using Mat image = IO.ImageFiles.TryRead(path, ImreadModes.Color, out string why)
            ?? Throw.User<Mat>($"background image '{path}' cannot be used ({why}): use a PNG, JPEG, BMP or WebP file.");
        return Cover(image, width, height);
    }

    /// <summary>Scales <paramref name="image"/> to cover width x height, cropping the centre. Returns a new BGR Mat.</summary>
    public static Mat Cover(Mat image, int width, int height)
    {
        double scale = Math.Max((double)width / image.Width, (double)height / image.Height);
        int w = Math.Max(width, (int)Math.Ceiling(image.Width * scale));
        int h = Math.Max(height, (int)Math.Ceiling(image.Height * scale));
        using var scaled = new Mat();
        Cv2.Resize(image, scaled, new Size(w, h), 0, 0, scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Linear);
        using var crop = new Mat(scaled, new Rect((w - width) / 2, (h - height) / 2, width, height));
        return crop.Clone();
    }

    /// <summary>The default background when none is given: a soft vertical gradient (slate blue to dark teal).</summary>
    public static unsafe Mat DefaultGradient(int width, int height)
    {
        var mat = new Mat(height, width, MatType.CV_8UC3);
        for (int y = 0; y < height; y++)
        {
            float t = height == 1 ? 0 : (float)y / (height - 1);
            byte b = (byte)(140 - 60 * t), g = (byte)(110 - 30 * t), r = (byte)(70 - 40 * t);
            byte* row = (byte*)mat.Ptr(y);
            for (int x = 0; x < width; x++)
            {
                row[x * 3] = b;
                row[x * 3 + 1] = g;
                row[x * 3 + 2] = r;
            }
        }
        return mat;
    }
}
