using System.Diagnostics;
using System.Runtime.InteropServices;
using LiveSeg.Inference;
using LiveSeg.Rendering;
using Microsoft.ML.OnnxRuntime;

namespace LiveSeg.Diagnostics;

/// <summary>Ok: usable; Missing: not usable here, with what to do; Info: a fact.</summary>
internal enum CheckStatus { Ok, Missing, Info }

/// <summary>One line of <c>liveseg doctor</c>: what was checked, what was found, and the one thing to do when it is missing.</summary>
internal sealed record CheckResult(string Area, string Item, CheckStatus Status, string Found, string? Fix = null);

/// <summary>
/// What LiveSeg can use on this machine and why not: the NVIDIA driver and its CUDA version, the CUDA / cuDNN / TensorRT
/// libraries ONNX Runtime 1.31's GPU providers need (which file was found), what <c>--device auto</c> picks for a real
/// model, the EGL vendors and the renderer an EGL context gets, the display, cameras and the npm registry. Every check catches its
/// own failure: the doctor never fails.
/// </summary>
internal static class SystemCheck
{
    /// <summary>
    /// Libraries of ONNX Runtime 1.31's CUDA and TensorRT providers (CUDA 13, cuDNN 9, TensorRT 10; the NEEDED entries of
    /// libonnxruntime_providers_cuda.so / _tensorrt.so, plus cuDNN and the TensorRT plugins they load later), and what installs them.
    /// </summary>
    private static readonly (string Library, string Provider, string Fix)[] s_gpuLibraries =
    [
        ("libcudart.so.13", "CUDA", "install the CUDA 13 runtime (nvidia-cuda-runtime, or the cuda-cudart-13 package) and put its lib folder on LD_LIBRARY_PATH"),
        ("libcublasLt.so.13", "CUDA", "install cuBLAS for CUDA 13 (nvidia-cublas) and put its lib folder on LD_LIBRARY_PATH"),
        ("libcublas.so.13", "CUDA", "install cuBLAS for CUDA 13 (nvidia-cublas) and put its lib folder on LD_LIBRARY_PATH"),
        ("libcurand.so.10", "CUDA", "install cuRAND for CUDA 13 (nvidia-curand) and put its lib folder on LD_LIBRARY_PATH"),
        ("libcudnn.so.9", "CUDA", "install cuDNN 9 for CUDA 13 (nvidia-cudnn; loaded at the first convolution) and put its lib folder on LD_LIBRARY_PATH"),
        ("libnvinfer.so.10", "TensorRT", "install TensorRT 10 (tensorrt-libs) for the TensorRT provider; CUDA works without it"),
        ("libnvinfer_plugin.so.10", "TensorRT", "install TensorRT 10 (tensorrt-libs) for the TensorRT provider; CUDA works without it"),
        ("libnvonnxparser.so.10", "TensorRT", "install TensorRT 10 (tensorrt-libs) for the TensorRT provider; CUDA works without it"),
    ];

    /// <summary>Runs every check. <paramref name="modelPath"/>: an ONNX model for the provider check (a tiny built-in one when null).</summary>
    public static List<CheckResult> Run(string? modelPath = null)
    {
        var results = new List<CheckResult>();
        Guard(results, "GPU", "NVIDIA driver", () => [Driver()]);
        Guard(results, "GPU", "CUDA libraries", GpuLibraries);
        Guard(results, "inference", "ONNX Runtime", () => [OnnxRuntime()]);
        Guard(results, "inference", "--device auto", () => [AutoDevice(modelPath)]);
        Guard(results, "OpenGL", "EGL vendors", () => [EglVendors()]);
        Guard(results, "OpenGL", "EGL context", () => [EglRenderer()]);
        Guard(results, "OpenGL", "display", () => [Display()]);
        Guard(results, "capture", "cameras", () => [Cameras()]);
        Guard(results, "video", "ffmpeg", VideoEncoders);
        Guard(results, "models", "npm registry", () => [Registry()]);
        return results;
    }

    /// <summary>Debian's ffmpeg (the video writer) and which of its encoders work here, each proven by a one-frame encode.</summary>
    private static IEnumerable<CheckResult> VideoEncoders()
    {
        if (LiveSeg.Media.FfmpegTool.Version() is not { } version)
        {
            yield return new("video", "ffmpeg", CheckStatus.Missing, "not found on PATH: videos are written by OpenCV's fallback (mp4v, no sound, constant rate)",
                "install it: scripts/install-deps (apt install ffmpeg)");
            yield break;
        }
        yield return new("video", "ffmpeg", CheckStatus.Ok, version);
        foreach (var group in LiveSeg.Media.EncoderChoice.Survey().GroupBy(e => e.Codec))
        {
            var works = group.Where(e => e.Failure is null).Select(e => e.Encoder).ToList();
            var not = group.Where(e => e.Failure is not null).Select(e => $"{e.Encoder}: {e.Failure}").ToList();
            string found = (works.Count > 0 ? $"works: {string.Join(", ", works)}" : "no working encoder") + (not.Count > 0 ? $" (not: {string.Join("; ", not)})" : "");
            yield return new("video", $"{group.Key.Name} encoders", works.Count > 0 ? CheckStatus.Ok : CheckStatus.Missing, found,
                works.Count > 0 ? null : $"this ffmpeg cannot encode {group.Key.Name}: use another --codec");
        }
    }

    private static void Guard(List<CheckResult> results, string area, string item, Func<IEnumerable<CheckResult>> check)
    {
        try
        {
            results.AddRange(check());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            results.Add(new CheckResult(area, item, CheckStatus.Missing, $"the check itself failed: {e.Message.Split('\n')[0]}", "run with --verbose and report it"));
        }
    }

    [DllImport("libcuda.so.1", EntryPoint = "cuDriverGetVersion")]
    private static extern int CuDriverGetVersion(out int version);

    private static CheckResult Driver()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out nint handle))
            return new("GPU", "NVIDIA driver", CheckStatus.Missing, "libcuda.so.1 not found: no NVIDIA driver (or no GPU)",
                "install the NVIDIA driver for your GPU (Debian: nvidia-driver), or use the CPU: --device cpu");
        string path = LoadedPath("libcuda.so.1") ?? "libcuda.so.1";
        NativeLibrary.Free(handle);
        string version = CuDriverGetVersion(out int v) == 0 ? $"CUDA {v / 1000}.{v % 1000 / 10}" : "version unknown";
        string kernel = File.Exists("/proc/driver/nvidia/version") ? "; " + File.ReadLines("/proc/driver/nvidia/version").First().Trim() : "";
        bool newEnough = v >= 13000;
        return new("GPU", "NVIDIA driver", newEnough ? CheckStatus.Ok : CheckStatus.Missing, $"{path}, supports {version}{kernel}",
            newEnough ? null : "ONNX Runtime 1.31's CUDA provider needs a driver for CUDA 13: update the NVIDIA driver");
    }

    private static IEnumerable<CheckResult> GpuLibraries()
    {
        foreach (var (library, provider, fix) in s_gpuLibraries)
        {
            if (NativeLibrary.TryLoad(library, out nint handle))
            {
                string path = LoadedPath(library) ?? library;
                NativeLibrary.Free(handle);
                yield return new("GPU", library, CheckStatus.Ok, $"{path} (for {provider})");
            }
            else
            {
                yield return new("GPU", library, CheckStatus.Missing, $"not found (needed by {provider})", fix);
            }
        }
    }

    /// <summary>The file a loaded library came from (its real path, whose name carries the full version), from /proc/self/maps.</summary>
    private static string? LoadedPath(string soname)
    {
        if (!File.Exists("/proc/self/maps"))
            return null;
        string stem = soname.Split(".so")[0] + ".so";
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
                continue;
            string path = line[slash..];
            if (Path.GetFileName(path).StartsWith(stem, StringComparison.Ordinal))
                return path;
        }
        return null;
    }

    private static CheckResult OnnxRuntime()
    {
        var env = OrtEnv.Instance();
        string providers = string.Join(", ", env.GetAvailableProviders());
        return new("inference", "ONNX Runtime", CheckStatus.Info, $"{env.GetVersionString()}; providers built in: {providers}");
    }

    private static CheckResult AutoDevice(string? modelPath)
    {
        string? temp = null;
        try
        {
            if (modelPath is null)
            {
                temp = Directory.CreateTempSubdirectory("liveseg-doctor-").FullName;
                modelPath = Path.Combine(temp, "probe.onnx");
                LiveSeg.Models.SyntheticModels.Write("colorkey", modelPath);
            }
            var choice = ExecutionProviders.CreateSession(modelPath, DeviceChoice.Auto, 1);
            choice.Session.Dispose();
            bool gpu = choice.Provider != "CPU";
            return new("inference", "--device auto", gpu ? CheckStatus.Ok : CheckStatus.Missing, choice.Report,
                gpu ? null : "inference runs on the CPU: fix the GPU lines above to use CUDA or TensorRT");
        }
        finally
        {
            if (temp is not null)
                Directory.Delete(temp, recursive: true);
        }
    }

    private static CheckResult EglVendors()
    {
        string[] folders = ["/usr/share/glvnd/egl_vendor.d", "/etc/glvnd/egl_vendor.d"];
        var vendors = folders.Where(Directory.Exists).SelectMany(Directory.GetFiles).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return vendors.Count == 0
            ? new("OpenGL", "EGL vendors", CheckStatus.Missing, "no GLVND EGL vendor files", "install libegl1 and libegl-mesa0 (scripts/install-deps does), and the NVIDIA driver's EGL for the GPU")
            : new("OpenGL", "EGL vendors", CheckStatus.Info, string.Join(", ", vendors!));
    }

    private static CheckResult EglRenderer()
    {
        try
        {
            using var egl = new EglContext();
            bool software = RefineChoice.IsSoftware(egl.Renderer);
            return new("OpenGL", "EGL context", software ? CheckStatus.Missing : CheckStatus.Ok, $"{egl.Renderer} via EGL {egl.Platform}",
                software ? "software OpenGL: compositing runs on the CPU (slow at 1080p; edge refinement off by default). For the GPU: the NVIDIA driver with its EGL (libnvidia-egl), then this line names the GPU" : null);
        }
        catch (Exception e) when (e is LiveSegException or DllNotFoundException or InvalidOperationException)
        {
            return new("OpenGL", "EGL context", CheckStatus.Missing, e.Message.Split('\n')[0], "install libegl1 libegl-mesa0 libgl1-mesa-dri (scripts/install-deps)");
        }
    }

    private static CheckResult Display()
    {
        string? x = Environment.GetEnvironmentVariable("DISPLAY"), wayland = Environment.GetEnvironmentVariable("WAYLAND_DISPLAY");
        return x is { Length: > 0 } || wayland is { Length: > 0 }
            ? new("OpenGL", "display", CheckStatus.Ok, $"{(x is { Length: > 0 } ? "DISPLAY=" + x : "WAYLAND_DISPLAY=" + wayland)}: live mode can open its window")
            : new("OpenGL", "display", CheckStatus.Missing, "no DISPLAY or WAYLAND_DISPLAY", "live mode needs a display (or run it under xvfb-run); video, bench, image and eval do not");
    }

    private static CheckResult Cameras()
    {
        bool any = Directory.Exists("/dev") && Directory.GetFiles("/dev", "video*").Length > 0;
        var cameras = any ? LiveSeg.Capture.CameraSource.Describe().ToList() : [];
        return cameras.Count == 0
            ? new("capture", "cameras", CheckStatus.Missing, "no /dev/video* device", "plug in a camera, or give live mode a file: --input CLIP --loop")
            : new("capture", "cameras", CheckStatus.Ok, string.Join("; ", cameras));
    }

    /// <summary>Where <c>models fetch body</c> downloads from (no network here: doctor only reports the setting).</summary>
    private static CheckResult Registry() =>
        new("models", "npm registry", CheckStatus.Ok,
            $"{LiveSeg.Models.FetchNetwork.EnvironmentRegistry()}: 'liveseg models fetch body' downloads the body model from it directly (npm itself is not needed)");
}
