namespace LiveSeg.Inference;

/// <summary>An ONNX model file with its manifest.</summary>
internal sealed record ModelSpec(string OnnxPath, ModelManifest Manifest, string? ManifestPath = null)
{
    /// <summary>
    /// Loads a model from a file: the manifest is <paramref name="manifestPath"/> or, when that is null, the .json file
    /// beside the model with the same base name.
    /// </summary>
    public static ModelSpec FromFile(string onnxPath, string? manifestPath)
    {
        Throw.IfFileUnreadable(onnxPath, "model");
        if (!onnxPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            Throw.User($"model '{onnxPath}' is not an .onnx file: give an ONNX model (convert TFLite with 'liveseg models import').");
        string? explicitManifest = manifestPath;
        manifestPath ??= Path.ChangeExtension(onnxPath, ".json");
        if (explicitManifest is not null)
            Throw.IfFileUnreadable(manifestPath, "model manifest");
        else if (!File.Exists(manifestPath))
            Throw.User($"model '{onnxPath}' has no manifest: pass --manifest FILE.json or put '{Path.GetFileName(manifestPath)}' beside it (see docs/cli.md, 'Model manifests').");
        var manifest = ModelManifest.Load(manifestPath);
        if (manifest.Sha256 is { } expected)
        {
            string actual = ModelManifest.HashFile(onnxPath);
            if (!actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
                Throw.User($"model '{onnxPath}' does not match the SHA-256 recorded in its manifest '{manifestPath}' (it was changed or damaged): {manifest.Repair ?? "replace the model file"}.");
        }
        return new ModelSpec(onnxPath, manifest, manifestPath);
    }
}
