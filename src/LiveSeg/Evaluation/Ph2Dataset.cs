namespace LiveSeg.Evaluation;

/// <summary>One image of a segmentation dataset: its id, image file and mask file.</summary>
public sealed record LabeledImage(string Id, string Image, string Mask, string Split);

/// <summary>
/// A dataset folder laid out as PH2 is in ../shared/datasets/ph2: images/ID.jpg (any size), masks/ID.png (0 / 255,
/// same size as the image) and split.csv ("id,split" with train / val / test).
/// </summary>
public static class Ph2Dataset
{
    private static readonly string[] s_imageExtensions = [".jpg", ".png", ".bmp", ".jpeg"];

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
        for (int n = 1; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0)
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
