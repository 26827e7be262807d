using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace LiveSeg.Inference;

public enum DeviceChoice { Auto, Cpu, Cuda, TensorRT }

/// <summary>The session that was created and a one-line account of how the provider was chosen.</summary>
public sealed record ProviderChoice(InferenceSession Session, string Provider, string Report);

/// <summary>
/// Creates an ONNX Runtime session on the best execution provider that loads. <c>auto</c> tries TensorRT → CUDA → CPU
/// and reports why each skipped provider did not load; a forced provider that cannot load is a user error.
/// </summary>
public static partial class ExecutionProviders
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

    public static ProviderChoice CreateSession(string modelPath, DeviceChoice device, int intraOpThreads)
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
            try
            {
                if (candidate == DeviceChoice.TensorRT)
                {
                    options.AppendExecutionProvider_Tensorrt(0);
                    options.AppendExecutionProvider_CUDA(0); // nodes TensorRT cannot take run on CUDA, not the CPU
                }
                else if (candidate == DeviceChoice.Cuda)
                {
                    options.AppendExecutionProvider_CUDA(0);
                }
                var session = new InferenceSession(modelPath, options);
                string name = NameOf(candidate);
                string report = skipped.Count == 0
                    ? $"execution provider: {name}{(device == DeviceChoice.Auto ? " (first choice)" : " (as asked)")}"
                    : $"execution provider: {name} ({string.Join("; ", skipped)})";
                return new ProviderChoice(session, name, report);
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
            }
        }
        throw new InvalidOperationException("unreachable: the CPU provider either loads or throws");
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
    /// Why a provider did not load, in a few words: the first library it needs that cannot be loaded here
    /// ("libcuda.so.1 not found: no NVIDIA driver"), else ORT's own first line.
    /// </summary>
    public static string Reason(string message, DeviceChoice provider = DeviceChoice.Cpu)
    {
        Match m = MissingLibrary().Match(message);
        if (m.Success)
            return $"{m.Groups[1].Value} not found";
        if (s_requiredLibraries.TryGetValue(provider, out string[]? libraries))
        {
            foreach (string lib in libraries)
            {
                if (!System.Runtime.InteropServices.NativeLibrary.TryLoad(lib, out nint handle))
                    return lib == "libcuda.so.1" ? "libcuda.so.1 not found (no NVIDIA driver)" : $"{lib} not found";
                System.Runtime.InteropServices.NativeLibrary.Free(handle);
            }
        }
        return FirstLine(message);
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
