using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace LiveSeg.Inference;

/// <summary>Where inference runs.</summary>
public enum DeviceChoice
{
    /// <summary>TensorRT, then CUDA, then the CPU: the first that loads and passes a first run.</summary>
    Auto,

    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA (an error when it cannot run).</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT (an error when it cannot run); engines cached in ~/.cache/liveseg/tensorrt.</summary>
    TensorRT,
}

/// <summary>The session that was created and a one-line account of how the provider was chosen.</summary>
internal sealed record ProviderChoice(InferenceSession Session, string Provider, string Report);

/// <summary>
/// How a provider is set up and tried: appending it to the session options, and the first run (warm-up) that proves it
/// works. Replaceable so that tests can inject a failure at either point on a machine without a GPU.
/// </summary>
internal sealed record ProviderHooks(Action<DeviceChoice, SessionOptions> Append, Action<DeviceChoice, InferenceSession, long[]?> WarmUp);

/// <summary>
/// Creates an ONNX Runtime session on the best execution provider that loads <em>and runs</em>: <c>auto</c> tries
/// TensorRT → CUDA → CPU, each proven by one warm-up inference on zeros (a CUDA or TensorRT failure there — missing
/// kernel, out of memory, a cuDNN mismatch — falls back to the next provider instead of failing the run), and reports
/// why each skipped provider did not load or run; a forced provider that cannot is a user error. TensorRT keeps its
/// built engines in a cache folder (<see cref="TensorRtCacheFolder"/>), FP16 where the card has it.
/// </summary>
internal static partial class ExecutionProviders
{
    private static readonly Lazy<OrtEnv> s_env = new(() =>
    {
        // FATAL: a provider that cannot load is expected on CPU-only machines; we report it ourselves in one line.
        var options = new EnvironmentCreationOptions { logId = "liveseg", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        try
        {
            return OrtEnv.CreateInstanceWithOptions(ref options);
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidOperationException)
        {
            // The process already has its one environment (another component created it first): use it as it is.
            OrtEnv env = OrtEnv.Instance();
            env.EnvLogLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            return env;
        }
    });

    public static DeviceChoice Parse(string value) => value.ToLowerInvariant() switch
    {
        "auto" => DeviceChoice.Auto,
        "cpu" => DeviceChoice.Cpu,
        "cuda" => DeviceChoice.Cuda,
        "tensorrt" or "trt" => DeviceChoice.TensorRT,
        _ => Throw.User<DeviceChoice>($"unknown device '{value}': use auto, cpu, cuda or tensorrt."),
    };

    /// <param name="imageShape">The image input's shape as the manifest gives it (for the GPU providers' warm-up; symbolic dimensions otherwise count as 1).</param>
    public static ProviderChoice CreateSession(string modelPath, DeviceChoice device, int intraOpThreads, long[]? imageShape = null) =>
        CreateSession(modelPath, device, intraOpThreads, imageShape, new ProviderHooks(Append, WarmUp));

    internal static ProviderChoice CreateSession(string modelPath, DeviceChoice device, int intraOpThreads, long[]? imageShape, ProviderHooks hooks)
    {
        _ = s_env.Value;
        DeviceChoice[] order = device switch
        {
            DeviceChoice.Auto => [DeviceChoice.TensorRT, DeviceChoice.Cuda, DeviceChoice.Cpu],
            _ => [device],
        };
        var skipped = new List<string>();
        foreach (DeviceChoice candidate in order)
        {
            var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = 1,
            };
            InferenceSession session;
            try
            {
                hooks.Append(candidate, options);
                session = new InferenceSession(modelPath, options);
            }
            catch (OnnxRuntimeException e)
            {
                options.Dispose();
                if (candidate == DeviceChoice.Cpu)
                    Throw.User($"model '{modelPath}' cannot be loaded by ONNX Runtime ({FirstLine(e.Message)}): check that it is a valid ONNX file.", e);
                string reason = Reason(e.Message, candidate);
                if (device != DeviceChoice.Auto)
                    Throw.User($"device '{NameOf(candidate).ToLowerInvariant()}' cannot be used: {reason}. Install the CUDA 13 / cuDNN 9{(candidate == DeviceChoice.TensorRT ? " / TensorRT 10" : "")} libraries, or use --device auto or cpu.", e);
                skipped.Add($"{NameOf(candidate)} unavailable: {reason}");
                continue;
            }
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                if (candidate != DeviceChoice.Cpu) // the CPU needs no proof: the segmenter's own first run reports model errors
                    hooks.WarmUp(candidate, session, imageShape);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                session.Dispose();
                options.Dispose();
                string reason = $"failed at its first run ({FirstLine(e.Message)})";
                if (device != DeviceChoice.Auto)
                    Throw.User($"device '{NameOf(candidate).ToLowerInvariant()}' loaded but {reason}: check the CUDA / cuDNN versions ('liveseg doctor'), or use --device auto or cpu.", e);
                skipped.Add($"{NameOf(candidate)} {reason}");
                continue;
            }
            string name = NameOf(candidate);
            string built = candidate == DeviceChoice.TensorRT
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"; engine cache {TensorRtCacheFolder}, first run {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s")
                : "";
            string report = skipped.Count == 0
                ? $"execution provider: {name}{(device == DeviceChoice.Auto ? " (first choice)" : " (as asked)")}{built}"
                : $"execution provider: {name} ({string.Join("; ", skipped)}){built}";
            return new ProviderChoice(session, name, report);
        }
        throw new InvalidOperationException("unreachable: the CPU provider either loads or throws");
    }

    /// <summary>
    /// Where TensorRT keeps the engines it builds (and its timing cache), so that a second start or a live model swap
    /// does not rebuild them: $LIVESEG_TRT_CACHE, else $XDG_CACHE_HOME/liveseg/tensorrt (~/.cache/liveseg/tensorrt).
    /// </summary>
    public static string TensorRtCacheFolder =>
        Environment.GetEnvironmentVariable("LIVESEG_TRT_CACHE") is { Length: > 0 } set ? set
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "liveseg", "tensorrt");

    /// <summary>The TensorRT options LiveSeg sets: engine and timing caches in <see cref="TensorRtCacheFolder"/>, FP16 where supported.</summary>
    public static Dictionary<string, string> TensorRtOptions() => new()
    {
        ["device_id"] = "0",
        ["trt_engine_cache_enable"] = "1",
        ["trt_engine_cache_path"] = TensorRtCacheFolder,
        ["trt_timing_cache_enable"] = "1",
        ["trt_timing_cache_path"] = TensorRtCacheFolder,
        ["trt_fp16_enable"] = "1", // TensorRT uses FP16 kernels only where the GPU has fast FP16; elsewhere FP32
    };

    private static void Append(DeviceChoice candidate, SessionOptions options)
    {
        if (candidate == DeviceChoice.TensorRT)
        {
            Directory.CreateDirectory(TensorRtCacheFolder);
            using var trt = new OrtTensorRTProviderOptions();
            trt.UpdateOptions(TensorRtOptions());
            options.AppendExecutionProvider_Tensorrt(trt);
            options.AppendExecutionProvider_CUDA(0); // nodes TensorRT cannot take run on CUDA, not the CPU
        }
        else if (candidate == DeviceChoice.Cuda)
        {
            options.AppendExecutionProvider_CUDA(0);
        }
    }

    /// <summary>One inference on zeros (symbolic dimensions taken as 1): proves the provider runs the model, and builds TensorRT's engine.</summary>
    internal static void WarmUp(DeviceChoice candidate, InferenceSession session, long[]? imageShape)
    {
        var names = new List<string>();
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, meta) in session.InputMetadata)
            {
                if (meta.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
                    return; // not an image model LiveSeg runs: the segmenter reports it; nothing to prove here
                long[] shape = imageShape is not null && session.InputMetadata.Count == 1 ? imageShape : [.. meta.Dimensions.Select(d => d > 0 ? (long)d : 1L)];
                names.Add(name);
                values.Add(OrtValue.CreateTensorValueFromMemory(new float[shape.Aggregate(1L, (a, b) => a * b)], shape));
            }
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, names, values, session.OutputNames);
        }
        finally
        {
            foreach (var v in values)
                v.Dispose();
        }
    }

    public static string NameOf(DeviceChoice d) => d switch
    {
        DeviceChoice.TensorRT => "TensorRT",
        DeviceChoice.Cuda => "CUDA",
        _ => "CPU",
    };

    /// <summary>Libraries each GPU provider needs (ONNX Runtime 1.31: CUDA 13, cuDNN 9, TensorRT 10), checked in this order.</summary>
    private static readonly Dictionary<DeviceChoice, string[]> s_requiredLibraries = new()
    {
        [DeviceChoice.Cuda] = ["libcuda.so.1", "libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcurand.so.10", "libcudnn.so.9"],
        [DeviceChoice.TensorRT] = ["libcuda.so.1", "libcudart.so.13", "libnvinfer.so.10", "libnvinfer_plugin.so.10", "libnvonnxparser.so.10"],
    };

    /// <summary>
    /// Why a provider did not load, in a few words: the first library it needs that cannot be loaded here, in the
    /// order the driver, CUDA, cuDNN/TensorRT ("libcuda.so.1 not found (no NVIDIA driver)"), else the library ORT's
    /// message names, else ORT's own first line.
    /// </summary>
    public static string Reason(string message, DeviceChoice provider = DeviceChoice.Cpu)
    {
        // The driver first: without it every other missing library is beside the point.
        if (s_requiredLibraries.TryGetValue(provider, out string[]? libraries))
        {
            foreach (string lib in libraries)
            {
                if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(lib, out nint handle))
                    return lib == "libcuda.so.1" ? "libcuda.so.1 not found (no NVIDIA driver)" : $"{lib} not found";
                System.Runtime.InteropServices.NativeLibrary.Free(handle);
            }
        }
        Match m = MissingLibrary().Match(message);
        return m.Success ? $"{m.Groups[1].Value} not found" : FirstLine(message);
    }

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0].Trim();
        line = ErrorPrefix().Replace(line, "");
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    [GeneratedRegex(@"^(\[ErrorCode:\w+\]\s*)?(\w+:\s)?")]
    private static partial Regex ErrorPrefix();

    [GeneratedRegex(@"([\w.+\-]+\.so[\w.]*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
