using LiveSeg.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LiveSeg.Training;

internal enum Architecture { UNet, SegNet, ResUNet }

/// <summary>
/// A segmentation network that can also write itself as an ONNX graph. Forward and export live side by side in each
/// module, so the exported graph has exactly the structure that was trained. Input: [N,3,H,W] RGB 0..1 (H, W multiples
/// of 16); output: [N,1,H,W] logits of "lesion".
/// </summary>
internal interface IExportable
{
    /// <summary>Adds this module's ops after <paramref name="input"/> and returns the output's name (inference mode: BatchNorm folded).</summary>
    string Export(OnnxGraphBuilder g, string input);
}

/// <summary>
/// BatchNorm over channels with running statistics (momentum 0.1, ε 1e-5), calling functional.batch_norm directly.
/// TorchSharp's BatchNorm2d also counts batches in an int64 buffer (num_batches_tracked.add_(1)); in a long training
/// run under dispose scopes that add failed here after ~500 steps ("For integral input tensors, argument alpha must not
/// be a floating point number"). The count is only needed for momentum = 0, which LiveSeg never uses.
/// </summary>
internal sealed class BatchNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight;
    private readonly Parameter _bias;
    private readonly Tensor _runningMean;
    private readonly Tensor _runningVar;

    public BatchNorm(string name, long channels) : base(name)
    {
        _weight = new Parameter(ones(channels));
        _bias = new Parameter(zeros(channels));
        _runningMean = zeros(channels);
        _runningVar = ones(channels);
        register_parameter("weight", _weight);
        register_parameter("bias", _bias);
        register_buffer("running_mean", _runningMean);
        register_buffer("running_var", _runningVar);
    }

    public Tensor Weight => _weight;

    public Tensor Bias => _bias;

    public Tensor RunningMean => _runningMean;

    public Tensor RunningVar => _runningVar;

    public override Tensor forward(Tensor x) =>
        nn.functional.batch_norm(x, _runningMean, _runningVar, _weight, _bias, training, 0.1, 1e-5);
}

/// <summary>conv k x k (no bias, k = 3 or 1) → BatchNorm → ReLU (optional); stride 1 or 2.</summary>
internal sealed class ConvBnRelu : nn.Module<Tensor, Tensor>, IExportable
{
    private readonly Conv2d _conv;
    private readonly BatchNorm _bn;
    private readonly long _stride;
    private readonly long _kernel;
    private readonly bool _relu;

    public ConvBnRelu(string name, long cin, long cout, long stride = 1, long kernel = 3, bool relu = true) : base(name)
    {
        _stride = stride;
        _kernel = kernel;
        _relu = relu;
        _conv = nn.Conv2d(cin, cout, kernel, stride: stride, padding: kernel / 2, bias: false);
        _bn = new BatchNorm(name + "_bn", cout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor y = _bn.forward(_conv.forward(x));
        return _relu ? nn.functional.relu(y) : y;
    }

    /// <summary>BatchNorm folded into the convolution: w' = w·γ/√(σ²+ε), b' = β − μ·γ/√(σ²+ε).</summary>
    public string Export(OnnxGraphBuilder g, string input)
    {
        float[] w = Floats(_conv.weight!);
        float[] gamma = Floats(_bn.Weight), beta = Floats(_bn.Bias), mean = Floats(_bn.RunningMean), variance = Floats(_bn.RunningVar);
        long cout = _conv.weight!.shape[0], cin = _conv.weight.shape[1];
        int perOut = (int)(cin * _kernel * _kernel);
        var bias = new float[cout];
        for (int o = 0; o < cout; o++)
        {
            float scale = gamma[o] / MathF.Sqrt(variance[o] + 1e-5f);
            for (int k = 0; k < perOut; k++)
                w[o * perOut + k] *= scale;
            bias[o] = beta[o] - mean[o] * scale;
        }
        long pad = _kernel / 2;
        string wName = g.AddInitializer(g.Name("w"), [cout, cin, _kernel, _kernel], w);
        string bName = g.AddInitializer(g.Name("b"), [cout], bias);
        string conv = g.Op("Conv", [input, wName, bName], ("kernel_shape", new long[] { _kernel, _kernel }), ("pads", new long[] { pad, pad, pad, pad }),
            ("strides", new long[] { _stride, _stride }));
        return _relu ? g.Op("Relu", [conv]) : conv;
    }

    internal static float[] Floats(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();
}

/// <summary>
/// Residual block: ReLU(BN(conv3x3(ReLU(BN(conv3x3 x)))) + shortcut x), the shortcut a 1x1 conv + BN when the
/// channel count changes. Exported as Conv/Relu/Conv/Add/Relu with BatchNorm folded.
/// </summary>
internal sealed class ResBlock : nn.Module<Tensor, Tensor>, IExportable
{
    private readonly ConvBnRelu _a;
    private readonly ConvBnRelu _b;
    private readonly ConvBnRelu? _shortcut;

    public ResBlock(string name, long cin, long cout) : base(name)
    {
        _a = new ConvBnRelu(name + "_a", cin, cout);
        _b = new ConvBnRelu(name + "_b", cout, cout, relu: false);
        if (cin != cout)
            _shortcut = new ConvBnRelu(name + "_s", cin, cout, kernel: 1, relu: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.relu(_b.forward(_a.forward(x)).add(_shortcut is null ? x : _shortcut.forward(x), Scalars.One));

    public string Export(OnnxGraphBuilder g, string input)
    {
        string main = _b.Export(g, _a.Export(g, input));
        string shortcut = _shortcut is null ? input : _shortcut.Export(g, input);
        return g.Op("Relu", [g.Op("Add", [main, shortcut])]);
    }
}

/// <summary>Two <see cref="ConvBnRelu"/>.</summary>
internal sealed class DoubleConv : nn.Module<Tensor, Tensor>, IExportable
{
    private readonly ConvBnRelu _a;
    private readonly ConvBnRelu _b;

    public DoubleConv(string name, long cin, long cout) : base(name)
    {
        _a = new ConvBnRelu(name + "_a", cin, cout);
        _b = new ConvBnRelu(name + "_b", cout, cout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => _b.forward(_a.forward(x));

    public string Export(OnnxGraphBuilder g, string input) => _b.Export(g, _a.Export(g, input));
}

/// <summary>
/// The encoder–decoder of the lesson, light enough for real time on a CPU. A stride-2 stem halves the input; three
/// 2x2 max-pool stages go down to 1/16; the decoder goes back up with nearest-neighbour ×2 upsampling and double
/// convolutions; a 1x1 head gives logits at 1/2 size, upsampled bilinearly to the input size.
/// <b>U-Net</b> concatenates each encoder level into the decoder (skip connections); <b>SegNet</b>-style has none
/// (the original SegNet unpools with the encoder's max-pool indices; here the decoder upsamples by nearest neighbour).
/// Widths: stem 16 → 16, 32, 64, bottleneck 64.
/// </summary>
internal sealed class SegmentationNet : SegmentationModel
{
    private readonly ConvBnRelu _stem;
    private readonly DoubleConv _enc1;
    private readonly DoubleConv _enc2;
    private readonly DoubleConv _enc3;
    private readonly DoubleConv _bottleneck;
    private readonly DoubleConv _dec3;
    private readonly DoubleConv _dec2;
    private readonly DoubleConv _dec1;
    private readonly Conv2d _head;

    public SegmentationNet(Architecture architecture) : base(architecture)
    {
        if (architecture == Architecture.ResUNet)
            throw new ArgumentException("use ResUNet for the residual U-Net", nameof(architecture));
        bool skips = architecture == Architecture.UNet;
        _stem = new ConvBnRelu("stem", 3, 16, stride: 2);
        _enc1 = new DoubleConv("enc1", 16, 16);
        _enc2 = new DoubleConv("enc2", 16, 32);
        _enc3 = new DoubleConv("enc3", 32, 64);
        _bottleneck = new DoubleConv("bottleneck", 64, 64);
        _dec3 = new DoubleConv("dec3", skips ? 64 + 64 : 64, 32);
        _dec2 = new DoubleConv("dec2", skips ? 32 + 32 : 32, 16);
        _dec1 = new DoubleConv("dec1", skips ? 16 + 16 : 16, 16);
        _head = nn.Conv2d(16, 1, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        bool skips = Architecture == Architecture.UNet;
        Tensor e1 = _enc1.forward(_stem.forward(x));
        Tensor e2 = _enc2.forward(nn.functional.max_pool2d(e1, 2));
        Tensor e3 = _enc3.forward(nn.functional.max_pool2d(e2, 2));
        Tensor b = _bottleneck.forward(nn.functional.max_pool2d(e3, 2));
        Tensor d3 = _dec3.forward(Join(Up(b), e3, skips));
        Tensor d2 = _dec2.forward(Join(Up(d3), e2, skips));
        Tensor d1 = _dec1.forward(Join(Up(d2), e1, skips));
        Tensor logits = _head.forward(d1);
        return nn.functional.interpolate(logits, scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    internal static Tensor Up(Tensor x) => nn.functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);

    private static Tensor Join(Tensor up, Tensor skip, bool skips) => skips ? cat([up, skip], 1) : up;

    private static string Join(OnnxGraphBuilder g, string up, string skip, bool skips) =>
        skips ? g.Op("Concat", [up, skip], ("axis", 1L)) : up;

    public override string Export(OnnxGraphBuilder g, string input)
    {
        bool skips = Architecture == Architecture.UNet;
        string e1 = _enc1.Export(g, _stem.Export(g, input));
        string e2 = _enc2.Export(g, Pool(g, e1));
        string e3 = _enc3.Export(g, Pool(g, e2));
        string b = _bottleneck.Export(g, Pool(g, e3));
        string d3 = _dec3.Export(g, Join(g, Up(g, b, "nearest"), e3, skips));
        string d2 = _dec2.Export(g, Join(g, Up(g, d3, "nearest"), e2, skips));
        string d1 = _dec1.Export(g, Join(g, Up(g, d2, "nearest"), e1, skips));
        string w = g.AddInitializer(g.Name("head_w"), [1, 16, 1, 1], ConvBnRelu.Floats(_head.weight!));
        string hb = g.AddInitializer(g.Name("head_b"), [1], ConvBnRelu.Floats(_head.bias!));
        string logits = g.Op("Conv", [d1, w, hb], ("kernel_shape", new long[] { 1, 1 }));
        return Up(g, logits, "linear");
    }
}

/// <summary>A trainable segmentation network that can write itself as ONNX: input [N,3,H,W] RGB 0..1, output [N,1,H,W] logits.</summary>
internal abstract class SegmentationModel : nn.Module<Tensor, Tensor>, IExportable
{
    protected SegmentationModel(Architecture architecture) : base(architecture.ToString().ToLowerInvariant())
    {
        Architecture = architecture;
        Scalars.Touch(); // created outside any dispose scope
    }

    public Architecture Architecture { get; }

    /// <summary>H and W must be multiples of this.</summary>
    public virtual int SizeMultiple => 16;

    public abstract string Export(OnnxGraphBuilder g, string input);

    public static SegmentationModel Create(Architecture architecture) =>
        architecture == Architecture.ResUNet ? new ResUNet() : new SegmentationNet(architecture);

    internal static string Pool(OnnxGraphBuilder g, string x) =>
        g.Op("MaxPool", [x], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));

    /// <summary>×2 resize matching torch: nearest (asymmetric, floor) or bilinear (half-pixel, align_corners=false).</summary>
    internal static string Up(OnnxGraphBuilder g, string x, string mode)
    {
        string scales = g.AddInitializer(g.Name("scales"), [4], [1f, 1f, 2f, 2f]);
        return mode == "nearest"
            ? g.Op("Resize", [x, "", scales], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"))
            : g.Op("Resize", [x, "", scales], ("mode", "linear"), ("coordinate_transformation_mode", "pytorch_half_pixel"));
    }

    /// <summary>Writes the trained network (eval mode) as ONNX with input "image" [1,3,size,size] and output "logits" [1,1,size,size].</summary>
    public void ExportOnnx(string path, int size)
    {
        eval();
        var g = new OnnxGraphBuilder(Architecture.ToString().ToLowerInvariant());
        g.AddInput("image", 1, 3, size, size);
        string output = Export(g, "image");
        g.AddNode("Identity", [output], ["logits"]);
        g.AddOutput("logits", 1, 1, size, size);
        g.Save(path);
    }

    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>True when every parameter and buffer is finite (no NaN, no ±∞).</summary>
    public bool AllFinite()
    {
        using var scope = NewDisposeScope();
        return parameters().Concat(buffers()).All(t => t.isfinite().all().item<bool>());
    }
}

/// <summary>
/// Residual U-Net, the <c>nevus</c> model since ISIC 2017 training: more depth and width where the image is small
/// (context for large lesions, stickers, rulers, vignettes) and light where it is large (speed). Stride-2 stem (16) →
/// residual blocks at 1/2 (16), 1/4 (32), 1/8 (64), 1/16 (96) and a 1/32 bottleneck (160), 2x2 max-pooling between;
/// decoder: nearest ×2, skip concatenation, double 3x3 conv (64, 32, 16, 16), 1x1 head, bilinear ×2 to the input.
/// Input sides: multiples of 32.
/// </summary>
internal sealed class ResUNet : SegmentationModel
{
    private readonly ConvBnRelu _stem;
    private readonly ResBlock _enc1;
    private readonly ResBlock _enc2;
    private readonly ResBlock _enc3;
    private readonly ResBlock _enc4;
    private readonly ResBlock _bottleneck;
    private readonly DoubleConv _dec4;
    private readonly DoubleConv _dec3;
    private readonly DoubleConv _dec2;
    private readonly DoubleConv _dec1;
    private readonly Conv2d _head;

    public ResUNet() : base(Architecture.ResUNet)
    {
        _stem = new ConvBnRelu("stem", 3, 16, stride: 2);
        _enc1 = new ResBlock("enc1", 16, 16);
        _enc2 = new ResBlock("enc2", 16, 32);
        _enc3 = new ResBlock("enc3", 32, 64);
        _enc4 = new ResBlock("enc4", 64, 96);
        _bottleneck = new ResBlock("bottleneck", 96, 160);
        _dec4 = new DoubleConv("dec4", 160 + 96, 64);
        _dec3 = new DoubleConv("dec3", 64 + 64, 32);
        _dec2 = new DoubleConv("dec2", 32 + 32, 16);
        _dec1 = new DoubleConv("dec1", 16 + 16, 16);
        _head = nn.Conv2d(16, 1, 1);
        RegisterComponents();
    }

    public override int SizeMultiple => 32;

    public override Tensor forward(Tensor x)
    {
        Tensor e1 = _enc1.forward(_stem.forward(x));
        Tensor e2 = _enc2.forward(nn.functional.max_pool2d(e1, 2));
        Tensor e3 = _enc3.forward(nn.functional.max_pool2d(e2, 2));
        Tensor e4 = _enc4.forward(nn.functional.max_pool2d(e3, 2));
        Tensor b = _bottleneck.forward(nn.functional.max_pool2d(e4, 2));
        Tensor d4 = _dec4.forward(cat([SegmentationNet.Up(b), e4], 1));
        Tensor d3 = _dec3.forward(cat([SegmentationNet.Up(d4), e3], 1));
        Tensor d2 = _dec2.forward(cat([SegmentationNet.Up(d3), e2], 1));
        Tensor d1 = _dec1.forward(cat([SegmentationNet.Up(d2), e1], 1));
        Tensor logits = _head.forward(d1);
        return nn.functional.interpolate(logits, scale_factor: [2.0, 2.0], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    public override string Export(OnnxGraphBuilder g, string input)
    {
        string e1 = _enc1.Export(g, _stem.Export(g, input));
        string e2 = _enc2.Export(g, Pool(g, e1));
        string e3 = _enc3.Export(g, Pool(g, e2));
        string e4 = _enc4.Export(g, Pool(g, e3));
        string b = _bottleneck.Export(g, Pool(g, e4));
        string d4 = _dec4.Export(g, g.Op("Concat", [Up(g, b, "nearest"), e4], ("axis", 1L)));
        string d3 = _dec3.Export(g, g.Op("Concat", [Up(g, d4, "nearest"), e3], ("axis", 1L)));
        string d2 = _dec2.Export(g, g.Op("Concat", [Up(g, d3, "nearest"), e2], ("axis", 1L)));
        string d1 = _dec1.Export(g, g.Op("Concat", [Up(g, d2, "nearest"), e1], ("axis", 1L)));
        string w = g.AddInitializer(g.Name("head_w"), [1, 16, 1, 1], ConvBnRelu.Floats(_head.weight!));
        string hb = g.AddInitializer(g.Name("head_b"), [1], ConvBnRelu.Floats(_head.bias!));
        string logits = g.Op("Conv", [d1, w, hb], ("kernel_shape", new long[] { 1, 1 }));
        return Up(g, logits, "linear");
    }
}

/// <summary>
/// Scalars held for the life of the process and passed explicitly (alpha of add/sub, constants of the loss).
/// TorchSharp turns a bare number into a temporary native Scalar; in long runs such temporaries were seen to be
/// freed while still in use (random "toFloat" / "alpha must not be a floating point number" failures in add).
/// </summary>
internal static class Scalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Two = 2.0.ToScalar();
    public static readonly Scalar MinusOne = (-1.0).ToScalar();

    public static void Touch()
    {
    }
}
