using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LiveSeg.Models.Tflite;

namespace LiveSeg.Models;

/// <summary>
/// Fetches the <c>body</c> models: MediaPipe selfie segmentation (Apache-2.0) from the npm package
/// @mediapipe/selfie_segmentation (pinned version), checks each .tflite against the SHA-256 committed here, converts
/// it to ONNX with the project's TFLite importer and writes the manifest and licence notice beside it.
/// </summary>
public static class ModelFetcher
{
    public const string NpmPackage = "@mediapipe/selfie_segmentation@0.1.1675465747";

    /// <summary>A catalogue model that comes from the npm package: its .tflite, hash, ONNX name and input size.</summary>
    public sealed record Source(string Name, string Tflite, string Sha256, int Width, int Height);

    public static readonly Source[] Sources =
    [
        new("body", "selfie_segmentation.tflite", "8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27", 256, 256),
        new("body-landscape", "selfie_segmentation_landscape.tflite", "4aafe6223bb8dac6fac8ca8ed56852870a33051ef3f6238822d282a109962894", 256, 144),
    ];

    public const string LicenseNotice = """
        MediaPipe Selfie Segmentation models (selfie_segmentation.tflite, selfie_segmentation_landscape.tflite)
        Copyright Google LLC. Licensed under the Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0
        Source: the npm package @mediapipe/selfie_segmentation@0.1.1675465747.
        The .onnx files beside this notice were converted from those .tflite files by LiveSeg's TFLite importer
        (weights dequantised from float16 to float32; graph laid out NCHW). Model card: MediaPipe Selfie Segmentation.
        """;

    /// <summary>The folder fetched models go to: the first search folder that exists or can be created and written.</summary>
    public static string TargetFolder()
    {
        foreach (string folder in ModelCatalogue.SearchFolders())
        {
            try
            {
                Directory.CreateDirectory(folder);
                string probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}");
                File.WriteAllBytes(probe, []);
                File.Delete(probe);
                return folder;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return Throw.User<string>($"no writable model folder ({string.Join(", ", ModelCatalogue.SearchFolders())}): set LIVESEG_MODELS to a writable folder.");
    }

    /// <summary>Fetches (if the .tflite files are not already there), verifies and converts every body model. Returns the folder.</summary>
    public static string FetchBody(Action<string> log)
    {
        string folder = TargetFolder();
        if (!Sources.All(s => File.Exists(Path.Combine(folder, s.Tflite)) && Hash(Path.Combine(folder, s.Tflite)) == s.Sha256))
            DownloadTflite(folder, log);
        foreach (var s in Sources)
        {
            string tflite = Path.Combine(folder, s.Tflite);
            string actual = Hash(tflite);
            if (actual != s.Sha256)
                Throw.User($"'{tflite}' has SHA-256 {actual}, expected {s.Sha256}: the download is damaged or not the pinned version; delete it and fetch again.");
            string onnx = Path.Combine(folder, s.Name + ".onnx");
            TfliteToOnnx.Convert(tflite, onnx);
            File.WriteAllText(Path.ChangeExtension(onnx, ".json"), Manifest(s));
            log($"{s.Name}: {tflite} (SHA-256 ok) → {onnx}");
        }
        File.WriteAllText(Path.Combine(folder, "LICENSE-mediapipe-selfie-segmentation.txt"), LicenseNotice);
        return folder;
    }

    public static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string Manifest(Source s) => JsonSerializer.Serialize(new
    {
        name = s.Name,
        license = "Apache-2.0 (MediaPipe Selfie Segmentation, Google LLC); see LICENSE-mediapipe-selfie-segmentation.txt",
        source = $"npm {NpmPackage} / {s.Tflite}",
        input = new { name = "input", width = s.Width, height = s.Height, layout = "nchw", color = "rgb", scale = 1.0 / 255.0, mean = 0, std = 1 },
        output = new { name = "output", layout = "nchw", activation = "none", channel = 0 },
    }, s_json);

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>npm pack → unpack the tarball's .tflite files into <paramref name="folder"/>.</summary>
    private static void DownloadTflite(string folder, Action<string> log)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"liveseg-npm-{Environment.ProcessId}");
        Directory.CreateDirectory(temp);
        try
        {
            log($"fetching {NpmPackage} with npm pack ...");
            var psi = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = temp };
            foreach (string a in new[] { "pack", NpmPackage, "--silent" })
                psi.ArgumentList.Add(a);
            Process p;
            try
            {
                p = Process.Start(psi)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                Throw.User("npm was not found: install Node.js and npm (Debian: apt-get install npm), then run 'liveseg models fetch body' again.", e);
                return;
            }
            using (p)
            {
                string stderr = p.StandardError.ReadToEnd();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    string last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
                    Throw.User($"npm pack {NpmPackage} failed ({last.Trim()}): check the network connection to the npm registry, then try again.");
                }
            }
            string tgz = Directory.GetFiles(temp, "*.tgz").SingleOrDefault()
                ?? Throw.User<string>($"npm pack {NpmPackage} produced no tarball: try again.");
            using var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } entry)
            {
                string name = Path.GetFileName(entry.Name);
                if (Sources.Any(s => s.Tflite == name) && entry.DataStream is not null)
                {
                    using var output = File.Create(Path.Combine(folder, name));
                    entry.DataStream.CopyTo(output);
                }
            }
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }
}
