using LiveSeg.Models.Tflite;
using Microsoft.ML.OnnxRuntime;

namespace LiveSeg.Tests;

/// <summary>
/// The operators a detector (MediaPipe's BlazeFace) adds to a segmentation model's: PAD on channels, RESHAPE of an
/// NHWC map into [1, anchors, values], and several outputs. References come from TFLite's NHWC definitions.
/// </summary>
public partial class TfliteImporterTests
{
    /// <summary>Converts, runs on an NHWC input and returns each named output as laid out by ONNX Runtime.</summary>
    private static (float[] Values, long[] Shape)[] RunOutputs(TinyTflite model, int input, int[] outputs, T x, string[] names)
    {
        using var dir = new TempDir();
        string tflite = dir.File("m.tflite"), onnx = dir.File("m.onnx");
        File.WriteAllBytes(tflite, model.Build(input, outputs));
        TfliteToOnnx.Convert(tflite, onnx);
        var nchw = new float[x.V.Length];
        for (int y = 0; y < x.H; y++)
            for (int xx = 0; xx < x.W; xx++)
                for (int c = 0; c < x.C; c++)
                    nchw[(c * x.H + y) * x.W + xx] = x[y, xx, c];
        using var session = new InferenceSession(onnx);
        Assert.Equal(names, session.OutputMetadata.Keys.ToArray());
        using var value = OrtValue.CreateTensorValueFromMemory(nchw, [1, x.C, x.H, x.W]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [value], names);
        return results.Select(r => (r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape)).ToArray();
    }

    [Fact]
    public void Pad_ChannelsAndSpace_MatchesReference()
    {
        var m = new TinyTflite();
        var x = T.Random(3, 4, 2, 21);
        // (before, after) per NHWC dimension: none on N, 1/0 on H, 0/2 on W, 0/3 on C (BlazeFace's channel padding).
        int i = m.Tensor([1, 3, 4, 2]), pads = m.TensorInt32([4, 2], [0, 0, 1, 0, 0, 2, 0, 3]), o = m.Tensor([1, 4, 6, 5]);
        m.Op(TfliteOps.Pad, [i, pads], [o]);
        AssertConverts(m, i, o, x, T.Make(4, 6, 5, (y, xx, c) => y >= 1 && xx < 4 && c < 2 ? x[y - 1, xx, c] : 0f));
    }

    [Fact]
    public void Reshape_NhwcMapToAnchorRows_KeepsTfliteMemoryOrder()
    {
        // A 2x3 map with 4 channels = 2 anchors x 2 values per cell → [1, 12, 2]: anchor (y, x, a) is row (y·3 + x)·2 + a.
        var m = new TinyTflite();
        var x = T.Random(2, 3, 4, 22);
        int i = m.Tensor([1, 2, 3, 4]), o = m.Tensor([1, 12, 2]);
        m.Op(TfliteOps.Reshape, [i], [o]);
        var (values, shape) = RunOutputs(m, i, [o], x, ["output"])[0];
        Assert.Equal(new long[] { 1, 12, 2 }, shape);
        Assert.Equal(x.V, values); // NHWC memory order is the reshaped order
    }

    [Fact]
    public void Reshape_Rank3BackToRank4_LaysOutNchwAgain()
    {
        var m = new TinyTflite();
        var x = T.Random(2, 2, 3, 23);
        int i = m.Tensor([1, 2, 2, 3]), flat = m.Tensor([1, 4, 3]), o = m.Tensor([1, 1, 4, 3]);
        m.Op(TfliteOps.Reshape, [i], [flat]);
        m.Op(TfliteOps.Reshape, [flat], [o]);
        AssertConverts(m, i, o, x, new T(1, 4, 3, x.V));
    }

    [Fact]
    public void TwoOutputs_ConcatenatedAnchorRows_KeepTheirTfliteNamesAndOrder()
    {
        // BlazeFace's head: two maps reshaped to anchor rows and concatenated on the anchor axis, for scores and boxes.
        var m = new TinyTflite();
        var x = T.Random(2, 2, 3, 24);
        float[] w = Rand(2 * 3, 25);
        int i = m.Tensor([1, 2, 2, 3]), wt = m.Tensor([2, 1, 1, 3], w), bt = m.Tensor([2], [0.5f, -0.5f]);
        int conv = m.Tensor([1, 2, 2, 2]), a = m.Tensor([1, 8, 1]), b = m.Tensor([1, 4, 3]), scores = m.Tensor([1, 12, 1]);
        int boxes = m.Tensor([1, 4, 3]);
        m.Op(TfliteOps.Conv2D, [i, wt, bt], [conv], (0, 'b', Same), (1, 'i', 1), (2, 'i', 1), (3, 'b', 0));
        m.Op(TfliteOps.Reshape, [conv], [a]);
        m.Op(TfliteOps.Reshape, [i], [b]);
        m.Op(TfliteOps.Reshape, [b], [boxes]);
        int bAsRows = m.Tensor([1, 4, 1]);
        m.Op(TfliteOps.Mean, [b, m.TensorInt32([1], [2])], [bAsRows], (0, 'b', 1));
        m.Op(TfliteOps.Concatenation, [a, bAsRows], [scores], (0, 'i', 1), (1, 'b', 0));
        var outs = RunOutputs(m, i, [boxes, scores], x, ["t7", "t6"]);
        Assert.Equal(x.V, outs[0].Values);
        var conv1x1 = ReferenceConv(x, w, 2, 1, 1, [0.5f, -0.5f], Same, 1, false, v => v);
        var expected = conv1x1.V.Concat(Enumerable.Range(0, 4).Select(p => (x.V[3 * p] + x.V[3 * p + 1] + x.V[3 * p + 2]) / 3)).ToArray();
        Assert.Equal(new long[] { 1, 12, 1 }, outs[1].Shape);
        for (int k = 0; k < expected.Length; k++)
            Assert.True(MathF.Abs(expected[k] - outs[1].Values[k]) <= 1e-5f, $"score row {k}: {outs[1].Values[k]} vs {expected[k]}");
    }
}
