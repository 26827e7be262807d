using LiveSeg.Inference;

namespace LiveSeg.Models;

/// <summary>
/// Built-in model names (<c>--model body</c>) and where their files live. Models are looked up in $LIVESEG_MODELS,
/// then in the models/ folder of the LiveSeg checkout that holds the running program, then in ~/.local/share/liveseg/models.
/// </summary>
public static class ModelCatalogue
{
    /// <summary>Catalogue names, with the file each resolves to and how a user gets it.</summary>
    public static readonly IReadOnlyDictionary<string, (string File, string HowToGet)> Entries = new Dictionary<string, (string, string)>
    {
        ["body"] = ("body.onnx", "the body model (MediaPipe selfie segmentation) is not in this build yet: pass an ONNX person model with --model FILE.onnx --manifest FILE.json (see README, 'Model manifests')"),
        ["body-landscape"] = ("body-landscape.onnx", "the landscape body model is not in this build yet: pass an ONNX person model with --model FILE.onnx --manifest FILE.json"),
        ["nevus"] = ("nevus.onnx", "the nevus model is not in this build yet: train one with 'liveseg train' when it lands, or pass --model FILE.onnx --manifest FILE.json"),
    };

    /// <summary>Folders searched for catalogue models, in order.</summary>
    public static IEnumerable<string> SearchFolders()
    {
        string? env = Environment.GetEnvironmentVariable("LIVESEG_MODELS");
        if (!string.IsNullOrEmpty(env))
            yield return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LiveSeg.sln")))
            {
                yield return Path.Combine(dir.FullName, "models");
                break;
            }
        }
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "liveseg", "models");
    }

    /// <summary>Resolves <c>--model</c>: a catalogue name or an .onnx path (with an optional manifest path).</summary>
    public static ModelSpec Resolve(string model, string? manifestPath)
    {
        if (Entries.TryGetValue(model, out var entry))
        {
            foreach (string folder in SearchFolders())
            {
                string path = Path.Combine(folder, entry.File);
                if (File.Exists(path))
                    return ModelSpec.FromFile(path, manifestPath);
            }
            Throw.User($"model '{model}' is not installed: {entry.HowToGet}.");
        }
        if (!model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !File.Exists(model))
            Throw.User($"unknown model '{model}': use {string.Join(", ", Entries.Keys)} or the path of an .onnx file.");
        return ModelSpec.FromFile(model, manifestPath);
    }
}
