using LiveSeg.Models.Tflite;
using Microsoft.ML.OnnxRuntime;

namespace LiveSeg.Tests;

/// <summary>
/// Each operator the TFLite importer supports, on a tiny model written by <see cref="TinyTflite"/>: the converted ONNX
/// model (run by ONNX Runtime) against a reference computed here, directly from TFLite's NHWC definition of the op.
/// </summary>
public partial class TfliteImporterTests
{
    private const byte Same = 0, Valid = 1;

    /// <summary>An NHWC tensor with batch 1.</summary>
    private sealed record T(int H, int W, int C, float[] V)
    {
        public float this[int y, int x, int c] => V[(y * W + x) * C + c];

        public static T Random(int h, int w, int c, int seed)
        {
            var rng = new Random(seed);
            return new T(h, w, c, Enumerable.Range(0, h * w * c).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray());
        }

        public static T Make(int h, int w, int c, Func<int, int, int, float> f)
        {
            var v = new float[h * w * c];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < c; k++)
                        v[(y * w + x) * c + k] = f(y, x, k);
            return new T(h, w, c, v);
        }
    }

    private static float[] Rand(int n, int seed) => T.Random(1, 1, n, seed).V;

    /// <summary>Converts the model, runs it on <paramref name="x"/> (NHWC → NCHW in, NCHW → NHWC out) and compares.</summary>
    private static void AssertConverts(TinyTflite model, int input, int output, T x, T expected, float tolerance = 1e-5f)
    {
        var (got, shape) = RunOutputs(model, input, [output], x, ["output"])[0];
        Assert.Equal(new long[] { 1, expected.C, expected.H, expected.W }, shape);
        float worst = 0;
        for (int y = 0; y < expected.H; y++)
            for (int xx = 0; xx < expected.W; xx++)
                for (int c = 0; c < expected.C; c++)
                    worst = MathF.Max(worst, MathF.Abs(got[(c * expected.H + y) * expected.W + xx] - expected[y, xx, c]));
        Assert.True(worst <= tolerance, $"max |ONNX − reference| = {worst}");
    }

    /// <summary>TFLite output size and leading pad: SAME → ceil(in / s), pad = total / 2; VALID → no pad.</summary>
    private static (int Out, int Pad) Geometry(byte padding, int input, int k, int s, int d = 1)
    {
        int eff = (k - 1) * d + 1;
        if (padding == Valid)
            return ((input - eff) / s + 1, 0);
        int output = (input + s - 1) / s;
        return (output, Math.Max((output - 1) * s + eff - input, 0) / 2);
    }

    private static T ReferenceConv(T x, float[] w, int outC, int kh, int kw, float[] bias, byte padding, int s, bool depthwise, Func<float, float> act)
    {
        var (oh, ph) = Geometry(padding, x.H, kh, s);
        var (ow, pw) = Geometry(padding, x.W, kw, s);
        return T.Make(oh, ow, outC, (y, xx, o) =>
        {
            float sum = bias[o];
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    int iy = y * s + ky - ph, ix = xx * s + kx - pw;
                    if (iy < 0 || ix < 0 || iy >= x.H || ix >= x.W)
                        continue;
                    if (depthwise)
                        sum += x[iy, ix, o] * w[(ky * kw + kx) * outC + o];
                    else
                        for (int c = 0; c < x.C; c++)
                            sum += x[iy, ix, c] * w[((o * kh + ky) * kw + kx) * x.C + c];
                }
            }
            return act(sum);
        });
    }

    [Fact]
    public void Conv2D_SameStride2FusedRelu6_MatchesReference()
    {
        var m = new TinyTflite();
        var x = T.Random(5, 7, 3, 1);
        float[] w = Rand(4 * 3 * 3 * 3, 2), b = Rand(4, 3);
        int i = m.Tensor([1, 5, 7, 3]), wt = m.Tensor([4, 3, 3, 3], w), bt = m.Tensor([4], b), o = m.Tensor([1, 3, 4, 4]);
        m.Op(TfliteOps.Conv2D, [i, wt, bt], [o], (0, 'b', Same), (1, 'i', 2), (2, 'i', 2), (3, 'b', 3));
        AssertConverts(m, i, o, x, ReferenceConv(x, w, 4, 3, 3, b, Same, 2, false, v => Math.Clamp(v, 0, 6)));
    }

    [Fact]
    public void Conv2D_ValidWithFloat16WeightsThroughDequantize_MatchesReference()
    {
        var m = new TinyTflite();
        var x = T.Random(4, 4, 2, 4);
        float[] w = Rand(3 * 2 * 2 * 2, 5).Select(v => (float)(Half)v).ToArray(), b = Rand(3, 6).Select(v => (float)(Half)v).ToArray();
        int i = m.Tensor([1, 4, 4, 2]), w16 = m.TensorF16([3, 2, 2, 2], w), b16 = m.TensorF16([3], b);
        int wf = m.Tensor([3, 2, 2, 2]), bf = m.Tensor([3]), o = m.Tensor([1, 3, 3, 3]);
        m.Op(TfliteOps.Dequantize, [w16], [wf]);
        m.Op(TfliteOps.Dequantize, [b16], [bf]);
        m.Op(TfliteOps.Conv2D, [i, wf, bf], [o], (0, 'b', Valid), (1, 'i', 1), (2, 'i', 1), (3, 'b', 0));
        AssertConverts(m, i, o, x, ReferenceConv(x, w, 3, 2, 2, b, Valid, 1, false, v => v));
    }

    [Fact]
    public void DepthwiseConv2D_SameFusedRelu_MatchesReference()
    {
        var m = new TinyTflite();
        var x = T.Random(5, 6, 4, 7);
        float[] w = Rand(3 * 3 * 4, 8), b = Rand(4, 9);
        int i = m.Tensor([1, 5, 6, 4]), wt = m.Tensor([1, 3, 3, 4], w), bt = m.Tensor([4], b), o = m.Tensor([1, 5, 6, 4]);
        m.Op(TfliteOps.DepthwiseConv2D, [i, wt, bt], [o], (0, 'b', Same), (1, 'i', 1), (2, 'i', 1), (3, 'i', 1), (4, 'b', 1));
        AssertConverts(m, i, o, x, ReferenceConv(x, w, 4, 3, 3, b, Same, 1, true, v => MathF.Max(v, 0)));
    }

    [Theory]
    [InlineData(true, Same, 3, 1)]    // average, padded cells not counted
    [InlineData(true, Valid, 5, 1)]   // global average (squeeze-excite blocks)
    [InlineData(false, Valid, 2, 2)]  // max
    public void Pool2D_MatchesReference(bool average, byte padding, int k, int s)
    {
        var m = new TinyTflite();
        var x = T.Random(5, 5, 2, 10);
        var (oh, ph) = Geometry(padding, 5, k, s);
        int i = m.Tensor([1, 5, 5, 2]), o = m.Tensor([1, oh, oh, 2]);
        m.Op(average ? TfliteOps.AveragePool2D : TfliteOps.MaxPool2D, [i], [o], (0, 'b', padding), (1, 'i', s), (2, 'i', s), (3, 'i', k), (4, 'i', k), (5, 'b', 0));
        var expected = T.Make(oh, oh, 2, (y, xx, c) =>
        {
            float acc = average ? 0 : float.NegativeInfinity;
            int n = 0;
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                {
                    int iy = y * s + ky - ph, ix = xx * s + kx - ph;
                    if (iy < 0 || ix < 0 || iy >= 5 || ix >= 5)
                        continue;
                    acc = average ? acc + x[iy, ix, c] : MathF.Max(acc, x[iy, ix, c]);
                    n++;
                }
            return average ? acc / n : acc;
        });
        AssertConverts(m, i, o, x, expected);
    }

    [Fact]
    public void AddMulSub_WithBroadcastConstantAndActivations_MatchReference()
    {
        var m = new TinyTflite();
        var x = T.Random(3, 4, 3, 11);
        float[] k = [0.5f, -1f, 2f];
        int i = m.Tensor([1, 3, 4, 3]), kt = m.Tensor([3], k), a = m.Tensor([1, 3, 4, 3]), p = m.Tensor([1, 3, 4, 3]), o = m.Tensor([1, 3, 4, 3]);
        m.Op(TfliteOps.Add, [i, kt], [a], (0, 'b', 1));   // relu(x + k)
        m.Op(TfliteOps.Mul, [a, i], [p], (0, 'b', 0));    // · x
        m.Op(TfliteOps.Sub, [p, kt], [o], (0, 'b', 0));   // − k
        AssertConverts(m, i, o, x, T.Make(3, 4, 3, (y, xx, c) => MathF.Max(x[y, xx, c] + k[c], 0) * x[y, xx, c] - k[c]));
    }

    [Theory]
    [InlineData(TfliteOps.HardSwish)]
    [InlineData(TfliteOps.Logistic)]
    [InlineData(TfliteOps.Relu)]
    [InlineData(TfliteOps.Relu6)]
    public void Unary_MatchesReference(int op)
    {
        var m = new TinyTflite();
        var x = T.Make(2, 5, 2, (y, xx, c) => (y * 10 + xx * 2 + c - 10) * 0.9f); // -9 .. 9: crosses every knee
        int i = m.Tensor([1, 2, 5, 2]), o = m.Tensor([1, 2, 5, 2]);
        m.Op(op, [i], [o]);
        Func<float, float> f = op switch
        {
            TfliteOps.HardSwish => v => v * Math.Clamp(v + 3, 0, 6) / 6,
            TfliteOps.Logistic => v => 1 / (1 + MathF.Exp(-v)),
            TfliteOps.Relu => v => MathF.Max(v, 0),
            _ => v => Math.Clamp(v, 0, 6),
        };
        AssertConverts(m, i, o, x, T.Make(2, 5, 2, (y, xx, c) => f(x[y, xx, c])));
    }

    [Theory]
    [InlineData(false, true)]   // half_pixel_centers (Keras UpSampling2D bilinear)
    [InlineData(true, false)]   // align_corners
    [InlineData(false, false)]  // asymmetric (TF1 default)
    public void ResizeBilinear_MatchesTensorFlowDefinition(bool alignCorners, bool halfPixel)
    {
        var m = new TinyTflite();
        var x = T.Random(3, 4, 2, 12);
        int i = m.Tensor([1, 3, 4, 2]), size = m.TensorInt32([2], [6, 7]), o = m.Tensor([1, 6, 7, 2]);
        m.Op(TfliteOps.ResizeBilinear, [i, size], [o], (2, 'b', alignCorners ? 1 : 0), (3, 'b', halfPixel ? 1 : 0));
        float Source(int dst, int inSize, int outSize)
        {
            float scale = alignCorners && outSize > 1 ? (inSize - 1f) / (outSize - 1f) : (float)inSize / outSize;
            return halfPixel ? MathF.Max(0, (dst + 0.5f) * scale - 0.5f) : dst * scale;
        }
        var expected = T.Make(6, 7, 2, (y, xx, c) =>
        {
            float sy = Source(y, 3, 6), sx = Source(xx, 4, 7);
            int y0 = (int)MathF.Floor(sy), x0 = (int)MathF.Floor(sx);
            int y1 = Math.Min(y0 + 1, 2), x1 = Math.Min(x0 + 1, 3);
            float fy = sy - y0, fx = sx - x0;
            float top = x[y0, x0, c] * (1 - fx) + x[y0, x1, c] * fx, bottom = x[y1, x0, c] * (1 - fx) + x[y1, x1, c] * fx;
            return top * (1 - fy) + bottom * fy;
        });
        AssertConverts(m, i, o, x, expected);
    }

    [Fact]
    public void MeanOverHeightAndWidth_KeepDims_MatchesReference()
    {
        var m = new TinyTflite();
        var x = T.Random(3, 5, 4, 13);
        int i = m.Tensor([1, 3, 5, 4]), axes = m.TensorInt32([2], [1, 2]), o = m.Tensor([1, 1, 1, 4]);
        m.Op(TfliteOps.Mean, [i, axes], [o], (0, 'b', 1));
        AssertConverts(m, i, o, x, T.Make(1, 1, 4, (_, _, c) =>
        {
            float s = 0;
            for (int y = 0; y < 3; y++)
                for (int xx = 0; xx < 5; xx++)
                    s += x[y, xx, c];
            return s / 15;
        }));
    }

    [Fact]
    public void ConcatenationOnChannels_MatchesReference()
    {
        var m = new TinyTflite();
        var x = T.Random(2, 3, 2, 14);
        float[] k = [1f, 2f];
        int i = m.Tensor([1, 2, 3, 2]), kt = m.Tensor([2], k), scaled = m.Tensor([1, 2, 3, 2]), o = m.Tensor([1, 2, 3, 4]);
        m.Op(TfliteOps.Mul, [i, kt], [scaled], (0, 'b', 0));
        m.Op(TfliteOps.Concatenation, [i, scaled], [o], (0, 'i', -1), (1, 'b', 0));
        AssertConverts(m, i, o, x, T.Make(2, 3, 4, (y, xx, c) => c < 2 ? x[y, xx, c] : x[y, xx, c - 2] * k[c - 2]));
    }

    [Theory]
    [InlineData(2, 2)]  // the selfie models' head: 2x2 kernel, stride 2, no padding
    [InlineData(3, 2)]  // SAME padding actually trims: total = (in − 1)·2 + 3 − out = 1
    public void Convolution2DTransposeBias_MatchesReference(int k, int s)
    {
        var m = new TinyTflite();
        var x = T.Random(3, 4, 3, 15);
        int outC = 2, oh = 3 * s, ow = 4 * s;
        float[] w = Rand(outC * k * k * 3, 16), b = [0.25f, -0.5f];
        int i = m.Tensor([1, 3, 4, 3]), wt = m.Tensor([outC, k, k, 3], w), bt = m.Tensor([outC], b), o = m.Tensor([1, oh, ow, outC]);
        byte[] options = [.. BitConverter.GetBytes(1), .. BitConverter.GetBytes(s), .. BitConverter.GetBytes(s)];
        m.Custom("Convolution2DTransposeBias", [i, wt, bt], [o], options);
        int padH = Math.Max(0, (3 - 1) * s + k - oh) / 2, padW = Math.Max(0, (4 - 1) * s + k - ow) / 2;
        var expected = new float[oh * ow * outC];
        for (int y = 0; y < oh; y++)
            for (int xx = 0; xx < ow; xx++)
                for (int c = 0; c < outC; c++)
                    expected[(y * ow + xx) * outC + c] = b[c];
        for (int iy = 0; iy < 3; iy++)
            for (int ix = 0; ix < 4; ix++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                    {
                        int y = iy * s + ky - padH, xx = ix * s + kx - padW;
                        if (y < 0 || xx < 0 || y >= oh || xx >= ow)
                            continue;
                        for (int c = 0; c < outC; c++)
                            for (int ic = 0; ic < 3; ic++)
                                expected[(y * ow + xx) * outC + c] += x[iy, ix, ic] * w[((c * k + ky) * k + kx) * 3 + ic];
                    }
        AssertConverts(m, i, o, x, new T(oh, ow, outC, expected));
    }

    [Fact]
    public void Convert_UnsupportedOperators_ListsEveryOne()
    {
        var m = new TinyTflite();
        int i = m.Tensor([1, 2, 2, 1]), a = m.Tensor([1, 2, 2, 1]), o = m.Tensor([1, 2, 2, 1]);
        m.Op(28, [i], [a]);  // TANH
        m.Op(99, [a], [o]);  // some other builtin
        using var dir = new TempDir();
        File.WriteAllBytes(dir.File("u.tflite"), m.Build(i, o));
        var e = Assert.Throws<LiveSegException>(() => TfliteToOnnx.Convert(dir.File("u.tflite"), dir.File("u.onnx")));
        Assert.Contains("does not support: BUILTIN_28, BUILTIN_99", e.Message);
    }

    [Fact]
    public void Load_NotATfliteFile_IsAClearError()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("x.tflite"), "hello, not a flatbuffer");
        var e = Assert.Throws<LiveSegException>(() => TfliteModel.Load(dir.File("x.tflite")));
        Assert.Contains("is not a valid TFLite model: missing the TFL3 file identifier", e.Message);
    }
}
