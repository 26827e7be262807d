using LiveSeg.Inference;

namespace LiveSeg.Models;

/// <summary>
/// Built-in model names (<c>--model body</c>) and where their files live. Models are looked up in $LIVESEG_MODELS,
/// then in the models/ folder of the LiveSeg checkout that holds the running program, then in ~/.local/share/liveseg/models.
/// </summary>
internal static class ModelCatalogue
{
    /// <summary>Catalogue names, with the file each resolves to and how a user gets it.</summary>
    public static readonly IReadOnlyDictionary<string, (string File, string HowToGet)> Entries = new Dictionary<string, (string, string)>
    {
        ["body"] = ("body.onnx", "run 'liveseg models fetch body' (downloads from the npm registry)"),
        ["body-landscape"] = ("body-landscape.onnx", "run 'liveseg models fetch body' (downloads from the npm registry)"),
        ["nevus"] = ("nevus-resunet.onnx", "models/nevus-resunet.onnx is missing from this checkout (ISIC 2017 + PH2 residual U-Net; see models/README.md)"),
        ["nevus-isic"] = ("nevus-resunet.onnx", "models/nevus-resunet.onnx is missing from this checkout (the same model as 'nevus'; see models/README.md)"),
        ["nevus-ph2"] = ("nevus-unet.onnx", "models/nevus-unet.onnx is missing from this checkout: train one with 'liveseg train --data DIR --arch unet -o models/nevus-unet.onnx'"),
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

    private static bool HasRecordedHash(string onnx)
    {
        string json = Path.ChangeExtension(onnx, ".json");
        return !File.Exists(json) || ModelManifest.Load(json).Sha256 is not null;
    }

    /// <summary>
    /// What 'models list' shows for catalogue model <paramref name="name"/>: the path it is installed at, "damaged: …"
    /// when the file there does not load with its manifest (a SHA-256 that does not match, a broken manifest), or
    /// "not installed".
    /// </summary>
    public static string Status(string name)
    {
        if (Find(name) is not { } path)
            return "not installed";
        try
        {
            ModelSpec.FromFile(path, null);
            return path;
        }
        catch (LiveSegException e)
        {
            return $"damaged: {e.Message}";
        }
    }

    /// <summary>Where catalogue model <paramref name="name"/> is installed, or null.</summary>
    public static string? Find(string name) =>
        Entries.TryGetValue(name, out var entry)
            ? SearchFolders().Select(f => Path.Combine(f, entry.File)).FirstOrDefault(File.Exists)
            : null;

    /// <summary>
    /// Resolves <c>--model</c>: a catalogue name or an .onnx path (with an optional manifest path). A body model that is
    /// missing is fetched on first use (npm), and <paramref name="log"/> says so.
    /// </summary>
    public static ModelSpec Resolve(string model, string? manifestPath, Action<string>? log = null)
    {
        if (Entries.TryGetValue(model, out var entry))
        {
            string? path = Find(model);
            bool body = model.StartsWith("body", StringComparison.Ordinal);
            if (path is null && body && log is not null)
            {
                log($"model '{model}' is not installed yet: fetching it now (once)");
                ModelFetcher.FetchBody(log);
                path = Find(model);
            }
            else if (path is not null && body && log is not null && manifestPath is null && !HasRecordedHash(path))
            {
                log($"model '{model}' was converted before SHA-256s were recorded: converting it again (once)");
                ModelFetcher.FetchBody(log);
            }
            return path is not null
                ? ModelSpec.FromFile(path, manifestPath)
                : Throw.User<ModelSpec>($"model '{model}' is not installed: {entry.HowToGet}.");
        }
        if (!model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !File.Exists(model))
            Throw.User($"unknown model '{model}': use {string.Join(", ", Entries.Keys)} or the path of an .onnx file.");
        return ModelSpec.FromFile(model, manifestPath);
    }
}
