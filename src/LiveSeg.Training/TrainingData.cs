using LiveSeg.Evaluation;
using OpenCvSharp;

namespace LiveSeg.Training;

/// <summary>One training pair at the training size: image BGR 8-bit, mask 8-bit 0/255.</summary>
public sealed record Sample(string Id, Mat Image, Mat Mask);

/// <summary>
/// Loads a PH2-style dataset split, each image and mask resized once to size x size (images: area averaging; masks:
/// area averaging then threshold at 128), and turns samples into tensors with optional augmentation (train only):
/// random flips, rotation (any angle) and scale 0.85–1.15 about the centre (edges reflected), and colour jitter
/// (brightness, contrast, saturation ±15%).
/// </summary>
public static class TrainingData
{
    public static List<Sample> Load(string folder, string split, int size)
    {
        var result = new List<Sample>();
        foreach (var item in Ph2Dataset.Load(folder, split))
        {
            using var image = Cv2.ImRead(item.Image, ImreadModes.Color);
            using var mask = Cv2.ImRead(item.Mask, ImreadModes.Grayscale);
            if (image.Empty() || mask.Empty())
                Throw.User($"dataset image '{item.Image}' or mask '{item.Mask}' cannot be decoded.");
            var img = new Mat();
            Cv2.Resize(image, img, new Size(size, size), 0, 0, InterpolationFlags.Area);
            var m = new Mat();
            Cv2.Resize(mask, m, new Size(size, size), 0, 0, InterpolationFlags.Area);
            Cv2.Threshold(m, m, 127, 255, ThresholdTypes.Binary);
            result.Add(new Sample(item.Id, img, m));
        }
        return result;
    }

    /// <summary>Writes sample <paramref name="s"/> into batch position <paramref name="b"/> of the image (N,3,H,W RGB 0..1) and mask (N,1,H,W 0/1) buffers.</summary>
    public static unsafe void Fill(Sample s, Random? augment, float[] images, float[] masks, int b, int size)
    {
        using var img = s.Image.Clone();
        using var mask = s.Mask.Clone();
        float gain = 1, bias = 0, saturation = 1;
        if (augment is not null)
        {
            if (augment.Next(2) == 1)
            {
                Cv2.Flip(img, img, FlipMode.Y);
                Cv2.Flip(mask, mask, FlipMode.Y);
            }
            if (augment.Next(2) == 1)
            {
                Cv2.Flip(img, img, FlipMode.X);
                Cv2.Flip(mask, mask, FlipMode.X);
            }
            double angle = augment.NextDouble() * 360, scale = 0.85 + augment.NextDouble() * 0.3;
            using var rotation = Cv2.GetRotationMatrix2D(new Point2f(size / 2f, size / 2f), angle, scale);
            Cv2.WarpAffine(img, img, rotation, new Size(size, size), InterpolationFlags.Linear, BorderTypes.Reflect101);
            Cv2.WarpAffine(mask, mask, rotation, new Size(size, size), InterpolationFlags.Nearest, BorderTypes.Reflect101);
            gain = 0.85f + (float)augment.NextDouble() * 0.3f;
            bias = ((float)augment.NextDouble() - 0.5f) * 0.3f;
            saturation = 0.85f + (float)augment.NextDouble() * 0.3f;
        }
        int plane = size * size;
        int offset = b * 3 * plane;
        for (int y = 0; y < size; y++)
        {
            byte* row = (byte*)img.Ptr(y);
            byte* mrow = (byte*)mask.Ptr(y);
            for (int x = 0; x < size; x++)
            {
                float bl = row[x * 3] / 255f, gr = row[x * 3 + 1] / 255f, rd = row[x * 3 + 2] / 255f;
                float grey = 0.299f * rd + 0.587f * gr + 0.114f * bl;
                int i = y * size + x;
                images[offset + i] = Math.Clamp((grey + (rd - grey) * saturation) * gain + bias, 0f, 1f);
                images[offset + plane + i] = Math.Clamp((grey + (gr - grey) * saturation) * gain + bias, 0f, 1f);
                images[offset + 2 * plane + i] = Math.Clamp((grey + (bl - grey) * saturation) * gain + bias, 0f, 1f);
                masks[b * plane + i] = mrow[x] >= 128 ? 1f : 0f;
            }
        }
    }
}
