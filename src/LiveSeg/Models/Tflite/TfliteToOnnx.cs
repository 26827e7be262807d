namespace LiveSeg.Models.Tflite;

/// <summary>
/// Converts a float TFLite segmentation model to an ONNX graph (opset 17) that ONNX Runtime can run on any provider.
/// <para>Layout: TFLite activations are NHWC; the ONNX graph is NCHW throughout (what ONNX convolutions take), so every
/// rank-4 activation keeps its meaning with dims permuted (n,h,w,c) → (n,c,h,w); axis arguments are remapped and
/// constants that meet activations are transposed. The model input becomes [1,3,H,W] named "input"; the output
/// [1,C,H,W] named "output".</para>
/// <para>Weights: float16 / int8 / uint8 constants (and DEQUANTIZE of constants) are dequantised to float32 at import.
/// Padding: TFLite SAME padding becomes explicit ONNX pads computed from the static shapes, with the extra pixel at the
/// end as TFLite does (pad_before = total / 2).</para>
/// </summary>
internal sealed class TfliteToOnnx
{
    private static readonly int[] s_nhwcToNchwAxis = [0, 2, 3, 1];

    private readonly TfliteModel _m;
    private readonly OnnxGraphBuilder _g = new("tflite");
    private readonly Dictionary<int, float[]> _folded = [];   // constants produced by DEQUANTIZE of constants
    private readonly Dictionary<int, string> _names = [];     // tensor index → ONNX value name

    private TfliteToOnnx(TfliteModel model) => _m = model;

    /// <summary>Operators the importer converts (TFLite schema names; custom ops by custom code).</summary>
    public static readonly string[] Supported =
    [
        "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEQUANTIZE", "HARD_SWISH", "LOGISTIC",
        "MAX_POOL_2D", "MEAN", "MUL", "PAD", "RELU", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "SUB", "Convolution2DTransposeBias",
    ];

    public static void Convert(string tflitePath, string onnxPath) => Import(TfliteModel.Load(tflitePath), tflitePath).Save(onnxPath);

    /// <summary>
    /// The ONNX graph of a parsed model. Every problem is a <see cref="LiveSegException"/> naming <paramref name="label"/>:
    /// operators or types the importer does not convert, and a model whose tables contradict each other (an operator
    /// with too few inputs, a shape of the wrong rank: "not a valid TFLite model").
    /// </summary>
    internal static OnnxGraphBuilder Import(TfliteModel model, string label)
    {
        string[] unsupported = model.Operators.Select(o => o.Name).Where(n => !Supported.Contains(n)).Distinct().Order().ToArray();
        if (unsupported.Length > 0)
            Throw.User($"TFLite model '{label}' uses operators the importer does not support: {string.Join(", ", unsupported)} (supported: {string.Join(", ", Supported)}).");
        try
        {
            return new TfliteToOnnx(model).Build();
        }
        catch (NotSupportedException e)
        {
            return Throw.User<OnnxGraphBuilder>($"TFLite model '{label}' cannot be converted: {e.Message}.", e);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or FormatException or OverflowException
                                      or InvalidOperationException or KeyNotFoundException or DivideByZeroException)
        {
            // The reader checked every offset and index against the buffer; what is left is a model whose operators do
            // not fit their tensors (a missing input, a kernel of rank 2): the same "not valid", with what broke.
            return Throw.User<OnnxGraphBuilder>(TfliteModel.NotValid(label, $"its operators do not fit their tensors ({e.GetType().Name}: {e.Message})"), e);
        }
    }

    private OnnxGraphBuilder Build()
    {
        if (_m.Inputs.Length != 1 || _m.Outputs.Length < 1)
            throw new NotSupportedException($"a model needs one input and at least one output (this has {_m.Inputs.Length} and {_m.Outputs.Length})");
        var input = _m.Tensors[_m.Inputs[0]];
        if (input.Shape.Length != 4 || input.Type != TfliteType.Float32)
            throw new NotSupportedException($"input '{input.Name}' must be a float32 NHWC image, not {input.Type} [{string.Join(",", input.Shape)}]");
        _g.AddInput("input", Nchw(input.Shape));
        _names[input.Index] = "input";
        foreach (var op in _m.Operators)
            Convert(op);
        // One output (a segmentation model) is "output"; several (a detector's boxes and scores) keep their TFLite names.
        foreach (int index in _m.Outputs)
        {
            var output = _m.Tensors[index];
            string name = _m.Outputs.Length == 1 ? "output" : output.Name;
            _g.AddNode("Identity", [Value(output.Index)], [name]);
            _g.AddOutput(name, Nchw(output.Shape));
        }
        return _g;
    }

    private void Convert(TfliteOperator op)
    {
        var o = op.Options;
        int outIndex = op.Outputs[0];
        string result;
        switch (op.Name)
        {
            case "DEQUANTIZE":
                var source = _m.Tensors[op.Inputs[0]];
                if (!source.IsConstant)
                    throw new NotSupportedException("DEQUANTIZE of a non-constant tensor (quantised activations) is not supported");
                _folded[outIndex] = source.ToFloats();
                return;
            case "CONV_2D":
                result = Conv(op, depthwise: false, padding: o?.Byte(0) ?? 0, strideW: o?.Int32(1, 1) ?? 1, strideH: o?.Int32(2, 1) ?? 1,
                    dilationW: o?.Int32(4, 1) ?? 1, dilationH: o?.Int32(5, 1) ?? 1);
                result = Activation(result, o?.Byte(3) ?? 0);
                break;
            case "DEPTHWISE_CONV_2D":
                result = Conv(op, depthwise: true, padding: o?.Byte(0) ?? 0, strideW: o?.Int32(1, 1) ?? 1, strideH: o?.Int32(2, 1) ?? 1,
                    dilationW: o?.Int32(5, 1) ?? 1, dilationH: o?.Int32(6, 1) ?? 1);
                result = Activation(result, o?.Byte(4) ?? 0);
                break;
            case "Convolution2DTransposeBias":
                result = TransposeConvBias(op);
                break;
            case "AVERAGE_POOL_2D" or "MAX_POOL_2D":
                result = Pool(op, o ?? throw new NotSupportedException($"{op.Name} without options"));
                result = Activation(result, o.Value.Byte(5));
                break;
            case "ADD" or "MUL" or "SUB":
                string onnxOp = op.Name switch { "ADD" => "Add", "MUL" => "Mul", _ => "Sub" };
                result = _g.Op(onnxOp, [Operand(op.Inputs[0], outIndex), Operand(op.Inputs[1], outIndex)]);
                result = Activation(result, o?.Byte(0) ?? 0);
                break;
            case "RELU":
                result = _g.Op("Relu", [Value(op.Inputs[0])]);
                break;
            case "RELU6":
                result = Activation(Value(op.Inputs[0]), 3);
                break;
            case "LOGISTIC":
                result = _g.Op("Sigmoid", [Value(op.Inputs[0])]);
                break;
            case "HARD_SWISH":
                // TFLite: x * relu6(x + 3) / 6 — ONNX HardSwish is the same function.
                result = _g.Op("HardSwish", [Value(op.Inputs[0])]);
                break;
            case "CONCATENATION":
                int axis = o?.Int32(0) ?? 0;
                result = _g.Op("Concat", op.Inputs.Select(i => Operand(i, outIndex)).ToArray(), ("axis", (long)Axis(axis, _m.Tensors[outIndex].Shape.Length)));
                result = Activation(result, o?.Byte(1) ?? 0);
                break;
            case "MEAN":
                int rank = _m.Tensors[op.Inputs[0]].Shape.Length;
                long[] axes = Constant(op.Inputs[1]).ToInt32s().Select(a => (long)Axis(a, rank)).Order().ToArray();
                bool keep = o?.Bool(0) ?? false;
                result = _g.Op("ReduceMean", [Value(op.Inputs[0])], ("axes", axes), ("keepdims", keep ? 1L : 0L));
                if (!keep && rank == 4)
                    throw new NotSupportedException("MEAN without keep_dims on a 4-D tensor changes the layout; only keep_dims=true is supported");
                break;
            case "RESIZE_BILINEAR":
                result = Resize(op, o);
                break;
            case "PAD":
                result = Pad(op);
                break;
            case "RESHAPE":
                result = Reshape(op);
                break;
            default:
                throw new NotSupportedException($"operator {op.Name}");
        }
        _names[outIndex] = result;
    }

    /// <summary>CONV_2D (weights OHWI) or DEPTHWISE_CONV_2D (weights 1,H,W,C·M) → ONNX Conv (weights OIHW, group C).</summary>
    private string Conv(TfliteOperator op, bool depthwise, byte padding, int strideW, int strideH, int dilationW, int dilationH)
    {
        var x = _m.Tensors[op.Inputs[0]];
        var w = Constant(op.Inputs[1]);
        float[] weights = ConstantFloats(op.Inputs[1]);
        int[] ws = w.Shape; // conv: O,H,W,I   depthwise: 1,H,W,O
        int kh = ws[1], kw = ws[2];
        int outC = depthwise ? ws[3] : ws[0];
        int inC = x.Shape[3];
        int inPerGroup = depthwise ? 1 : ws[3];
        var onnxW = new float[outC * inPerGroup * kh * kw];
        for (int oc = 0; oc < outC; oc++)
        {
            for (int ic = 0; ic < inPerGroup; ic++)
            {
                for (int y = 0; y < kh; y++)
                {
                    for (int xx = 0; xx < kw; xx++)
                    {
                        int src = depthwise ? (y * kw + xx) * outC + oc : ((oc * kh + y) * kw + xx) * inPerGroup + ic;
                        onnxW[((oc * inPerGroup + ic) * kh + y) * kw + xx] = weights[src];
                    }
                }
            }
        }
        string wName = _g.AddInitializer(_g.Name("w"), [outC, inPerGroup, kh, kw], onnxW);
        var inputs = new List<string> { Value(op.Inputs[0]), wName };
        if (op.Inputs.Length > 2 && op.Inputs[2] >= 0)
            inputs.Add(_g.AddInitializer(_g.Name("b"), [outC], ConstantFloats(op.Inputs[2])));
        long[] pads = Pads(padding, x.Shape[1], x.Shape[2], kh, kw, strideH, strideW, dilationH, dilationW);
        return _g.Op("Conv", [.. inputs], ("kernel_shape", new long[] { kh, kw }), ("strides", new long[] { strideH, strideW }),
            ("dilations", new long[] { dilationH, dilationW }), ("pads", pads), ("group", depthwise ? (long)inC : 1L));
    }

    /// <summary>
    /// MediaPipe's custom op: inputs (x NHWC, weights O,H,W,I, bias O), options = 3 int32 (padding 1=SAME 2=VALID,
    /// stride_w, stride_h). The output size is the output tensor's; padding follows TFLite's transpose-conv rule.
    /// </summary>
    private string TransposeConvBias(TfliteOperator op)
    {
        if (op.CustomOptions.Length < 12)
            throw new NotSupportedException("Convolution2DTransposeBias without its 12-byte options");
        int strideW = BitConverter.ToInt32(op.CustomOptions, 4), strideH = BitConverter.ToInt32(op.CustomOptions, 8);
        var x = _m.Tensors[op.Inputs[0]];
        var w = Constant(op.Inputs[1]);
        float[] weights = ConstantFloats(op.Inputs[1]);
        int outC = w.Shape[0], kh = w.Shape[1], kw = w.Shape[2], inC = w.Shape[3];
        var onnxW = new float[inC * outC * kh * kw]; // ONNX ConvTranspose: C_in, C_out, kH, kW
        for (int oc = 0; oc < outC; oc++)
        {
            for (int y = 0; y < kh; y++)
            {
                for (int xx = 0; xx < kw; xx++)
                {
                    for (int ic = 0; ic < inC; ic++)
                        onnxW[((ic * outC + oc) * kh + y) * kw + xx] = weights[((oc * kh + y) * kw + xx) * inC + ic];
                }
            }
        }
        var output = _m.Tensors[op.Outputs[0]];
        int outH = output.Shape[1], outW = output.Shape[2];
        int totalH = Math.Max(0, (x.Shape[1] - 1) * strideH + kh - outH), totalW = Math.Max(0, (x.Shape[2] - 1) * strideW + kw - outW);
        long[] pads = [totalH / 2, totalW / 2, totalH - totalH / 2, totalW - totalW / 2];
        // Explicit pads, not ONNX's output_shape: with output_shape ONNX puts the odd padding pixel first, TFLite last.
        long[] outputPadding = [outH - ((x.Shape[1] - 1) * strideH + kh - totalH), outW - ((x.Shape[2] - 1) * strideW + kw - totalW)];
        string wName = _g.AddInitializer(_g.Name("w"), [inC, outC, kh, kw], onnxW);
        string bName = _g.AddInitializer(_g.Name("b"), [outC], ConstantFloats(op.Inputs[2]));
        return _g.Op("ConvTranspose", [Value(op.Inputs[0]), wName, bName], ("kernel_shape", new long[] { kh, kw }),
            ("strides", new long[] { strideH, strideW }), ("pads", pads), ("output_padding", outputPadding));
    }

    /// <summary>Pool2DOptions{padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4}; padded cells do not count.</summary>
    private string Pool(TfliteOperator op, FlatTable o)
    {
        var x = _m.Tensors[op.Inputs[0]];
        int sw = o.Int32(1, 1), sh = o.Int32(2, 1), fw = o.Int32(3, 1), fh = o.Int32(4, 1);
        long[] pads = Pads(o.Byte(0), x.Shape[1], x.Shape[2], fh, fw, sh, sw, 1, 1);
        bool average = op.BuiltinCode == TfliteOps.AveragePool2D;
        var attributes = new List<(string, object)> { ("kernel_shape", new long[] { fh, fw }), ("strides", new long[] { sh, sw }), ("pads", pads) };
        if (average)
            attributes.Add(("count_include_pad", 0L));
        return _g.Op(average ? "AveragePool" : "MaxPool", [Value(op.Inputs[0])], [.. attributes]);
    }

    /// <summary>ResizeBilinearOptions{new_height 0, new_width 1, align_corners 2, half_pixel_centers 3}; size from input 1 (h, w).</summary>
    private string Resize(TfliteOperator op, FlatTable? o)
    {
        var x = _m.Tensors[op.Inputs[0]];
        int[] hw = Constant(op.Inputs[1]).ToInt32s();
        bool alignCorners = o?.Bool(2) ?? false, halfPixel = o?.Bool(3) ?? false;
        string mode = alignCorners ? "align_corners" : halfPixel ? "half_pixel" : "asymmetric";
        string sizes = _g.AddInt64Initializer(_g.Name("sizes"), [4], [x.Shape[0], x.Shape[3], hw[0], hw[1]]);
        return _g.Op("Resize", [Value(op.Inputs[0]), "", "", sizes], ("mode", "linear"), ("coordinate_transformation_mode", mode));
    }

    /// <summary>
    /// PAD (zeros): paddings is a constant [rank, 2] of (before, after) per NHWC dimension; ONNX Pad takes every
    /// "before" then every "after", in the graph's NCHW order. (BlazeFace pads channels this way before a residual add.)
    /// </summary>
    private string Pad(TfliteOperator op)
    {
        int rank = _m.Tensors[op.Inputs[0]].Shape.Length;
        int[] p = Constant(op.Inputs[1]).ToInt32s();
        if (p.Length != rank * 2)
            throw new NotSupportedException($"PAD with {p.Length} padding values for a rank-{rank} tensor");
        var pads = new long[rank * 2];
        for (int d = 0; d < rank; d++)
        {
            int src = Axis(d, rank); // NHWC dimension d is ONNX dimension src
            pads[src] = p[2 * d];
            pads[rank + src] = p[2 * d + 1];
        }
        string padsName = _g.AddInt64Initializer(_g.Name("pads"), [rank * 2], pads);
        return _g.Op("Pad", [Value(op.Inputs[0]), padsName], ("mode", "constant"));
    }

    /// <summary>
    /// RESHAPE to the output tensor's static shape. TFLite reshapes NHWC memory order, so a rank-4 input is first put
    /// back in NHWC (Transpose) and a rank-4 result is laid out NCHW again afterwards.
    /// </summary>
    private string Reshape(TfliteOperator op)
    {
        int[] inShape = _m.Tensors[op.Inputs[0]].Shape, outShape = _m.Tensors[op.Outputs[0]].Shape;
        if (inShape.Aggregate(1L, (a, d) => a * d) != outShape.Aggregate(1L, (a, d) => a * d))
            throw new NotSupportedException($"RESHAPE from [{string.Join(",", inShape)}] to [{string.Join(",", outShape)}] changes the element count");
        string x = Value(op.Inputs[0]);
        if (inShape.Length == 4)
            x = _g.Op("Transpose", [x], ("perm", new long[] { 0, 2, 3, 1 }));
        string shape = _g.AddInt64Initializer(_g.Name("shape"), [outShape.Length], outShape.Select(d => (long)d).ToArray());
        x = _g.Op("Reshape", [x, shape]);
        return outShape.Length == 4 ? _g.Op("Transpose", [x], ("perm", new long[] { 0, 3, 1, 2 })) : x;
    }

    /// <summary>Fused activation (ActivationFunctionType: 0 none, 1 relu, 2 relu_n1_to_1, 3 relu6, 4 tanh).</summary>
    private string Activation(string x, byte fused) => fused switch
    {
        0 => x,
        1 => _g.Op("Relu", [x]),
        2 => _g.Op("Clip", [x, Scalar(-1f), Scalar(1f)]),
        3 => _g.Op("Clip", [x, Scalar(0f), Scalar(6f)]),
        4 => _g.Op("Tanh", [x]),
        _ => throw new NotSupportedException($"fused activation {fused}"),
    };

    private string Scalar(float v) => _g.AddInitializer(_g.Name("c"), [], [v]);

    /// <summary>
    /// TFLite padding → ONNX pads [top, left, bottom, right]. SAME: output = ceil(in / stride),
    /// total = max((out − 1)·stride + (k − 1)·dilation + 1 − in, 0), before = total / 2. VALID: none.
    /// </summary>
    public static long[] Pads(byte padding, int inH, int inW, int kh, int kw, int sh, int sw, int dh, int dw)
    {
        if (padding != 0)
            return [0, 0, 0, 0];
        static int Total(int input, int k, int s, int d) => Math.Max(((input + s - 1) / s - 1) * s + (k - 1) * d + 1 - input, 0);
        int th = Total(inH, kh, sh, dh), tw = Total(inW, kw, sw, dw);
        return [th / 2, tw / 2, th - th / 2, tw - tw / 2];
    }

    /// <summary>An activation's ONNX name.</summary>
    private string Value(int index) =>
        _names.TryGetValue(index, out string? n) ? n : throw new NotSupportedException($"tensor '{_m.Tensors[index].Name}' is used before it is produced");

    /// <summary>An elementwise operand: an activation, or a constant laid out to broadcast like the NHWC original in NCHW.</summary>
    private string Operand(int index, int outputIndex)
    {
        if (_names.ContainsKey(index))
            return Value(index);
        var t = _m.Tensors[index];
        float[] v = ConstantFloats(index);
        int outRank = _m.Tensors[outputIndex].Shape.Length;
        if (outRank != 4)
            return _g.AddInitializer(_g.Name("k"), t.Shape.Select(d => (long)d).ToArray(), v);
        // Right-align the constant's shape to rank 4 (numpy broadcasting), then permute NHWC → NCHW.
        int[] s = [.. Enumerable.Repeat(1, 4 - t.Shape.Length), .. t.Shape];
        var permuted = new float[v.Length];
        int n = s[0], h = s[1], w = s[2], c = s[3];
        for (int ni = 0; ni < n; ni++)
            for (int hi = 0; hi < h; hi++)
                for (int wi = 0; wi < w; wi++)
                    for (int ci = 0; ci < c; ci++)
                        permuted[((ni * c + ci) * h + hi) * w + wi] = v[((ni * h + hi) * w + wi) * c + ci];
        return _g.AddInitializer(_g.Name("k"), [n, c, h, w], permuted);
    }

    private TfliteTensor Constant(int index)
    {
        var t = _m.Tensors[index];
        return t.IsConstant || _folded.ContainsKey(index) ? t : throw new NotSupportedException($"tensor '{t.Name}' must be a constant");
    }

    private float[] ConstantFloats(int index) =>
        _folded.TryGetValue(index, out float[]? v) ? v : Constant(index).ToFloats();

    private static int Axis(int axis, int rank)
    {
        if (axis < 0)
            axis += rank;
        return rank == 4 ? s_nhwcToNchwAxis[axis] : axis;
    }

    private static long[] Nchw(int[] nhwc) => nhwc.Length == 4 ? [nhwc[0], nhwc[3], nhwc[1], nhwc[2]] : nhwc.Select(d => (long)d).ToArray();
}
