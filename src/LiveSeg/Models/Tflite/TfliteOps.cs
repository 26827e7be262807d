namespace LiveSeg.Models.Tflite;

/// <summary>TFLite builtin operator codes (schema enum BuiltinOperator) that matter here, and names for messages.</summary>
internal static class TfliteOps
{
    public const int Add = 0;
    public const int AveragePool2D = 1;
    public const int Concatenation = 2;
    public const int Conv2D = 3;
    public const int DepthwiseConv2D = 4;
    public const int Dequantize = 6;
    public const int Logistic = 14;
    public const int MaxPool2D = 17;
    public const int Mul = 18;
    public const int Relu = 19;
    public const int Relu6 = 21;
    public const int Reshape = 22;
    public const int ResizeBilinear = 23;
    public const int Pad = 34;
    public const int Custom = 32;
    public const int Mean = 40;
    public const int Sub = 41;
    public const int TransposeConv = 67;
    public const int HardSwish = 117;

    private static readonly Dictionary<int, string> s_names = new()
    {
        [Add] = "ADD", [AveragePool2D] = "AVERAGE_POOL_2D", [Concatenation] = "CONCATENATION", [Conv2D] = "CONV_2D",
        [DepthwiseConv2D] = "DEPTHWISE_CONV_2D", [Dequantize] = "DEQUANTIZE", [Logistic] = "LOGISTIC",
        [MaxPool2D] = "MAX_POOL_2D", [Mul] = "MUL", [Relu] = "RELU", [Relu6] = "RELU6", [Reshape] = "RESHAPE",
        [ResizeBilinear] = "RESIZE_BILINEAR", [Pad] = "PAD", [Custom] = "CUSTOM", [Mean] = "MEAN", [Sub] = "SUB",
        [TransposeConv] = "TRANSPOSE_CONV", [HardSwish] = "HARD_SWISH",
    };

    public static string NameOf(int code) => s_names.TryGetValue(code, out string? n) ? n : $"BUILTIN_{code}";
}
