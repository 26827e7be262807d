using LiveSeg.Models;

namespace LiveSeg.Cli;

/// <summary><c>liveseg models list|synth</c>.</summary>
public static class ModelsCommand
{
    public const string Help = """
        liveseg models list                      built-in model names, whether each is installed, and the search folders
        liveseg models synth NAME -o FILE.onnx   write a project-built test model and its manifest (FILE.json):
                                                 colorkey (128x128 → 64x64: red = foreground) or
                                                 convnet  (256x256 → 64x64: colour key + a small conv encoder)
        """;

    public static int Run(string[] args)
    {
        var cl = new CommandLine("models", args, new Dictionary<string, bool>
        {
            ["-o"] = true, ["--output"] = true, ["-h"] = false, ["--help"] = false, ["-v"] = false, ["--verbose"] = false,
        });
        if (cl.Has("--help") || cl.Positionals.Count == 0)
        {
            Console.WriteLine(Help);
            return cl.Has("--help") ? ExitCodes.Ok : ExitCodes.BadInput;
        }
        switch (cl.Positionals[0])
        {
            case "list":
                string[] folders = ModelCatalogue.SearchFolders().ToArray();
                foreach (var (name, entry) in ModelCatalogue.Entries)
                {
                    string? found = folders.Select(f => Path.Combine(f, entry.File)).FirstOrDefault(File.Exists);
                    Console.WriteLine($"{name,-16} {(found is null ? "not installed" : found)}");
                }
                Console.WriteLine($"search folders: {string.Join(", ", folders)}");
                return ExitCodes.Ok;
            case "synth":
                if (cl.Positionals.Count != 2)
                    throw cl.Error($"'models synth' needs one NAME ({string.Join(", ", SyntheticModels.Names)})");
                string output = cl.Get("--output") ?? throw cl.Error("missing -o FILE.onnx");
                if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                    throw cl.Error($"output '{output}' must end in .onnx");
                Throw.IfOutputFolderUnwritable(output, "model output");
                SyntheticModels.Write(cl.Positionals[1], output);
                Console.WriteLine($"wrote {output} and {Path.ChangeExtension(output, ".json")}");
                return ExitCodes.Ok;
            default:
                throw cl.Error($"unknown 'models' action '{cl.Positionals[0]}': use list or synth");
        }
    }
}
