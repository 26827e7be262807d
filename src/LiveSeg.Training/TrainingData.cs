using LiveSeg.Evaluation;
using OpenCvSharp;

namespace LiveSeg.Training;

/// <summary>
/// One training pair of dataset <paramref name="Dataset"/>: image BGR 8-bit, mask 8-bit 0/255, the same size. Validation
/// samples are stored already squashed to the model size (exactly what inference feeds the model); training samples
/// keep their aspect ratio (short side at most 1.5 x the model size) so that augmentation can crop and zoom.
/// </summary>
internal sealed record Sample(string Id, string Dataset, Mat Image, Mat Mask);

/// <summary>A dataset given to <c>liveseg train --data DIR[:WEIGHT]</c>: its name (folder name), folder and sampling weight.</summary>
internal sealed record DatasetSpec(string Name, string Folder, double Weight)
{
    /// <summary>Parses <c>DIR</c> or <c>DIR:WEIGHT</c> (weight &gt; 0, finite; default 1).</summary>
    public static DatasetSpec Parse(string value)
    {
        string folder = value;
        double weight = 1;
        int colon = value.LastIndexOf(':');
        if (colon > 0 && colon < value.Length - 1 && !Directory.Exists(value))
        {
            string w = value[(colon + 1)..];
            if (!double.TryParse(w, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out weight)
                || !double.IsFinite(weight) || weight <= 0 || weight > 100)
                Throw.User($"--data '{value}': the weight after ':' must be a number in (0, 100], not '{w}'.");
            folder = value[..colon];
        }
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        return new DatasetSpec(name, folder, weight);
    }
}

/// <summary>
/// Loads PH2-style dataset splits and turns samples into tensors. Training samples get <see cref="Augmenter"/>'s
/// seeded augmentation; validation samples are the whole frame squashed to size x size by area averaging, exactly the
/// inference resize policy (manifest <c>"resize": "area"</c>).
/// </summary>
internal static class TrainingData
{
    /// <summary>Loads split <paramref name="split"/> of <paramref name="folder"/>; <paramref name="squash"/>: store at size x size (validation).</summary>
    public static List<Sample> Load(string folder, string split, int size, bool squash, string? dataset = null)
    {
        dataset ??= Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)));
        var result = new List<Sample>();
        foreach (var item in Ph2Dataset.Load(folder, split))
        {
            using var image = Cv2.ImRead(item.Image, ImreadModes.Color);
            using var mask = Cv2.ImRead(item.Mask, ImreadModes.Grayscale);
            if (image.Empty() || mask.Empty())
                Throw.User($"dataset image '{item.Image}' or mask '{item.Mask}' cannot be decoded.");
            if (image.Size() != mask.Size())
                Throw.User($"dataset image '{item.Image}' and mask '{item.Mask}' differ in size.");
            Size target = squash ? new Size(size, size) : KeepAspect(image.Size(), (int)(size * 1.5));
            var img = new Mat();
            var m = new Mat();
            if (target == image.Size())
            {
                image.CopyTo(img);
                mask.CopyTo(m);
            }
            else
            {
                Cv2.Resize(image, img, target, 0, 0, InterpolationFlags.Area);
                Cv2.Resize(mask, m, target, 0, 0, InterpolationFlags.Area);
            }
            Cv2.Threshold(m, m, 127, 255, ThresholdTypes.Binary);
            result.Add(new Sample(item.Id, dataset, img, m));
        }
        return result;
    }

    /// <summary>The size with short side at most <paramref name="maxShort"/>, aspect ratio kept (never upscaled).</summary>
    private static Size KeepAspect(Size s, int maxShort)
    {
        int shortSide = Math.Min(s.Width, s.Height);
        if (shortSide <= maxShort)
            return s;
        double f = (double)maxShort / shortSide;
        return new Size(Math.Max(1, (int)Math.Round(s.Width * f)), Math.Max(1, (int)Math.Round(s.Height * f)));
    }

    /// <summary>
    /// Writes sample <paramref name="s"/> into batch position <paramref name="b"/> of the image (N,3,H,W RGB 0..1) and
    /// mask (N,1,H,W 0/1) buffers: augmented with <paramref name="augment"/> when given, else the whole frame squashed.
    /// </summary>
    public static unsafe void Fill(Sample s, Random? augment, float[] images, float[] masks, int b, int size)
    {
        Mat img, mask;
        if (augment is not null)
        {
            (img, mask) = Augmenter.Apply(s.Image, s.Mask, size, augment);
        }
        else if (s.Image.Width == size && s.Image.Height == size)
        {
            (img, mask) = (s.Image.Clone(), s.Mask.Clone());
        }
        else
        {
            (img, mask) = (new Mat(), new Mat());
            Cv2.Resize(s.Image, img, new Size(size, size), 0, 0, InterpolationFlags.Area);
            Cv2.Resize(s.Mask, mask, new Size(size, size), 0, 0, InterpolationFlags.Area);
        }
        using (img)
        using (mask)
        {
            int plane = size * size;
            int offset = b * 3 * plane;
            for (int y = 0; y < size; y++)
            {
                byte* row = (byte*)img.Ptr(y);
                byte* mrow = (byte*)mask.Ptr(y);
                for (int x = 0; x < size; x++)
                {
                    int i = y * size + x;
                    images[offset + i] = row[x * 3 + 2] / 255f;
                    images[offset + plane + i] = row[x * 3 + 1] / 255f;
                    images[offset + 2 * plane + i] = row[x * 3] / 255f;
                    masks[b * plane + i] = mrow[x] >= 128 ? 1f : 0f;
                }
            }
        }
    }

    /// <summary>A 32-bit seed from (seed, epoch, position): the augmentation of a draw does not depend on what ran before (resume gives the same draws).</summary>
    public static int Mix(int seed, int epoch, int position)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)position * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
