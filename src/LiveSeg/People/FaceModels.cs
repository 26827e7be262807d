using System.Text.Json;
using LiveSeg.Models;

namespace LiveSeg.People;

/// <summary>
/// What a face detector model is: input side, anchor layout and decoding constants, as MediaPipe's graphs set them
/// (modules/face_detection/face_detection_short_range.pbtxt and face_detection_full_range.pbtxt:
/// SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppressionCalculator).
/// </summary>
/// <param name="Strides">feature-map strides of the anchor layers (layers of equal stride share one grid)</param>
/// <param name="InterpolatedAspect">1: each layer adds an interpolated-scale anchor per cell; 0: none</param>
/// <param name="MinScore">score threshold after the sigmoid</param>
internal sealed record FaceModelSpec(string Name, string Tflite, string Sha256, int Side, int[] Strides, float InterpolatedAspect,
    float MinScore, float NmsIoU = 0.3f)
{
    public int AnchorCount => SsdAnchors.Count(Side, Strides, InterpolatedAspect);
}

/// <summary>
/// The face detectors: MediaPipe face detection (Apache-2.0) from the npm package @mediapipe/face_detection (pinned),
/// converted by LiveSeg's TFLite importer and fetched like the body models (<c>liveseg models fetch face</c>).
/// </summary>
internal static class FaceModels
{
    public const string NpmPackage = "@mediapipe/face_detection@0.4.1657300184";

    /// <summary>short: faces within ~2 m (128x128); full: up to ~5 m (192x192).</summary>
    public static readonly FaceModelSpec Short = new("face-short", "face_detection_short_range.tflite",
        "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633", 128, [8, 16, 16, 16], 1f, 0.5f);

    public static readonly FaceModelSpec Full = new("face-full", "face_detection_full_range.tflite",
        "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3", 192, [4], 0f, 0.6f);

    public static readonly FaceModelSpec[] All = [Short, Full];

    public const string LicenseNotice = """
        MediaPipe Face Detection models (face_detection_short_range.tflite, face_detection_full_range.tflite)
        Copyright Google LLC. Licensed under the Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0
        Source: the npm package @mediapipe/face_detection@0.4.1657300184.
        The .onnx files beside this notice were converted from those .tflite files by LiveSeg's TFLite importer
        (weights dequantised from float16 to float32; graph laid out NCHW). Model card: MediaPipe BlazeFace.
        """;

    public static readonly NpmModelPackage Package = new(NpmPackage,
        "@mediapipe/face_detection/-/face_detection-0.4.1657300184.tgz",
        "sha512-k5aYtTf7av7GwD3C9T4LJB/okHK/uJwFQSOmJ9OHZMlwg7SdYVMolRgDlA962OU7fIBKsrOA7f7BzD2gpzcAKw==",
        All.Select(s => new ModelFetcher.Source(s.Name, s.Tflite, s.Sha256, s.Side, s.Side)).ToArray(),
        "LICENSE-mediapipe-face-detection.txt", LicenseNotice, "face", Manifest, RecordedSha256);

    /// <summary>The spec of <c>--face-model</c> NAME (face-short, face-full; short, full).</summary>
    public static FaceModelSpec Named(string name) =>
        All.FirstOrDefault(s => s.Name == name || s.Name == "face-" + name)
        ?? Throw.User<FaceModelSpec>($"unknown face model '{name}': use short or full.");

    /// <summary>Where the converted detector is installed (fetching it once, saying so through <paramref name="log"/>).</summary>
    public static string Resolve(FaceModelSpec spec, Action<string> log)
    {
        foreach (string folder in ModelCatalogue.SearchFolders())
        {
            if (ModelFetcher.Installed(Package, folder))
                return Path.Combine(folder, spec.Name + ".onnx");
        }
        log($"face detector '{spec.Name}' is not installed yet: fetching it now (once)");
        return Path.Combine(ModelFetcher.Fetch(Package, log), spec.Name + ".onnx");
    }

    private static string Manifest(ModelFetcher.Source s, string onnxSha256) => JsonSerializer.Serialize(new
    {
        name = s.Name,
        kind = "face-detector",
        license = "Apache-2.0 (MediaPipe Face Detection, Google LLC); see LICENSE-mediapipe-face-detection.txt",
        source = $"npm {NpmPackage} / {s.Tflite}",
        sha256 = onnxSha256,
        repair = "run 'liveseg models fetch face --force'",
    }, s_json);

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>The SHA-256 a detector's .json records, or null when the file is not such a record.</summary>
    private static string? RecordedSha256(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
            return doc.RootElement.TryGetProperty("sha256", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
