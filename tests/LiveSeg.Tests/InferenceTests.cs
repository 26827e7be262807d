using System.Text.Json;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace LiveSeg.Tests;

public class PostprocessorTests
{
    private static ModelManifest M(OutputActivation a, int channel = 0, TensorLayout layout = TensorLayout.Nchw) =>
        new() { Width = 2, Height = 1, Activation = a, Channel = channel, OutputLayout = layout };

    [Fact]
    public void Postprocess_Sigmoid_MatchesFormula()
    {
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.Sigmoid), 1, 1, 2).Run([0f, 2f], target);
        Assert.Equal(0.5f, mask[0], 6);
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), mask[1], 6);
    }

    [Fact]
    public void Postprocess_SoftmaxChannel1Nchw_MatchesFormula()
    {
        // 2 channels x 2 pixels, NCHW: channel 0 = [1, 0], channel 1 = [1, 3]
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.Softmax, channel: 1), 2, 1, 2).Run([1f, 0f, 1f, 3f], target);
        Assert.Equal(0.5f, mask[0], 6);
        Assert.Equal(MathF.Exp(3) / (MathF.Exp(3) + 1), mask[1], 6);
    }

    [Fact]
    public void Postprocess_SoftmaxNhwc_ReadsInterleavedChannels()
    {
        // NHWC: pixel 0 = (c0 1, c1 1), pixel 1 = (c0 0, c1 3)
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.Softmax, 1, TensorLayout.Nhwc), 2, 1, 2).Run([1f, 1f, 0f, 3f], target);
        Assert.Equal(0.5f, mask[0], 6);
        Assert.Equal(MathF.Exp(3) / (MathF.Exp(3) + 1), mask[1], 6);
    }

    [Fact]
    public void Postprocess_NoneClampsAndArgmaxPicksLargest()
    {
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.None), 1, 1, 2).Run([-0.5f, 1.5f], target);
        Assert.Equal([0f, 1f], mask);
        new Postprocessor(M(OutputActivation.Argmax, channel: 1), 2, 1, 2).Run([0.2f, 0.9f, 0.8f, 0.1f], target);
        Assert.Equal([1f, 0f], mask);
    }
}

public class PreprocessorTests
{
    [Fact]
    public void Preprocess_RgbNchwMeanStd_PlanesInRgbOrder()
    {
        var m = new ModelManifest { Width = 2, Height = 1, Color = ColorOrder.Rgb, Scale = 1 / 255f, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };
        using var pre = new Preprocessor(m);
        using var img = new Mat(1, 2, MatType.CV_8UC3);
        img.Set(0, 0, new Vec3b(0, 128, 255)); // B, G, R
        img.Set(0, 1, new Vec3b(255, 0, 0));
        var t = new float[6];
        pre.Run(img, t);
        float F(int v) => (v / 255f - 0.5f) / 0.5f;
        Assert.Equal([F(255), F(0), F(128), F(0), F(0), F(255)], t); // R plane, G plane, B plane
    }

    [Fact]
    public void Preprocess_BgrNhwc_InterleavedInBgrOrder()
    {
        var m = new ModelManifest { Width = 1, Height = 1, Color = ColorOrder.Bgr, InputLayout = TensorLayout.Nhwc, Scale = 1f, Mean = [10f, 20f, 30f], Std = [1f, 2f, 4f] };
        using var pre = new Preprocessor(m);
        using var img = new Mat(1, 1, MatType.CV_8UC3, new Scalar(110, 120, 130));
        var t = new float[3];
        pre.Run(img, t);
        Assert.Equal([100f, 50f, 25f], t);
    }

    [Fact]
    public void Preprocess_ResizesToModelSize()
    {
        var m = new ModelManifest { Width = 4, Height = 2 };
        using var pre = new Preprocessor(m);
        using var img = new Mat(20, 40, MatType.CV_8UC3, new Scalar(0, 0, 255));
        var t = new float[24];
        pre.Run(img, t);
        Assert.All(t[..8], v => Assert.Equal(1f, v)); // red plane
        Assert.All(t[8..], v => Assert.Equal(0f, v));
    }
}

public class ModelManifestTests
{
    private static ModelManifest Parse(string json) => ModelManifest.Parse(JsonDocument.Parse(json).RootElement, "m.json");

    [Fact]
    public void Parse_FullManifest_ReadsEveryField()
    {
        var m = Parse("""
            { "name": "pp", "input": { "name": "x", "width": 398, "height": 224, "layout": "nchw", "color": "bgr", "resize": "area",
              "scale": 0.5, "mean": [1, 2, 3], "std": 2 },
              "output": { "name": "y", "layout": "nhwc", "activation": "softmax", "channel": 1 } }
            """);
        Assert.Equal(("pp", "x", 398, 224, ColorOrder.Bgr, 0.5f), (m.Name, m.InputName, m.Width, m.Height, m.Color, m.Scale));
        Assert.Equal(ResizeMode.Area, m.Resize);
        Assert.Equal([1f, 2f, 3f], m.Mean);
        Assert.Equal([2f, 2f, 2f], m.Std);
        Assert.Equal(("y", TensorLayout.Nhwc, OutputActivation.Softmax, 1), (m.OutputName, m.OutputLayout, m.Activation, m.Channel));
    }

    [Theory]
    [InlineData("""{ "output": {} }""", "field 'input' is missing")]
    [InlineData("""{ "input": { "height": 2 }, "output": {} }""", "field 'width' must be a whole number from 1 to 8192")]
    [InlineData("""{ "input": { "width": 2, "height": 2, "color": "cmyk" }, "output": {} }""", "field 'color' must be one of: rgb, bgr")]
    [InlineData("""{ "input": { "width": 2, "height": 2, "mean": [1, 2] }, "output": {} }""", "field 'mean' must be a number or an array of 3")]
    [InlineData("""{ "input": { "width": 2, "height": 2, "std": 0 }, "output": {} }""", "field 'input.std' must not contain 0")]
    [InlineData("""{ "input": { "width": 2, "height": 2 }, "output": { "activation": "relu" } }""", "field 'activation' must be one of")]
    public void Parse_BadField_NamesManifestAndField(string json, string expected)
    {
        var e = Assert.Throws<LiveSegException>(() => Parse(json));
        Assert.Contains("model manifest 'm.json'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_NotJson_SaysSo()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.json"), "{ not json");
        var e = Assert.Throws<LiveSegException>(() => ModelManifest.Load(dir.File("bad.json")));
        Assert.Contains("is not valid JSON", e.Message);
    }
}

public class OnnxSegmenterTests
{
    [Fact]
    public void Segment_ColorKeyModel_RedIsForegroundBlueIsNot()
    {
        using var dir = new TempDir();
        var spec = ModelSpec.FromFile(Synthetic.ColorKeyModel(dir), null);
        using var seg = new OnnxSegmenter(spec, DeviceChoice.Cpu);
        Assert.Equal((64, 64), (seg.MaskWidth, seg.MaskHeight));
        using var frame = Synthetic.Frame(0, 256, 256);
        var target = new Mask(64, 64);
        float[] mask = target.Data;
        var timing = new FrameTiming();
        seg.Segment(frame, target, ref timing);
        Rect sq = Synthetic.SquareAt(0, 256, 256);
        int cx = (sq.X + sq.Width / 2) / 4, cy = (sq.Y + sq.Height / 2) / 4;
        Assert.True(mask[cy * 64 + cx] > 0.99f, $"square centre {mask[cy * 64 + cx]}");
        Assert.True(mask[2 * 64 + 2] < 0.01f, $"background {mask[2 * 64 + 2]}");
        Assert.True(timing.Ticks[(int)Stage.Inference] > 0);
    }

    [Fact]
    public void Create_ManifestSizeContradictsModel_NamesBothShapes()
    {
        using var dir = new TempDir();
        string onnx = Synthetic.ColorKeyModel(dir);
        string json = File.ReadAllText(Path.ChangeExtension(onnx, ".json")).Replace("\"width\": 128", "\"width\": 100", StringComparison.Ordinal);
        File.WriteAllText(dir.File("wrong.json"), json);
        var e = Assert.Throws<LiveSegException>(() => new OnnxSegmenter(ModelSpec.FromFile(onnx, dir.File("wrong.json")), DeviceChoice.Cpu));
        Assert.Contains("1x3x128x128", e.Message);
        Assert.Contains("1x3x128x100", e.Message);
    }

    [Fact]
    public void Create_ChannelOutOfRange_SaysWhichChannelsExist()
    {
        using var dir = new TempDir();
        string onnx = Synthetic.ColorKeyModel(dir);
        string json = File.ReadAllText(Path.ChangeExtension(onnx, ".json")).Replace("\"channel\": 0", "\"channel\": 1", StringComparison.Ordinal);
        File.WriteAllText(dir.File("wrong.json"), json);
        var e = Assert.Throws<LiveSegException>(() => new OnnxSegmenter(ModelSpec.FromFile(onnx, dir.File("wrong.json")), DeviceChoice.Cpu));
        Assert.Contains("output.channel is 1", e.Message);
    }
}

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
