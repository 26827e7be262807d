namespace LiveSeg.Evaluation;

/// <summary>One image of a segmentation dataset: its id, image file and mask file.</summary>
internal sealed record LabeledImage(string Id, string Image, string Mask, string Split);

/// <summary>
/// A dataset folder laid out as PH2 is in ../shared/datasets/ph2: images/ID.jpg (any size), masks/ID.png (0 / 255,
/// same size as the image) and split.csv ("id,split" with train / val / test).
/// </summary>
internal static class Ph2Dataset
{
    private static readonly string[] s_imageExtensions = [".jpg", ".png", ".bmp", ".jpeg"];

    /// <summary>
    /// The first line of split.csv is a header ("id,split") unless it names an image: a file written without a header
    /// loses no row.
    /// </summary>
    private static bool IsHeader(string line, string images)
    {
        string id = line.Split(',')[0].Trim();
        return id.Equals("id", StringComparison.OrdinalIgnoreCase) || !s_imageExtensions.Any(e => File.Exists(Path.Combine(images, id + e)));
    }

    /// <summary>
    /// Reads a true mask as 0 / 255. A mask stored as 0 / 1 (a common export) is scaled to 0 / 255 and the return
    /// value says so, so it is not silently read as all background.
    /// </summary>
    public static OpenCvSharp.Mat ReadMask(string path, out bool wasZeroOne)
    {
        var mask = IO.ImageFiles.TryRead(path, OpenCvSharp.ImreadModes.Grayscale, out _) ?? new OpenCvSharp.Mat();
        wasZeroOne = false;
        if (!mask.Empty())
        {
            OpenCvSharp.Cv2.MinMaxLoc(mask, out double _, out double max);
            if (max == 1)
            {
                OpenCvSharp.Cv2.Threshold(mask, mask, 0, 255, OpenCvSharp.ThresholdTypes.Binary);
                wasZeroOne = true;
            }
        }
        return mask;
    }

    public static IReadOnlyList<LabeledImage> Load(string folder, string? split)
    {
        if (!Directory.Exists(folder))
            Throw.User($"dataset folder '{folder}' does not exist: give a folder with images/, masks/ and split.csv.");
        string splitCsv = Path.Combine(folder, "split.csv");
        Throw.IfFileUnreadable(splitCsv, "dataset split file");
        string images = Path.Combine(folder, "images"), masks = Path.Combine(folder, "masks");
        if (!Directory.Exists(images) || !Directory.Exists(masks))
            Throw.User($"dataset folder '{folder}' needs images/ and masks/ subfolders.");
        var result = new List<LabeledImage>();
        string[] lines = File.ReadAllLines(splitCsv);
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0 || (n == 0 && IsHeader(line, images)))
                continue;
            string[] cells = line.Split(',');
            if (cells.Length < 2)
                Throw.User($"'{splitCsv}' line {n + 1} is not 'id,split': '{line}'.");
            string id = cells[0].Trim(), set = cells[1].Trim();
            if (split is not null && !set.Equals(split, StringComparison.OrdinalIgnoreCase))
                continue;
            string? image = s_imageExtensions.Select(e => Path.Combine(images, id + e)).FirstOrDefault(File.Exists);
            string mask = Path.Combine(masks, id + ".png");
            if (image is null || !File.Exists(mask))
                Throw.User($"dataset '{folder}': '{id}' from split.csv has no image in images/ or no mask masks/{id}.png.");
            result.Add(new LabeledImage(id, image, mask, set));
        }
        if (result.Count == 0)
            Throw.User($"dataset '{folder}' has no images{(split is null ? "" : $" in split '{split}'")}: check split.csv (train, val, test).");
        return result;
    }
}
