using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Models.Tflite;

namespace LiveSeg.Models;

/// <summary>
/// One npm package that catalogue models come from: the pinned tarball (path under the registry, SHA-512 as npm records
/// it), the .tflite files taken from it (each with its committed SHA-256), the licence notice written beside them, how a
/// converted model's manifest is written and how its recorded SHA-256 is read back.
/// </summary>
internal sealed record NpmModelPackage(string Spec, string TarballPath, string Integrity, ModelFetcher.Source[] Sources,
    string LicenseFile, string LicenseNotice, string FetchName, Func<ModelFetcher.Source, string, string> Manifest,
    Func<string, string?> RecordedSha256);

/// <summary>
/// Fetches catalogue models from npm packages: the <c>body</c> models (MediaPipe selfie segmentation, Apache-2.0, from
/// @mediapipe/selfie_segmentation) and the <c>face</c> detectors (MediaPipe face detection, Apache-2.0, from
/// @mediapipe/face_detection), pinned versions. Checks each .tflite against the SHA-256 committed here, converts it to
/// ONNX with the project's TFLite importer and writes the manifest and licence notice beside it.
/// </summary>
internal static class ModelFetcher
{
    public const string NpmPackage = "@mediapipe/selfie_segmentation@0.1.1675465747";

    /// <summary>The package tarball's path under a registry (the npm registry layout) and its SHA-512 as npm records it.</summary>
    public const string TarballPath = "@mediapipe/selfie_segmentation/-/selfie_segmentation-0.1.1675465747.tgz";
    public const string TarballIntegrity = "sha512-IxYxNhwE5VwOm52L1yoFWYLP7q9Pd+NJjzOC5tlepfvEGaY3o9hslhUrx9BgseqdfZtKSDtd/4NfCSMjNzQalA==";

    /// <summary>A catalogue model that comes from an npm package: its .tflite, hash, ONNX name and input size.</summary>
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

    /// <summary>The body models' package.</summary>
    public static readonly NpmModelPackage Body = new(NpmPackage, TarballPath, TarballIntegrity, Sources,
        "LICENSE-mediapipe-selfie-segmentation.txt", LicenseNotice, "body", Manifest,
        json => ModelManifest.Load(json).Sha256);

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

    /// <summary>
    /// Fetches (if the .tflite files are not already there and verified), verifies and converts every body model, and
    /// records each converted model's SHA-256 in its manifest (checked at every load). Work happens in a private
    /// temporary folder; finished files are renamed into the model folder, replacing (never writing through) whatever
    /// is there, links included. A second fetch at the same time waits for the first (a lock file in the model folder)
    /// and then finds the models installed. Returns the folder.
    /// </summary>
    public static string FetchBody(Action<string> log, bool force = false, FetchNetwork? network = null) => Fetch(Body, log, force, network);

    /// <summary>As <see cref="FetchBody"/>, for any package's models.</summary>
    public static string Fetch(NpmModelPackage package, Action<string> log, bool force = false, FetchNetwork? network = null)
    {
        var (npm, sources) = (package.Spec, package.Sources);
        string folder = TargetFolder();
        using var folderLock = Lock(folder, log);
        if (!force && Installed(package, folder))
        {
            log($"{package.FetchName} models are installed and match their recorded SHA-256 in {folder} (use --force to fetch again)");
            return folder;
        }
        var temp = Directory.CreateTempSubdirectory("liveseg-fetch-");
        try
        {
            bool haveTflite = !force && sources.All(s => File.Exists(Path.Combine(folder, s.Tflite)) && Hash(Path.Combine(folder, s.Tflite)) == s.Sha256);
            if (haveTflite)
            {
                foreach (var s in sources)
                    File.Copy(Path.Combine(folder, s.Tflite), Path.Combine(temp.FullName, s.Tflite));
            }
            else
            {
                DownloadTflite(package, temp.FullName, network ?? FetchNetwork.Default(), log);
            }
            // Everything is checked and converted before anything is installed: a failure leaves the models as they were.
            foreach (var s in sources)
            {
                string tflite = Path.Combine(temp.FullName, s.Tflite);
                if (!File.Exists(tflite))
                    Throw.User($"npm package {npm} has no {s.Tflite}: the registry served something else; try again later.");
                string actual = Hash(tflite);
                if (actual != s.Sha256)
                    Throw.User($"'{s.Tflite}' from {npm} has SHA-256 {actual}, expected {s.Sha256}: the download is damaged or not the pinned version; run 'liveseg models fetch {package.FetchName} --force' again.");
                TfliteToOnnx.Convert(tflite, Path.Combine(temp.FullName, s.Name + ".onnx"));
            }
            foreach (var s in sources)
            {
                string tflite = Path.Combine(temp.FullName, s.Tflite), onnx = Path.Combine(temp.FullName, s.Name + ".onnx");
                string onnxTarget = Path.Combine(folder, s.Name + ".onnx");
                Install(tflite, Path.Combine(folder, s.Tflite));
                Install(onnx, onnxTarget);
                AtomicFile.WriteAllText(Path.ChangeExtension(onnxTarget, ".json"), "model manifest", package.Manifest(s, Hash(onnx)), followLinks: false);
                log($"{s.Name}: {s.Tflite} (SHA-256 ok) → {onnxTarget}");
            }
            AtomicFile.WriteAllText(Path.Combine(folder, package.LicenseFile), "licence notice", package.LicenseNotice, followLinks: false);
        }
        finally
        {
            temp.Delete(recursive: true);
        }
        return folder;
    }

    /// <summary>True when every body model's .onnx is there and matches the SHA-256 its manifest records.</summary>
    public static bool Installed(string folder) => Installed(Body, folder);

    /// <summary>True when every model of the package is there and matches the SHA-256 its manifest records.</summary>
    public static bool Installed(NpmModelPackage package, string folder) => package.Sources.All(s =>
    {
        string onnx = Path.Combine(folder, s.Name + ".onnx"), json = Path.ChangeExtension(onnx, ".json");
        if (!File.Exists(onnx) || !File.Exists(json))
            return false;
        try
        {
            return package.RecordedSha256(json) is { } recorded && recorded == Hash(onnx);
        }
        catch (LiveSegException)
        {
            return false;
        }
    });

    private static void Install(string from, string to)
    {
        using var source = File.OpenRead(from);
        AtomicFile.WriteFrom(to, "model file", source, followLinks: false);
    }

    /// <summary>
    /// An exclusive lock on the model folder's lock file (released when the process ends, however it ends). A second
    /// fetch waits for the first instead of failing half-way.
    /// </summary>
    private static FileStream Lock(string folder, Action<string> log)
    {
        string path = Path.Combine(folder, ".fetch.lock");
        var clock = Stopwatch.StartNew();
        bool said = false;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (clock.Elapsed < TimeSpan.FromMinutes(10))
            {
                if (!said)
                    log($"another liveseg is fetching models into {folder}: waiting for it to finish");
                said = true;
                Thread.Sleep(200);
            }
            catch (IOException e)
            {
                Throw.User($"the model folder '{folder}' stayed locked by another fetch for 10 minutes ({path}): stop the other liveseg, then try again.", e);
            }
        }
    }

    /// <summary>SHA-256 of a file, lower-case hex (the same hash manifests record).</summary>
    public static string Hash(string path) => ModelManifest.HashFile(path);

    public static string Manifest(Source s, string onnxSha256) => JsonSerializer.Serialize(new
    {
        name = s.Name,
        license = "Apache-2.0 (MediaPipe Selfie Segmentation, Google LLC); see LICENSE-mediapipe-selfie-segmentation.txt",
        source = $"npm {NpmPackage} / {s.Tflite}",
        sha256 = onnxSha256,
        repair = "run 'liveseg models fetch body --force'",
        input = new { name = "input", width = s.Width, height = s.Height, layout = "nchw", color = "rgb", scale = 1.0 / 255.0, mean = 0, std = 1 },
        output = new { name = "output", layout = "nchw", activation = "none", channel = 0 },
    }, s_json);

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Downloads the package's tarball from the registry (bounded: <see cref="FetchNetwork.Timeout"/> to connect and
    /// between any two pieces of data), checks it against the pinned SHA-512, and unpacks its .tflite files into
    /// <paramref name="folder"/> (a private temporary folder). Every failure is one line naming the real cause.
    /// </summary>
    private static void DownloadTflite(NpmModelPackage package, string folder, FetchNetwork network, Action<string> log)
    {
        var (npmPackage, sources) = (package.Spec, package.Sources);
        string url = network.TarballUrlOf(package.TarballPath);
        string tgz = Path.Combine(folder, "package.tgz");
        log($"fetching {npmPackage} from {url} ...");
        RegistryDownload.ToFile(url, tgz, network, $"{npmPackage} ({url})");
        string integrity = "sha512-" + Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(tgz)));
        if (integrity != package.Integrity)
            Throw.User($"the tarball of {npmPackage} from {url} has integrity {integrity}, expected {package.Integrity}: the registry served something else or the download is damaged; try again (or another --registry).");
        using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
        using (var tar = new TarReader(gz))
        {
            while (tar.GetNextEntry() is { } entry)
            {
                string name = Path.GetFileName(entry.Name);
                if (!sources.Any(s => s.Tflite == name))
                    continue;
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                    Throw.User($"npm package {npmPackage}: '{entry.Name}' is a {entry.EntryType} entry, not a file: refusing to unpack it (the package is not the one published); try again later.");
                using var output = new FileStream(Path.Combine(folder, name), FileMode.CreateNew, FileAccess.Write);
                entry.DataStream.CopyTo(output);
            }
        }
        File.Delete(tgz);
    }
}
