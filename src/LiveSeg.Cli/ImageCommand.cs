using System.CommandLine;
using System.Globalization;
using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg.Cli;

/// <summary><c>liveseg image</c>: still images and folders → overlay with outline, mask PNG, area.</summary>
internal static class ImageCommand
{
    private static readonly Argument<string[]> s_inputs = new("IMAGE|DIR")
    {
        Description = "image files, or folders: every .jpg/.jpeg/.png/.bmp/.tif/.webp in them",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> s_output = new("--output", "-o")
    {
        Description = "output folder (created if missing; may not be an input folder)",
        HelpName = "OUTDIR",
        Required = true,
    };

    private static readonly Option<string> s_refine = RefineOption.Create();

    private static readonly ModelOptions s_model = Commands.StillImageModel;

    private static readonly DeviceOptions s_device = Commands.Shared.Device;

    private static readonly string[] s_extensions = [".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"];

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "still images: overlay with outline, mask PNG, area";

    public static Command Build()
    {
        var command = new Command("image", Summary) { s_inputs, s_output };
        s_model.AddTo(command);
        s_device.AddTo(command, threads: false);
        command.Add(s_refine);
        command.SetAction(Run);
        return Commands.Note(command, """
            For each NAME writes OUTDIR/NAME-overlay.png (the outline of the mask, area in the caption) and
            OUTDIR/NAME-mask.png (0/255), and prints the area in pixels and percent. Where two inputs share a name
            (a.jpg, a.png) the extension stays in it (a.jpg-mask.png). A file that is not a readable image is reported
            and skipped; the rest go on.
            """);
    }

    private static int Run(ParseResult cl)
    {
        string[] positionals = cl.GetValue(s_inputs)!;
        // The images are a list of any length, so the parser hands an option it does not know over as an image.
        if (positionals.FirstOrDefault(p => p.StartsWith('-') && !File.Exists(p) && !Directory.Exists(p)) is { } unknown)
            Throw.User($"unknown option '{unknown}': see 'liveseg image --help' (an image whose name starts with '-' can be given as ./{unknown}).");
        string output = cl.GetValue(s_output)!;
        var folders = positionals.Where(Directory.Exists).Select(f => new InputFile(f, "input folder")).ToList();
        OutputCheck.Folder(output, "output folder", folders);
        var files = new List<string>();
        foreach (string p in positionals)
        {
            if (Directory.Exists(p))
                files.AddRange(Directory.GetFiles(p).Where(f => s_extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal));
            else
                files.Add(p);
        }
        if (files.Count == 0)
            throw new LiveSegException($"no images found in {string.Join(", ", positionals)}: give image files or folders holding .jpg/.png/.bmp files.");
        var names = OutputNames(files);
        var inputs = files.Select(f => new InputFile(f, "input image")).ToList();
        Directory.CreateDirectory(output);
        foreach (string name in names.Values.Distinct())
        {
            OutputCheck.File(Path.Combine(output, name + "-overlay.png"), "overlay", inputs);
            OutputCheck.File(Path.Combine(output, name + "-mask.png"), "mask", inputs);
        }
        var spec = s_model.Resolve(cl);
        using var segmenter = new OnnxSegmenter(spec, s_device.Read(cl));
        var images = new ImageSegmenter(segmenter, Effects.EffectSettings.ParseRefine(cl.GetValue(s_refine)!));
        int done = 0, skipped = 0;
        foreach (string file in names.Keys)
        {
            using var image = ImageFiles.TryRead(file, ImreadModes.Color, out string why);
            if (image is null)
            {
                // One input: its failure is the run's error. In a batch the file is reported and skipped.
                if (names.Count == 1)
                    throw new LiveSegException($"input image '{file}': {why}.");
                Console.Error.WriteLine($"liveseg: skipped '{file}': {why}");
                skipped++;
                continue;
            }
            string name = names[file];
            var (area, percent, ms) = images.WriteOutputs(image, Path.Combine(output, name), name);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-20} area {area,9} px  {percent,5:F1}%  ({image.Width}x{image.Height}, {ms:F1} ms)"));
            done++;
        }
        Console.WriteLine($"{done} image(s) → {output}{(skipped > 0 ? $"; {skipped} skipped" : "")}");
        return done == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
    }

    /// <summary>
    /// The output base name of each input (in order, the same file given twice counted once): the file name without
    /// extension, or with it where two inputs share a base name (a.jpg and a.png → a.jpg-mask.png, a.png-mask.png).
    /// Two inputs with the very same file name in different folders cannot both be written: that is an error.
    /// </summary>
    public static Dictionary<string, string> OutputNames(IEnumerable<string> files)
    {
        var unique = new List<string>();
        var seen = new HashSet<FileIdentity>();
        foreach (string f in files)
        {
            if (FileIdentity.Of(f) is not { } id || seen.Add(id))
                unique.Add(f);
        }
        var stems = unique.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in unique)
        {
            string stem = Path.GetFileNameWithoutExtension(f);
            string name = stems[stem] > 1 ? Path.GetFileName(f) : stem;
            if (owner.TryGetValue(name, out string? other))
                Throw.User($"'{other}' and '{f}' would both write {name}-mask.png: give them in separate runs (with different -o folders) or rename one.");
            owner[name] = f;
            names[f] = name;
        }
        return names;
    }
}
