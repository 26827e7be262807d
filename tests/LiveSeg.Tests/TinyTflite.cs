using Google.FlatBuffers;

namespace LiveSeg.Tests;

/// <summary>
/// Writes tiny TFLite files for importer tests with the FlatBuffers builder, field numbers as in the TFLite schema
/// (Model{version 0, operator_codes 1, subgraphs 2, description 3, buffers 4}, SubGraph{tensors 0, inputs 1, outputs 2,
/// operators 3}, Tensor{shape 0, type 1, buffer 2, name 3}, Buffer{data 0}, OperatorCode{deprecated_builtin_code 0,
/// custom_code 1, version 2, builtin_code 3}, Operator{opcode_index 0, inputs 1, outputs 2, builtin_options_type 3,
/// builtin_options 4, custom_options 5}).
/// </summary>
public sealed class TinyTflite
{
    private readonly List<(int[] Shape, sbyte Type, byte[]? Data)> _tensors = [];
    private readonly List<(int Code, string? Custom, int[] Inputs, int[] Outputs, (int Slot, char Kind, double Value)[] Options, byte[]? CustomOptions)> _ops = [];

    public int Tensor(int[] shape, float[]? data = null)
    {
        _tensors.Add((shape, 0, data is null ? null : System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray()));
        return _tensors.Count - 1;
    }

    /// <summary>A float16 constant (importers must dequantise it).</summary>
    public int TensorF16(int[] shape, float[] data)
    {
        var bytes = new byte[data.Length * 2];
        for (int i = 0; i < data.Length; i++)
            BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (Half)data[i]);
        _tensors.Add((shape, 1, bytes));
        return _tensors.Count - 1;
    }

    public int TensorInt32(int[] shape, int[] data)
    {
        _tensors.Add((shape, 2, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray()));
        return _tensors.Count - 1;
    }

    /// <summary>Adds an operator; options are (field index, 'i' int | 'b' byte/bool, value) of its builtin options table.</summary>
    public void Op(int code, int[] inputs, int[] outputs, params (int Slot, char Kind, double Value)[] options) =>
        _ops.Add((code, null, inputs, outputs, options, null));

    public void Custom(string customCode, int[] inputs, int[] outputs, byte[] customOptions) =>
        _ops.Add((32, customCode, inputs, outputs, [], customOptions));

    public byte[] Build(int input, int output) => Build(input, [output]);

    /// <summary>A model with several outputs (a detector's boxes and scores), in the order given.</summary>
    public byte[] Build(int input, int[] graphOutputs)
    {
        var b = new FlatBufferBuilder(1024) { ForceDefaults = true };
        // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
        var bufferOffsets = new List<int> { EmptyTable(b) };
        var tensorBuffer = new uint[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            if (_tensors[i].Data is not { } data)
                continue;
            var vec = Bytes(b, data);
            b.StartTable(1);
            b.AddOffset(0, vec.Value, 0);
            tensorBuffer[i] = (uint)bufferOffsets.Count;
            bufferOffsets.Add(b.EndTable());
        }
        var tensorOffsets = new int[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            var name = b.CreateString($"t{i}");
            var shape = Ints(b, _tensors[i].Shape);
            b.StartTable(4);
            b.AddOffset(0, shape.Value, 0);
            b.AddSbyte(1, _tensors[i].Type, 0);
            b.AddUint(2, tensorBuffer[i], 0);
            b.AddOffset(3, name.Value, 0);
            tensorOffsets[i] = b.EndTable();
        }
        var codeOffsets = new int[_ops.Count];
        var opOffsets = new int[_ops.Count];
        for (int i = 0; i < _ops.Count; i++)
        {
            var op = _ops[i];
            StringOffset custom = op.Custom is null ? default : b.CreateString(op.Custom);
            b.StartTable(4);
            b.AddSbyte(0, (sbyte)Math.Min(op.Code, 127), 0);
            if (op.Custom is not null)
                b.AddOffset(1, custom.Value, 0);
            b.AddInt(2, 1, 0);
            b.AddInt(3, op.Code, 0);
            codeOffsets[i] = b.EndTable();

            int options = 0;
            if (op.Options.Length > 0)
            {
                b.StartTable(op.Options.Max(o => o.Slot) + 1);
                foreach (var (slot, kind, value) in op.Options)
                {
                    if (kind == 'i')
                        b.AddInt(slot, (int)value, 0);
                    else
                        b.AddByte(slot, (byte)value, 0);
                }
                options = b.EndTable();
            }
            var customOptions = op.CustomOptions is null ? default : Bytes(b, op.CustomOptions);
            var inputs = Ints(b, op.Inputs);
            var outputs = Ints(b, op.Outputs);
            b.StartTable(6);
            b.AddUint(0, (uint)i, 0);
            b.AddOffset(1, inputs.Value, 0);
            b.AddOffset(2, outputs.Value, 0);
            if (options != 0)
                b.AddOffset(4, options, 0);
            if (op.CustomOptions is not null)
                b.AddOffset(5, customOptions.Value, 0);
            opOffsets[i] = b.EndTable();
        }
        var tensors = Offsets(b, tensorOffsets);
        var sgInputs = Ints(b, [input]);
        var sgOutputs = Ints(b, graphOutputs);
        var operators = Offsets(b, opOffsets);
        b.StartTable(4);
        b.AddOffset(0, tensors.Value, 0);
        b.AddOffset(1, sgInputs.Value, 0);
        b.AddOffset(2, sgOutputs.Value, 0);
        b.AddOffset(3, operators.Value, 0);
        int subgraph = b.EndTable();
        var codes = Offsets(b, codeOffsets);
        var subgraphs = Offsets(b, [subgraph]);
        var buffers = Offsets(b, [.. bufferOffsets]);
        b.StartTable(5);
        b.AddUint(0, 3, 0);
        b.AddOffset(1, codes.Value, 0);
        b.AddOffset(2, subgraphs.Value, 0);
        b.AddOffset(4, buffers.Value, 0);
        b.Finish(b.EndTable(), "TFL3");
        return b.SizedByteArray();
    }

    private static int EmptyTable(FlatBufferBuilder b)
    {
        b.StartTable(1);
        return b.EndTable();
    }

    private static VectorOffset Ints(FlatBufferBuilder b, int[] values)
    {
        b.StartVector(4, values.Length, 4);
        for (int i = values.Length - 1; i >= 0; i--)
            b.AddInt(values[i]);
        return b.EndVector();
    }

    private static VectorOffset Bytes(FlatBufferBuilder b, byte[] values)
    {
        b.StartVector(1, values.Length, 4);
        for (int i = values.Length - 1; i >= 0; i--)
            b.AddByte(values[i]);
        return b.EndVector();
    }

    private static VectorOffset Offsets(FlatBufferBuilder b, int[] offsets)
    {
        b.StartVector(4, offsets.Length, 4);
        for (int i = offsets.Length - 1; i >= 0; i--)
            b.AddOffset(offsets[i]);
        return b.EndVector();
    }
}
