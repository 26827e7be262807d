using LiveSeg.Inference;
using Microsoft.ML.OnnxRuntime;

namespace LiveSeg.Tests;

public class ExecutionProvidersTests
{
    private static bool CudaDriverPresent => System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _);

    /// <summary>Providers that "load" (nothing appended: every session runs on the CPU) but whose first run fails on the GPU ones.</summary>
    private static readonly ProviderHooks s_gpuFailsAtFirstRun = new((_, _) => { }, (candidate, _, _) =>
    {
        if (candidate != DeviceChoice.Cpu)
            throw new InvalidOperationException("CUDA failure 700: an illegal memory access was encountered\nmore detail"); // ORT's own exception type cannot be made outside ORT
    });

    [Fact]
    public void Auto_GpuProviderThatFailsAtItsFirstRun_FallsBackAndSaysWhy()
    {
        using var dir = new TempDir();
        var choice = ExecutionProviders.CreateSession(Synthetic.ColorKeyModel(dir), DeviceChoice.Auto, 1, null, s_gpuFailsAtFirstRun);
        using var session = choice.Session;
        Assert.Equal("CPU", choice.Provider);
        Assert.Contains("TensorRT failed at its first run (CUDA failure 700: an illegal memory access was encountered)", choice.Report);
        Assert.Contains("CUDA failed at its first run (CUDA failure 700", choice.Report);
        Assert.DoesNotContain("more detail", choice.Report);
    }

    [Fact]
    public void ForcedCuda_ThatFailsAtItsFirstRun_IsAOneLineUserError()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<LiveSegException>(() => ExecutionProviders.CreateSession(Synthetic.ColorKeyModel(dir), DeviceChoice.Cuda, 1, null, s_gpuFailsAtFirstRun));
        Assert.StartsWith("device 'cuda' loaded but failed at its first run (CUDA failure 700", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void WarmUp_RunsTheModelOnZeros_WithTheManifestShape()
    {
        using var dir = new TempDir();
        int runs = 0;
        var hooks = new ProviderHooks((_, _) => { }, (candidate, session, shape) =>
        {
            ExecutionProviders.WarmUp(candidate, session, shape); // the real warm-up, on a CPU session
            runs++;
        });
        var choice = ExecutionProviders.CreateSession(Synthetic.ColorKeyModel(dir), DeviceChoice.Cuda, 1, null, hooks);
        using var session = choice.Session;
        Assert.Equal(1, runs);
        Assert.Equal("CUDA", choice.Provider); // what it was asked as: the injected Append put no provider in
        // A shape the model cannot take fails the warm-up: the fallback would catch it.
        Assert.ThrowsAny<Exception>(() => ExecutionProviders.WarmUp(DeviceChoice.Cuda, session, [1, 5, 7, 7]));
    }

    [Fact]
    public void TensorRt_CachesEnginesAndUsesFp16()
    {
        var o = ExecutionProviders.TensorRtOptions();
        Assert.Equal("1", o["trt_engine_cache_enable"]);
        Assert.Equal(ExecutionProviders.TensorRtCacheFolder, o["trt_engine_cache_path"]);
        Assert.Equal("1", o["trt_fp16_enable"]);
        if (Environment.GetEnvironmentVariable("LIVESEG_TRT_CACHE") is not { Length: > 0 })
            Assert.EndsWith(Path.Combine("liveseg", "tensorrt"), ExecutionProviders.TensorRtCacheFolder);
    }

    [Fact]
    public void Auto_WithoutGpu_FallsBackToCpuAndSaysWhy()
    {
        using var dir = new TempDir();
        var choice = ExecutionProviders.CreateSession(Synthetic.ColorKeyModel(dir), DeviceChoice.Auto, 1);
        using var session = choice.Session;
        if (CudaDriverPresent)
        {
            Assert.Contains(choice.Provider, new[] { "TensorRT", "CUDA", "CPU" });
            return;
        }
        Assert.Equal("CPU", choice.Provider);
        Assert.Contains("TensorRT unavailable: libcuda.so.1 not found", choice.Report);
        Assert.Contains("CUDA unavailable: libcuda.so.1 not found", choice.Report);
    }

    [Fact]
    public void ForcedCuda_WhereItCannotLoad_IsAClearError()
    {
        using var dir = new TempDir();
        string model = Synthetic.ColorKeyModel(dir);
        if (CudaDriverPresent)
        {
            // A GPU machine: the forced provider must really be CUDA.
            var choice = ExecutionProviders.CreateSession(model, DeviceChoice.Cuda, 1);
            using var s = choice.Session;
            Assert.Equal("CUDA", choice.Provider);
            return;
        }
        var e = Assert.Throws<LiveSegException>(() => ExecutionProviders.CreateSession(model, DeviceChoice.Cuda, 1));
        Assert.StartsWith("device 'cuda' cannot be used: libcuda.so.1 not found", e.Message);
        Assert.Contains("--device auto or cpu", e.Message);
    }

    [Fact]
    public void CreateSession_AfterAnotherComponentMadeTheOrtEnvironment_StillWorks()
    {
        // ONNX Runtime has one environment per process; creating it with options fails once it exists.
        using var dir = new TempDir();
        string model = Synthetic.ColorKeyModel(dir);
        using (new InferenceSession(model))
        {
        }
        var choice = ExecutionProviders.CreateSession(model, DeviceChoice.Cpu, 1);
        using var session = choice.Session;
        Assert.Equal("CPU", choice.Provider);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("")]
    public void Parse_UnknownDevice_ListsChoices(string value)
    {
        var e = Assert.Throws<LiveSegException>(() => ExecutionProviders.Parse(value));
        Assert.Contains("use auto, cpu, cuda or tensorrt", e.Message);
    }

    [Fact]
    public void Reason_LoaderMessage_NamesTheLibrary()
    {
        Assert.Equal("libnvinfer.so.10 not found",
            ExecutionProviders.Reason("Failed to load library libonnxruntime_providers_tensorrt.so with error: libnvinfer.so.10: cannot open shared object file: No such file or directory"));
    }
}
