using System.Text.Json;

namespace LiveSeg.Models;

/// <summary>
/// Small segmentation models that the project builds itself, with known behaviour, for tests and benchmarks where no
/// trained model is needed (or none is installed). Each is written with a manifest beside it.
/// </summary>
internal static class SyntheticModels
{
    /// <summary>Names accepted by <see cref="Write"/>.</summary>
    public static readonly string[] Names = ["colorkey", "convnet", "nan", "empty-output"];

    /// <summary>
    /// Writes model <paramref name="name"/> to <paramref name="onnxPath"/> and its manifest to the same path with .json.
    /// <list type="bullet">
    /// <item><c>colorkey</c>: 128x128 RGB in, 64x64 out. Foreground where red dominates: sigmoid(20·(R − G/2 − B/2 − 1/4)),
    /// R,G,B in 0..1, averaged over 2x2 blocks (so the mask is half the input size and must be upsampled).</item>
    /// <item><c>convnet</c>: 256x256 RGB in, 64x64 out: the colour key plus an encoder of 3x3 convolutions (16→32→32 channels,
    /// two stride-2 stages, ReLU) with fixed pseudo-random weights whose contribution is small: a stand-in with the compute
    /// shape of a light segmentation network (about 0.35 GFLOP).</item>
    /// <item><c>nan</c>: 128x128 in, 128x128 out: sqrt of the colour key's logit, no activation: 1 (clamped) where red
    /// dominates, NaN elsewhere — a model with non-finite outputs.</item>
    /// <item><c>empty-output</c>: 128x128 in, an output of shape 1x1x0x128 (a zero dimension).</item>
    /// </list>
    /// </summary>
    public static void Write(string name, string onnxPath)
    {
        if (!s_models.TryGetValue(name, out var model))
            Throw.User($"unknown synthetic model '{name}': use {string.Join(" or ", Names)}.");
        model.Build().Save(onnxPath);
        WriteManifest(onnxPath, name, model.Side, model.Side);
    }

    /// <summary>Each model's graph and its (square) input side.</summary>
    private static readonly Dictionary<string, (Func<OnnxGraphBuilder> Build, int Side)> s_models = new(StringComparer.Ordinal)
    {
        ["colorkey"] = (BuildColorKey, 128),
        ["convnet"] = (BuildConvNet, 256),
        ["nan"] = (BuildNan, 128),
        ["empty-output"] = (BuildEmptyOutput, 128),
    };

    /// <summary>The colour-key probability for one RGB pixel (0..1 each), before the 2x2 average: the reference formula.</summary>
    public static float ColorKeyLogit(float r, float g, float b) => 20f * (r - 0.5f * g - 0.5f * b - 0.25f);

    private static OnnxGraphBuilder BuildColorKey()
    {
        var g = new OnnxGraphBuilder("colorkey");
        g.AddInput("image", 1, 3, 128, 128);
        string logits = ColorKeyLogits(g, "image");
        string pooled = g.Op("AveragePool", [logits], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        g.AddNode("Sigmoid", [pooled], ["mask"]);
        g.AddOutput("mask", 1, 1, 64, 64);
        return g;
    }

    private static OnnxGraphBuilder BuildNan()
    {
        var g = new OnnxGraphBuilder("nan");
        g.AddInput("image", 1, 3, 128, 128);
        g.AddNode("Sqrt", [ColorKeyLogits(g, "image")], ["mask"]);
        g.AddOutput("mask", 1, 1, 128, 128);
        return g;
    }

    private static OnnxGraphBuilder BuildEmptyOutput()
    {
        var g = new OnnxGraphBuilder("empty-output");
        g.AddInput("image", 1, 3, 128, 128);
        string starts = g.AddInt64Initializer(g.Name("starts"), [2], [0, 0]), ends = g.AddInt64Initializer(g.Name("ends"), [2], [1, 0]);
        string axes = g.AddInt64Initializer(g.Name("axes"), [2], [1, 2]);
        g.AddNode("Slice", [ColorKeyLogits(g, "image"), starts, ends, axes], ["mask"]);
        g.AddOutput("mask", 1, 1, 0, 128);
        return g;
    }

    private static OnnxGraphBuilder BuildConvNet()
    {
        var g = new OnnxGraphBuilder("convnet");
        g.AddInput("image", 1, 3, 256, 256);
        var rng = new Random(1234);
        string x = Conv(g, rng, "image", 3, 16, stride: 2);   // 128x128
        x = g.Op("Relu", [x]);
        x = Conv(g, rng, x, 16, 32, stride: 2);               // 64x64
        x = g.Op("Relu", [x]);
        x = Conv(g, rng, x, 32, 32, stride: 1);
        x = g.Op("Relu", [x]);
        x = Conv(g, rng, x, 32, 32, stride: 1);
        x = g.Op("Relu", [x]);
        string head = Conv(g, rng, x, 32, 1, stride: 1, kernel: 1);
        string key = g.Op("AveragePool", [ColorKeyLogits(g, "image")], ("kernel_shape", new long[] { 4, 4 }), ("strides", new long[] { 4, 4 }));
        string sum = g.Op("Add", [key, head]);
        g.AddNode("Sigmoid", [sum], ["mask"]);
        g.AddOutput("mask", 1, 1, 64, 64);
        return g;
    }

    private static string ColorKeyLogits(OnnxGraphBuilder g, string input)
    {
        string w = g.AddInitializer(g.Name("key_w"), [1, 3, 1, 1], [20f, -10f, -10f]);
        string b = g.AddInitializer(g.Name("key_b"), [1], [-5f]);
        return g.Op("Conv", [input, w, b]);
    }

    private static string Conv(OnnxGraphBuilder g, Random rng, string input, int cin, int cout, int stride, int kernel = 3)
    {
        var w = new float[cout * cin * kernel * kernel];
        float scale = 0.05f / MathF.Sqrt(cin * kernel * kernel);
        for (int i = 0; i < w.Length; i++)
            w[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        string wName = g.AddInitializer(g.Name("w"), [cout, cin, kernel, kernel], w);
        string bName = g.AddInitializer(g.Name("b"), [cout], new float[cout]);
        long pad = kernel / 2;
        return g.Op("Conv", [input, wName, bName], ("kernel_shape", new long[] { kernel, kernel }),
            ("strides", new long[] { stride, stride }), ("pads", new long[] { pad, pad, pad, pad }));
    }

    private static void WriteManifest(string onnxPath, string name, int width, int height)
    {
        var manifest = new Dictionary<string, object>
        {
            ["name"] = name,
            ["license"] = "MIT (LiveSeg synthetic test model)",
            ["input"] = new Dictionary<string, object>
            {
                ["name"] = "image", ["width"] = width, ["height"] = height, ["layout"] = "nchw", ["color"] = "rgb",
                ["scale"] = 1.0 / 255.0, ["mean"] = new[] { 0, 0, 0 }, ["std"] = new[] { 1, 1, 1 },
            },
            ["output"] = new Dictionary<string, object> { ["name"] = "mask", ["layout"] = "nchw", ["activation"] = "none", ["channel"] = 0 },
        };
        LiveSeg.IO.AtomicFile.WriteAllText(Path.ChangeExtension(onnxPath, ".json"), "model manifest", JsonSerializer.Serialize(manifest, s_json));
    }

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };
}
