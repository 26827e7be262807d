using Google.Protobuf;
using Onnx;

namespace LiveSeg.Models;

/// <summary>
/// A small helper over OnnxSharp's protobuf types for building ONNX graphs in code: float initialisers, nodes with
/// typed attributes, inputs and outputs. Used for the project's own test models, and by importers and exporters.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string>? _used; // names an existing graph already has (null for a new graph)
    private int _nextId;

    public OnnxGraphBuilder(string name) => _graph = new GraphProto { Name = name };

    /// <summary>Adds to an existing graph: fresh names (<see cref="Name"/>) skip every name it already uses.</summary>
    public OnnxGraphBuilder(GraphProto existing)
    {
        _graph = existing;
        _used = existing.Node.SelectMany(n => n.Input.Concat(n.Output).Append(n.Name))
            .Concat(existing.Initializer.Select(t => t.Name)).Concat(existing.Input.Select(i => i.Name)).Concat(existing.Output.Select(o => o.Name))
            .ToHashSet(StringComparer.Ordinal);
    }

    public GraphProto Graph => _graph;

    public void AddInput(string name, params long[] shape) => _graph.Input.Add(ValueInfo(name, shape));

    public void AddOutput(string name, params long[] shape) => _graph.Output.Add(ValueInfo(name, shape));

    /// <summary>Adds a float32 constant tensor and returns its name.</summary>
    public string AddInitializer(string name, long[] dims, ReadOnlySpan<float> values) =>
        AddRaw(name, dims, values, TensorProto.Types.DataType.Float);

    /// <summary>Adds an int64 constant tensor (shapes, axes) and returns its name.</summary>
    public string AddInt64Initializer(string name, long[] dims, ReadOnlySpan<long> values) =>
        AddRaw(name, dims, values, TensorProto.Types.DataType.Int64);

    private string AddRaw<T>(string name, long[] dims, ReadOnlySpan<T> values, TensorProto.Types.DataType type) where T : unmanaged
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.AddRange(dims);
        t.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A fresh tensor name with the given prefix.</summary>
    public string Name(string prefix)
    {
        string name;
        do
            name = $"{prefix}_{_nextId++}";
        while (_used?.Add(name) == false);
        return name;
    }

    /// <summary>
    /// Adds a node; attributes are (name, value) pairs where value is long, float, string, long[] or float[].
    /// Returns the first output's name.
    /// </summary>
    public string AddNode(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Name(opType) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (attrName, value) in attributes)
            node.Attribute.Add(Attribute(attrName, value));
        _graph.Node.Add(node);
        return outputs[0];
    }

    /// <summary>Adds a single-output node whose output gets a fresh name, and returns that name.</summary>
    public string Op(string opType, string[] inputs, params (string Name, object Value)[] attributes) =>
        AddNode(opType, inputs, [Name(opType.ToLowerInvariant())], attributes);

    public ModelProto ToModel(long opset = 17)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "LiveSeg", ProducerVersion = "1", Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    /// <summary>Writes the model safely (temporary file, then rename): a failed write leaves the previous file.</summary>
    public void Save(string path, long opset = 17) =>
        LiveSeg.IO.AtomicFile.Write(path, "model", stream => ToModel(opset).WriteTo(stream));

    private static ValueInfoProto ValueInfo(string name, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (long d in shape)
        {
            tensorShape.Dim.Add(d < 0
                ? new TensorShapeProto.Types.Dimension { DimParam = "d" + tensorShape.Dim.Count }
                : new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape },
            },
        };
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long l:
                a.Type = AttributeProto.Types.AttributeType.Int;
                a.I = l;
                break;
            case int i:
                a.Type = AttributeProto.Types.AttributeType.Int;
                a.I = i;
                break;
            case float f:
                a.Type = AttributeProto.Types.AttributeType.Float;
                a.F = f;
                break;
            case string s:
                a.Type = AttributeProto.Types.AttributeType.String;
                a.S = ByteString.CopyFromUtf8(s);
                break;
            case long[] ls:
                a.Type = AttributeProto.Types.AttributeType.Ints;
                a.Ints.AddRange(ls);
                break;
            case float[] fs:
                a.Type = AttributeProto.Types.AttributeType.Floats;
                a.Floats.AddRange(fs);
                break;
            default:
                throw new ArgumentException($"attribute '{name}': unsupported value type {value.GetType().Name}", nameof(value));
        }
        return a;
    }
}
