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
        return OrtEnv.CreateInstanceWithOptions(ref options);
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
                string reason = Reason(e.Message);
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

    /// <summary>Shortens ORT's loader message to the missing library when there is one ("libcublasLt.so.13 not found").</summary>
    public static string Reason(string message)
    {
        Match m = MissingLibrary().Match(message);
        if (m.Success)
            return $"{m.Groups[1].Value} not found";
        return FirstLine(message);
    }

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0].Trim();
        line = line.Replace("[ErrorCode:RuntimeException] ", "", StringComparison.Ordinal);
        return line.Length > 200 ? line[..200] + "…" : line;
    }

    [GeneratedRegex(@"([\w.+\-]+\.so[\w.]*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
