using LiveSeg.Capture;
using LiveSeg.Media;

namespace LiveSeg.Batch;

/// <summary>One input of a batch and where its result goes.</summary>
/// <param name="Path">The input as found (a file path).</param>
/// <param name="Name">Its path under the inputs' common folder ("day1/a.mp4"): the output mirrors it.</param>
/// <param name="Output">The output: OUTDIR/Name with the batch's extension (a still image: OUTDIR/Name without extension, the stem of NAME-mask.png and NAME-overlay.png).</param>
/// <param name="IsImage">A still image (.jpg, .png, …): segmented as <c>liveseg image</c> does.</param>
/// <param name="Frames">Frames the container claims (a still image: 1; 0 when it cannot be probed).</param>
internal sealed record BatchInput(string Path, string Name, string Output, bool IsImage, int Frames);

/// <summary>A share of the work: a whole input, or one chunk of a long one.</summary>
/// <param name="Input">The input.</param>
/// <param name="Chunk">The chunk's number, 0-based (0 for a whole input).</param>
/// <param name="Chunks">How many chunks the input is cut into (1: it is processed whole).</param>
/// <param name="Range">The chunk's frames (the last chunk runs to the end).</param>
internal sealed record WorkItem(BatchInput Input, int Chunk, int Chunks, FrameRange Range)
{
    public bool IsChunk => Chunks > 1;

    /// <summary>Frames, as the weight that balances shards (at least 1, so an unprobed input still counts).</summary>
    public long Weight => Math.Max(1, Range.Count ?? Math.Max(1, Input.Frames - Range.Start));

    /// <summary>Where a chunk is written before the join: OUTDIR/.liveseg-parts/NAME.part-K-of-M.mkv.</summary>
    public string PartPath(string outDir) =>
        System.IO.Path.Combine(outDir, BatchPlan.PartsFolder, $"{Input.Name}.part-{Chunk + 1}-of-{Chunks}.mkv");

    /// <summary>"a.mp4" or "long.mp4 chunk 2/3 (frames 80..160)".</summary>
    public string Label => IsChunk ? $"{Input.Name} chunk {Chunk + 1}/{Chunks} (frames {Range})" : Input.Name;
}

/// <summary>
/// What a batch is: its inputs in a fixed order (sorted by their mirrored name), their output paths, and the work items
/// (long inputs cut into chunks). Every shard and the join build the same plan from the same list and options.
/// </summary>
internal sealed class BatchPlan
{
    /// <summary>Under OUTDIR: the chunks of long inputs until the join puts them together.</summary>
    public const string PartsFolder = ".liveseg-parts";

    /// <summary>The extensions taken as still images.</summary>
    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"];

    /// <summary>The extensions a folder is searched for as videos.</summary>
    public static readonly string[] VideoExtensions = [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".wmv", ".flv", ".3gp"];

    private BatchPlan(string outDir, string extension, IReadOnlyList<BatchInput> inputs, IReadOnlyList<WorkItem> items)
    {
        OutDir = outDir;
        Extension = extension;
        Inputs = inputs;
        Items = items;
    }

    public string OutDir { get; }

    /// <summary>The videos' output extension (.mp4).</summary>
    public string Extension { get; }

    public IReadOnlyList<BatchInput> Inputs { get; }

    public IReadOnlyList<WorkItem> Items { get; }

    /// <summary>
    /// The plan for <paramref name="paths"/> (files and folders; a folder gives every video and image under it) written
    /// to <paramref name="outDir"/> with extension <paramref name="extension"/>; inputs longer than
    /// <paramref name="chunkFrames"/> (0: never) are cut into chunks of that many frames. Errors (a missing input, two
    /// inputs with one output, an output folder that is an input) are one-line user errors, before any work.
    /// </summary>
    public static BatchPlan Build(IEnumerable<string> paths, string outDir, string extension, int chunkFrames, Func<string, int>? countFrames = null)
    {
        var files = Expand(paths);
        if (files.Count == 0)
            Throw.User("the batch has no inputs: give video or image files, folders holding them, or --list FILE.");
        string root = CommonFolder(files);
        var inputs = new List<BatchInput>();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            string name = System.IO.Path.GetRelativePath(root, file);
            bool image = ImageExtensions.Contains(System.IO.Path.GetExtension(file).ToLowerInvariant());
            string output = System.IO.Path.Combine(outDir, image ? System.IO.Path.ChangeExtension(name, null) : System.IO.Path.ChangeExtension(name, extension));
            string full = System.IO.Path.GetFullPath(output);
            if (owners.TryGetValue(full, out string? other))
                Throw.User($"inputs '{other}' and '{file}' would both write '{output}': rename one, or run them as separate batches with different -o folders.");
            owners[full] = file;
            inputs.Add(new BatchInput(file, name, output, image, image ? 1 : (countFrames ?? CountFrames)(file)));
        }
        inputs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var items = new List<WorkItem>();
        foreach (var input in inputs)
        {
            int chunks = !input.IsImage && chunkFrames > 0 && input.Frames > chunkFrames ? (input.Frames + chunkFrames - 1) / chunkFrames : 1;
            for (int k = 0; k < chunks; k++)
                items.Add(new WorkItem(input, k, chunks, chunks == 1 ? FrameRange.All : new FrameRange(k * chunkFrames, k == chunks - 1 ? int.MaxValue : (k + 1) * chunkFrames)));
        }
        return new BatchPlan(outDir, extension, inputs, items);
    }

    /// <summary>
    /// The inputs a list file names: one path a line (relative paths from the list file's folder); blank lines and lines
    /// starting with # are skipped. A path that does not exist is an error naming the line.
    /// </summary>
    public static List<string> ReadList(string listFile)
    {
        Throw.IfFileUnreadable(listFile, "input list");
        if (new FileInfo(listFile).Length > 64L << 20)
            Throw.User($"input list '{listFile}' is over 64 MiB: give a text file with one input path a line.");
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(listFile))!;
        var paths = new List<string>();
        int number = 0;
        foreach (string raw in File.ReadLines(listFile))
        {
            number++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            string path = System.IO.Path.IsPathRooted(line) ? line : System.IO.Path.Combine(folder, line);
            if (!File.Exists(path) && !Directory.Exists(path))
                Throw.User($"input list '{listFile}' line {number}: '{line}' does not exist: fix or remove that line (relative paths start at the list's folder).");
            paths.Add(path);
        }
        return paths;
    }

    /// <summary>Files as given, folders searched (recursively) for videos and images; each file once, in full-path form.</summary>
    private static List<string> Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string p in paths)
        {
            if (Directory.Exists(p))
            {
                var found = Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories)
                    .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
                    .Where(f => VideoExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()) || ImageExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    Throw.User($"input folder '{p}' holds no videos or images ({string.Join(", ", VideoExtensions.Take(6))}, .jpg, .png, …).");
                foreach (string f in found)
                    if (seen.Add(System.IO.Path.GetFullPath(f)))
                        files.Add(System.IO.Path.GetFullPath(f));
            }
            else
            {
                if (!File.Exists(p))
                    Throw.User($"input '{p}' does not exist: check the path (a list file is given with --list FILE).");
                if (seen.Add(System.IO.Path.GetFullPath(p)))
                    files.Add(System.IO.Path.GetFullPath(p));
            }
        }
        return files;
    }

    /// <summary>The deepest folder holding every file.</summary>
    private static string CommonFolder(IReadOnlyList<string> files)
    {
        string[] common = System.IO.Path.GetDirectoryName(files[0])!.Split(System.IO.Path.DirectorySeparatorChar);
        int length = common.Length;
        foreach (string f in files.Skip(1))
        {
            string[] parts = System.IO.Path.GetDirectoryName(f)!.Split(System.IO.Path.DirectorySeparatorChar);
            int i = 0;
            while (i < Math.Min(length, parts.Length) && parts[i] == common[i])
                i++;
            length = i;
        }
        string folder = string.Join(System.IO.Path.DirectorySeparatorChar, common.Take(length));
        return folder.Length == 0 ? System.IO.Path.DirectorySeparatorChar.ToString() : folder;
    }

    /// <summary>
    /// The input's frame count: the container's own count where it keeps one (MP4, AVI), else its packets counted by
    /// ffprobe (reads the file, decodes nothing); 0 when it cannot be read (the input then fails when processed).
    /// </summary>
    public static int CountFrames(string path)
    {
        if (FfmpegTool.Ffprobe is not { } ffprobe || TextSniffOrUnreadable(path))
            return 0;
        var r = FfmpegTool.Run(ffprobe, ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=nb_frames", "-of", "csv=p=0", "--", path], TimeSpan.FromSeconds(30));
        if (r.ExitCode == 0 && int.TryParse(r.Output.Trim().Split('\n')[0].Trim(','), out int n) && n > 0)
            return n;
        r = FfmpegTool.Run(ffprobe, ["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", "--", path], TimeSpan.FromMinutes(5));
        return r.ExitCode == 0 && int.TryParse(r.Output.Trim().Split('\n')[0].Trim(','), out n) ? n : 0;
    }

    private static bool TextSniffOrUnreadable(string path)
    {
        try
        {
            return TextSniff.LooksLikeText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiveSegException)
        {
            return true;
        }
    }
}
