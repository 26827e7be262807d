using System.Buffers.Binary;

namespace LiveSeg.Models.Tflite;

/// <summary>TFLite tensor element types (schema enum TensorType) that the importer reads.</summary>
internal enum TfliteType : sbyte { Float32 = 0, Float16 = 1, Int32 = 2, UInt8 = 3, Int64 = 4, Int8 = 9 }

/// <summary>One tensor of the first subgraph: NHWC shape for activations, constant data when it has a buffer.</summary>
internal sealed record TfliteTensor(int Index, string Name, int[] Shape, TfliteType Type, byte[]? Data, float[] QuantScale, long[] QuantZeroPoint, int QuantDimension)
{
    public bool IsConstant => Data is { Length: > 0 };

    /// <summary>Constant values as float32, dequantising float16 / int8 / uint8 (scale, zero point; per-channel too).</summary>
    public float[] ToFloats()
    {
        byte[] d = Data ?? throw new InvalidOperationException($"tensor '{Name}' has no constant data");
        int n = Shape.Aggregate(1, (a, b) => a * b);
        var result = new float[n];
        switch (Type)
        {
            case TfliteType.Float32:
                for (int i = 0; i < n; i++)
                    result[i] = BinaryPrimitives.ReadSingleLittleEndian(d.AsSpan(4 * i));
                break;
            case TfliteType.Float16:
                for (int i = 0; i < n; i++)
                    result[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(2 * i)));
                break;
            case TfliteType.Int32:
                for (int i = 0; i < n; i++)
                    result[i] = Dequantise(BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(4 * i)), i);
                break;
            case TfliteType.Int8:
                for (int i = 0; i < n; i++)
                    result[i] = Dequantise((sbyte)d[i], i);
                break;
            case TfliteType.UInt8:
                for (int i = 0; i < n; i++)
                    result[i] = Dequantise(d[i], i);
                break;
            default:
                throw new NotSupportedException($"tensor '{Name}': constant type {Type} cannot be read as float");
        }
        return result;
    }

    public int[] ToInt32s()
    {
        byte[] d = Data ?? throw new InvalidOperationException($"tensor '{Name}' has no constant data");
        if (Type == TfliteType.Int64)
            return Enumerable.Range(0, d.Length / 8).Select(i => (int)BinaryPrimitives.ReadInt64LittleEndian(d.AsSpan(8 * i))).ToArray();
        return Enumerable.Range(0, d.Length / 4).Select(i => BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(4 * i))).ToArray();
    }

    private float Dequantise(long q, int flatIndex)
    {
        if (QuantScale.Length == 0)
            return q; // plain integers (e.g. int32 bias of a float model would be unusual, kept as is)
        int channel = 0;
        if (QuantScale.Length > 1)
        {
            int inner = 1;
            for (int a = QuantDimension + 1; a < Shape.Length; a++)
                inner *= Shape[a];
            channel = flatIndex / inner % Shape[QuantDimension];
        }
        long zero = QuantZeroPoint.Length > channel ? QuantZeroPoint[channel] : 0;
        return (q - zero) * QuantScale[channel];
    }
}

/// <summary>One operator: its builtin code (or custom code), inputs/outputs (tensor indices, -1 = none) and option tables.</summary>
internal sealed record TfliteOperator(int BuiltinCode, string? CustomCode, int[] Inputs, int[] Outputs, FlatTable? Options, byte[] CustomOptions)
{
    /// <summary>The op's name as written in the TFLite schema (CONV_2D) or the custom code.</summary>
    public string Name => CustomCode ?? TfliteOps.NameOf(BuiltinCode);
}

/// <summary>
/// A TFLite model file (FlatBuffer, identifier "TFL3"), first subgraph only. Field numbers follow the TFLite schema:
/// Model{version 0, operator_codes 1, subgraphs 2, description 3, buffers 4}; SubGraph{tensors 0, inputs 1, outputs 2,
/// operators 3, name 4}; Tensor{shape 0, type 1, buffer 2, name 3, quantization 4}; Buffer{data 0, offset 1, size 2};
/// Operator{opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4, custom_options 5};
/// OperatorCode{deprecated_builtin_code 0, custom_code 1, version 2, builtin_code 3};
/// QuantizationParameters{min 0, max 1, scale 2, zero_point 3, details_type 4, details 5, quantized_dimension 6}.
/// </summary>
internal sealed class TfliteModel
{
    private TfliteModel(List<TfliteTensor> tensors, List<TfliteOperator> ops, int[] inputs, int[] outputs, string? description)
    {
        Tensors = tensors;
        Operators = ops;
        Inputs = inputs;
        Outputs = outputs;
        Description = description;
    }

    public IReadOnlyList<TfliteTensor> Tensors { get; }

    public IReadOnlyList<TfliteOperator> Operators { get; }

    public int[] Inputs { get; }

    public int[] Outputs { get; }

    public string? Description { get; }

    /// <summary>The most elements a tensor's shape may claim (2^28): more is a malformed file, not a model LiveSeg runs.</summary>
    private const long MaxElements = 1L << 28;

    public static TfliteModel Load(string path)
    {
        Throw.IfFileUnreadable(path, "TFLite model");
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>
    /// Parses a model held in memory; a malformed one (any offset, length or index outside the buffer or the model's
    /// own tables) is a <see cref="LiveSegException"/>: "TFLite model 'LABEL' is not a valid TFLite model: …".
    /// </summary>
    public static TfliteModel Read(byte[] data, string label)
    {
        try
        {
            return Parse(data);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return Throw.User<TfliteModel>(NotValid(label, e.Message), e);
        }
    }

    /// <summary>The one message for a malformed file.</summary>
    internal static string NotValid(string label, string why) => $"TFLite model '{label}' is not a valid TFLite model: {why}.";

    public static TfliteModel Parse(byte[] data)
    {
        if (data.Length < 8 || data[4] != 'T' || data[5] != 'F' || data[6] != 'L' || data[7] != '3')
            throw new FormatException("missing the TFL3 file identifier");
        var model = FlatTable.Root(data);
        FlatTable[] buffers = model.Tables(4);
        FlatTable[] codes = model.Tables(1);
        FlatTable[] subgraphs = model.Tables(2);
        if (subgraphs.Length == 0)
            throw new FormatException("no subgraph");
        var sg = subgraphs[0];
        var tensors = new List<TfliteTensor>();
        FlatTable[] tensorTables = sg.Tables(0);
        for (int i = 0; i < tensorTables.Length; i++)
        {
            var t = tensorTables[i];
            int[] shape = t.Int32s(0);
            long elements = 1;
            foreach (int d in shape)
            {
                if (d < 0)
                    throw new FormatException($"tensor {i} has a negative dimension ({string.Join("x", shape)})");
                elements *= d;
                if (elements > MaxElements)
                    throw new FormatException($"tensor {i} claims more than {MaxElements} elements ({string.Join("x", shape)})");
            }
            var type = (TfliteType)t.SByte(1);
            uint bufferIndex = t.UInt32(2);
            byte[]? bytes = null;
            if (bufferIndex >= buffers.Length && bufferIndex > 0)
                throw new FormatException($"tensor {i} refers to buffer {bufferIndex}, and the model has {buffers.Length}");
            if (bufferIndex > 0)
            {
                var buffer = buffers[bufferIndex];
                ulong offset = buffer.UInt64(1), size = buffer.UInt64(2);
                if (offset > 1 && (offset > (ulong)data.Length || size > (ulong)data.Length - offset))
                    throw new FormatException($"buffer {bufferIndex} lies outside the file (bytes {offset}..{offset + size} of {data.Length})");
                bytes = offset > 1 ? data.AsSpan((int)offset, (int)size).ToArray() : buffer.Bytes(0).ToArray();
            }
            var q = t.Table(4);
            var tensor = new TfliteTensor(i, t.String(3) ?? $"t{i}", shape, type, bytes, q?.Floats(2) ?? [], q?.Int64s(3) ?? [], q?.Int32(6) ?? 0);
            Check(tensor, elements);
            tensors.Add(tensor);
        }
        var ops = new List<TfliteOperator>();
        foreach (var op in sg.Tables(3))
        {
            uint codeIndex = op.UInt32(0);
            if (codeIndex >= codes.Length)
                throw new FormatException($"operator {ops.Count} uses operator code {codeIndex}, and the model has {codes.Length}");
            var code = codes[codeIndex];
            int builtin = Math.Max(code.SByte(0), code.Int32(3));
            string? custom = builtin == TfliteOps.Custom ? code.String(1) : null;
            int[] inputs = Indices(op.Int32s(1), tensors.Count, optional: true, $"operator {ops.Count}'s inputs");
            int[] outputs = Indices(op.Int32s(2), tensors.Count, optional: false, $"operator {ops.Count}'s outputs");
            if (outputs.Length == 0)
                throw new FormatException($"operator {ops.Count} has no output");
            ops.Add(new TfliteOperator(builtin, custom, inputs, outputs, op.Table(4), op.Bytes(5).ToArray()));
        }
        return new TfliteModel(tensors, ops, Indices(sg.Int32s(1), tensors.Count, optional: false, "the subgraph's inputs"),
            Indices(sg.Int32s(2), tensors.Count, optional: false, "the subgraph's outputs"), model.String(3));
    }

    /// <summary>Tensor indices, each 0..count-1 (or -1, "none", where <paramref name="optional"/>).</summary>
    private static int[] Indices(int[] indices, int count, bool optional, string what)
    {
        foreach (int i in indices)
        {
            if (i >= count || i < (optional ? -1 : 0))
                throw new FormatException($"{what} name tensor {i}, and the model has {count}");
        }
        return indices;
    }

    /// <summary>A constant holds as many bytes as its shape needs, and its quantisation covers its channels.</summary>
    private static void Check(TfliteTensor t, long elements)
    {
        int size = t.Type switch
        {
            TfliteType.Float32 or TfliteType.Int32 => 4,
            TfliteType.Float16 => 2,
            TfliteType.Int64 => 8,
            TfliteType.UInt8 or TfliteType.Int8 => 1,
            _ => 0,
        };
        if (t.IsConstant && t.Data!.Length < elements * size)
            throw new FormatException($"tensor {t.Index} ('{t.Name}') holds {t.Data.Length} bytes, and its shape {string.Join("x", t.Shape)} of {t.Type} needs {elements * size}");
        if (t.QuantScale.Length > 1 && (t.QuantDimension < 0 || t.QuantDimension >= t.Shape.Length || t.QuantScale.Length < t.Shape[t.QuantDimension]))
            throw new FormatException($"tensor {t.Index} ('{t.Name}') has {t.QuantScale.Length} quantisation scales for dimension {t.QuantDimension} of {string.Join("x", t.Shape)}");
    }
}
