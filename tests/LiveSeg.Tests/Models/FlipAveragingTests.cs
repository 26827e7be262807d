using LiveSeg.Models;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace LiveSeg.Tests;

/// <summary>
/// <c>liveseg models flip-average</c>: the wrapped ONNX model returns the mean of the network's output over the mirrored
/// inputs, mirrored back, computed here by hand from the original network's outputs.
/// </summary>
[Slow]
public sealed class FlipAveragingTests : IDisposable
{
    private const int H = 4, W = 6;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// A network that is not mirror-symmetric: a 3x3 convolution with distinct weights (1..27 over the 3 channels, pad 1)
    /// plus a bias, so each mirror gives a different output and a wrong mirror-back shows.
    /// </summary>
    private string AsymmetricModel(string name)
    {
        string path = _dir.File(name + ".onnx");
        var g = new OnnxGraphBuilder(name);
        g.AddInput("image", 1, 3, H, W);
        string w = g.AddInitializer("w", [1, 3, 3, 3], [.. Enumerable.Range(1, 27).Select(i => (float)i)]);
        string b = g.AddInitializer("b", [1], [0.25f]);
        string conv = g.Op("Conv", ["image", w, b], ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        g.AddNode("Identity", [conv], ["logits"]);
        g.AddOutput("logits", 1, 1, H, W);
        g.Save(path);
        File.WriteAllText(Path.ChangeExtension(path, ".json"),
            """{ "name": "asym", "input": { "name": "image", "width": 6, "height": 4 }, "output": { "name": "logits", "activation": "sigmoid" } }""");
        return path;
    }

    private static float[] Input()
    {
        var rng = new Random(5);
        return [.. Enumerable.Range(0, 3 * H * W).Select(_ => (float)rng.NextDouble())];
    }

    private static float[] Run(string model, float[] input)
    {
        using var session = new InferenceSession(model);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, H, W]);
        using var results = session.Run(new RunOptions(), ["image"], [value], ["logits"]);
        Assert.Equal([1L, 1, H, W], results[0].GetTensorTypeAndShape().Shape);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Planes of <paramref name="x"/> (C x H x W) reversed left-right and/or up-down.</summary>
    private static float[] Mirror(float[] x, int channels, bool lr, bool ud)
    {
        var y = new float[x.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int r = 0; r < H; r++)
            {
                for (int col = 0; col < W; col++)
                    y[(c * H + r) * W + col] = x[(c * H + (ud ? H - 1 - r : r)) * W + (lr ? W - 1 - col : col)];
            }
        }
        return y;
    }

    [Theory]
    [InlineData("lr")]
    [InlineData("all")]
    public void WrappedModel_ReturnsTheMeanOverMirroredInputsMirroredBack(string flips)
    {
        string original = AsymmetricModel("asym");
        byte[] before = File.ReadAllBytes(original);
        string wrapped = _dir.File("wrapped.onnx");
        var r = Cli.Run("models", "flip-average", original, "-o", wrapped, "--flips", flips);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(before, File.ReadAllBytes(original));

        float[] x = Input();
        (bool Lr, bool Ud)[] mirrors = flips == "lr" ? [(false, false), (true, false)] : [(false, false), (true, false), (false, true), (true, true)];
        var expected = new float[H * W];
        foreach (var (lr, ud) in mirrors)
        {
            float[] back = Mirror(Run(original, Mirror(x, 3, lr, ud)), 1, lr, ud);
            for (int i = 0; i < expected.Length; i++)
                expected[i] += back[i] / mirrors.Length;
        }
        float[] actual = Run(wrapped, x);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * Math.Max(1f, Math.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
        // Not the plain output: the network is asymmetric, so averaging changed it.
        Assert.Contains(Run(original, x).Zip(actual), p => Math.Abs(p.First - p.Second) > 0.1f);

        // Nodes in topological order, as ONNX requires (each reads only graph inputs, constants and earlier outputs).
        Onnx.ModelProto proto;
        using (var stream = File.OpenRead(wrapped))
            proto = Onnx.ModelProto.Parser.ParseFrom(stream);
        var known = proto.Graph.Input.Select(i => i.Name).Concat(proto.Graph.Initializer.Select(t => t.Name)).ToHashSet();
        foreach (var node in proto.Graph.Node)
        {
            Assert.All(node.Input.Where(i => i.Length > 0), i => Assert.True(known.Contains(i), $"{node.Name} reads '{i}' before it is made"));
            known.UnionWith(node.Output);
        }

        // The manifest beside it: the input's, renamed; the model runs through LiveSeg's own segmenter.
        string manifest = File.ReadAllText(_dir.File("wrapped.json"));
        Assert.Contains("\"name\": \"wrapped\"", manifest);
        Assert.Contains("\"activation\": \"sigmoid\"", manifest);
        using var segmenter = new LiveSeg.Inference.OnnxSegmenter(LiveSeg.Inference.ModelSpec.FromFile(wrapped, null), LiveSeg.Inference.DeviceChoice.Cpu);
        Assert.Equal((W, H), (segmenter.MaskWidth, segmenter.MaskHeight));
    }

    [Fact]
    public void ANetworkThatOnlyTakesBatchOne_OrAnEmptyFile_IsAOneLineError_AndNothingIsWritten()
    {
        // A Reshape with batch 1 written in (as in the converted body model's Resize): it cannot run on 2 images.
        string path = _dir.File("batch1.onnx");
        var g = new OnnxGraphBuilder("batch1");
        g.AddInput("image", 1, 3, H, W);
        string w = g.AddInitializer("w", [1, 3, 1, 1], [1f, 1f, 1f]);
        string conv = g.Op("Conv", ["image", w], ("kernel_shape", new long[] { 1, 1 }));
        string shape = g.AddInt64Initializer("shape", [4], [1, 1, H, W]);
        g.AddNode("Reshape", [conv, shape], ["logits"]);
        g.AddOutput("logits", 1, 1, H, W);
        g.Save(path);
        File.WriteAllText(_dir.File("batch1.json"), """{ "input": { "name": "image", "width": 6, "height": 4 }, "output": { "activation": "sigmoid" } }""");
        var r = Cli.Run("models", "flip-average", path, "-o", _dir.File("out.onnx"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("does not run on a batch of 2 images", r.Stderr);
        Assert.Single(r.Stderr.TrimEnd().Split('\n')); // ONNX Runtime's own log is not printed
        Assert.False(File.Exists(_dir.File("out.onnx")));
        Assert.False(File.Exists(_dir.File("out.json")));

        File.WriteAllBytes(_dir.File("empty.onnx"), []);
        File.Copy(_dir.File("batch1.json"), _dir.File("empty.json"));
        var empty = Cli.Run("models", "flip-average", _dir.File("empty.onnx"), "-o", _dir.File("out.onnx"));
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("is not a readable ONNX file", empty.Stderr);
    }

    [Fact]
    public void WrappingTwice_OrAnOutputOverTheInput_AreOneLineErrors()
    {
        string original = AsymmetricModel("asym");
        string once = _dir.File("once.onnx");
        Assert.Equal(0, Cli.Run("models", "flip-average", original, "-o", once).ExitCode);
        var twice = Cli.Run("models", "flip-average", once, "-o", _dir.File("twice.onnx"));
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("already averages flips", twice.Stderr);
        Assert.False(File.Exists(_dir.File("twice.onnx")));

        byte[] before = File.ReadAllBytes(original);
        var over = Cli.Run("models", "flip-average", original, "-o", original);
        Assert.Equal(2, over.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(original));

        var badFlips = Cli.Run("models", "flip-average", original, "-o", _dir.File("x.onnx"), "--flips", "diagonal");
        Assert.Equal(2, badFlips.ExitCode);
        Assert.Contains("use lr or all", badFlips.Stderr);
    }
}
