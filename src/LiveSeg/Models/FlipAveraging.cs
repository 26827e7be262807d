using Google.Protobuf;
using Onnx;

namespace LiveSeg.Models;

/// <summary>
/// Test-time flip averaging written into an ONNX model: the wrapped graph takes the same single image [1,C,H,W] (NCHW),
/// stacks it with its mirror images into one batch (left-right; with <see cref="FlipSet.Both"/> also up-down and both),
/// runs the original network once on that batch, mirrors each output back and returns their mean, [1,K,h,w] as before.
/// The engine needs no change and runs it like any model; inference costs about one network pass per image in the batch.
/// The original network must accept a batch (no batch-1 reshapes) and its output must cover the same field as its input
/// (a segmentation map at any resolution), so that mirroring the input mirrors the output.
/// </summary>
internal static class FlipAveraging
{
    /// <summary>Which mirror images are averaged with the image itself.</summary>
    public enum FlipSet
    {
        /// <summary>The image and its left-right mirror: 2 passes.</summary>
        Horizontal,

        /// <summary>The image, its left-right, up-down and both mirrors: 4 passes.</summary>
        Both,
    }

    /// <summary>The ONNX metadata key that records the flips a wrapped model averages.</summary>
    public const string MetadataKey = "liveseg.flip_average";

    /// <summary>
    /// Writes <paramref name="outputOnnx"/> (the wrapped model) and its manifest beside it (FILE.json: the input's
    /// manifest with the new name, and the new SHA-256 where the input's manifest records one). Both are written under
    /// temporary names and renamed when complete; the input is only read. Returns the manifest's path.
    /// </summary>
    public static string WrapFile(LiveSeg.Inference.ModelSpec input, string outputOnnx, FlipSet flips)
    {
        if (input.Manifest.InputLayout != LiveSeg.Inference.TensorLayout.Nchw || input.Manifest.OutputLayout != LiveSeg.Inference.TensorLayout.Nchw)
            Throw.User($"model '{input.OnnxPath}': its manifest says NHWC: flip averaging works on NCHW models only (images in and maps out as 1xCxHxW); export the model that way.");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(input.OnnxPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            return Throw.User<string>($"model '{input.OnnxPath}' is not a readable ONNX file ({e.Message}): give an .onnx model.", e);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            Throw.User($"model '{input.OnnxPath}' is not a readable ONNX file (no graph): give an .onnx model.");
        Wrap(model, flips, input.OnnxPath);
        byte[] bytes = model.ToByteArray();
        CheckRuns(bytes, input, flips);
        LiveSeg.IO.AtomicFile.WriteAllBytes(outputOnnx, "model output", bytes);

        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(input.ManifestPath!),
            documentOptions: new System.Text.Json.JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        string name = Path.GetFileNameWithoutExtension(outputOnnx);
        manifest["name"] = name.Length > 0 ? name : input.Manifest.Name + "-flips";
        // The original's provenance and repair advice are about the original file, not this one.
        manifest.Remove("repair");
        manifest.Remove("source");
        if (manifest.ContainsKey("sha256"))
            manifest["sha256"] = LiveSeg.Inference.ModelManifest.HashFile(outputOnnx);
        string manifestPath = Path.ChangeExtension(outputOnnx, ".json");
        string text = manifest.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        LiveSeg.IO.AtomicFile.WriteAllText(manifestPath, "model manifest", text);
        return manifestPath;
    }

    /// <summary>
    /// Runs the wrapped model once on a blank image (CPU): a network that only takes a batch of one (a Reshape or Resize
    /// with batch 1 written in) fails here, with a one-line error, instead of when the written model is first used.
    /// </summary>
    private static void CheckRuns(byte[] model, LiveSeg.Inference.ModelSpec input, FlipSet flips)
    {
        var m = input.Manifest;
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { LogSeverityLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(model, options);
            string name = m.InputName ?? session.InputMetadata.Keys.First();
            using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new float[3 * m.Width * m.Height], [1, 3, m.Height, m.Width]);
            using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
            using var results = session.Run(run, [name], [value], [session.OutputMetadata.Keys.First()]);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            string reason = e.Message.Split('\n')[0].Replace("[ErrorCode:Fail] ", "", StringComparison.Ordinal).TrimEnd(':', ' ');
            Throw.User($"model '{input.OnnxPath}' cannot be flip-averaged: its network does not run on a batch of {(flips == FlipSet.Both ? 4 : 2)} images (ONNX Runtime: {reason}); nothing was written.", e);
        }
    }

    /// <summary>Rewrites <paramref name="model"/> in place (its single input and first output keep their names and shapes).</summary>
    public static void Wrap(ModelProto model, FlipSet flips, string source)
    {
        var graph = model.Graph;
        if (model.MetadataProps.Any(p => p.Key == MetadataKey))
            Throw.User($"model '{source}' already averages flips: wrap the original model instead.");
        var initialisers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initialisers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            Throw.User($"model '{source}' has {inputs.Count} inputs: flip averaging needs a model with one image input.");
        if (graph.Output.Count != 1)
            Throw.User($"model '{source}' has {graph.Output.Count} outputs: flip averaging needs a model with one output (the mask).");
        string input = inputs[0].Name;
        string output = graph.Output[0].Name;
        CheckRank4(inputs[0], source, "input");
        CheckRank4(graph.Output[0], source, "output");
        long opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < 13)
            Throw.User($"model '{source}' uses ONNX opset {opset}: flip averaging needs opset 13 or later (re-export the model).");

        // The original network now reads the batch and writes the batched output under new names.
        var g = new OnnxGraphBuilder(graph);
        string batchIn = g.Name("flip_average_batch");
        string batchOut = g.Name("flip_average_outputs");
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == input)
                    node.Input[i] = batchIn;
                else if (node.Input[i] == output)
                    node.Input[i] = batchOut;
            }
            for (int i = 0; i < node.Output.Count; i++)
            {
                if (node.Output[i] == output)
                    node.Output[i] = batchOut;
            }
        }
        graph.ValueInfo.Clear(); // intermediate shapes recorded for batch 1 would be wrong now

        // Mirror images in batch order: none, left-right, [up-down, both]. These nodes go first (ONNX keeps nodes in
        // topological order: everything after reads the batch).
        int original = graph.Node.Count;
        int[][] axes = flips == FlipSet.Both ? [[], [3], [2], [2, 3]] : [[], [3]];
        var members = axes.Select(a => Mirror(g, input, a)).ToArray();
        g.AddNode("Concat", [.. members], [batchIn], ("axis", 0L));
        var front = graph.Node.Skip(original).ToList();
        for (int i = 0; i < front.Count; i++)
        {
            graph.Node.RemoveAt(original + i);
            graph.Node.Insert(i, front[i]);
        }
        string? sum = null;
        for (int i = 0; i < axes.Length; i++)
        {
            string one = g.Op("Slice", [batchOut, Ints(g, i), Ints(g, i + 1), Ints(g, 0)]);
            string back = Mirror(g, one, axes[i]);
            sum = sum is null ? back : g.Op("Add", [sum, back]);
        }
        string scale = g.AddInitializer(g.Name("flip_average_scale"), [], [1f / axes.Length]);
        g.AddNode("Mul", [sum!, scale], [output]);

        model.MetadataProps.Add(new StringStringEntryProto { Key = MetadataKey, Value = flips == FlipSet.Both ? "lr,ud,both" : "lr" });
    }

    private static void CheckRank4(ValueInfoProto value, string source, string role)
    {
        var shape = value.Type?.TensorType?.Shape;
        if (shape is not null && shape.Dim.Count != 4)
            Throw.User($"model '{source}': its {role} '{value.Name}' has rank {shape.Dim.Count}: flip averaging needs NCHW images in and NCHW maps out.");
        if (shape is not null && shape.Dim[0].DimValue > 1)
            Throw.User($"model '{source}': its {role} '{value.Name}' has batch {shape.Dim[0].DimValue}: flip averaging needs batch 1.");
    }

    private static string Ints(OnnxGraphBuilder g, params long[] values) =>
        g.AddInt64Initializer(g.Name("flip_average_ints"), [values.Length], values);

    /// <summary>
    /// <paramref name="x"/> reversed along each of <paramref name="axes"/> (Slice with step -1 from the last element to
    /// before the first); no axes: <paramref name="x"/> itself.
    /// </summary>
    private static string Mirror(OnnxGraphBuilder g, string x, int[] axes)
    {
        if (axes.Length == 0)
            return x;
        long[] starts = [.. axes.Select(_ => -1L)];
        long[] ends = [.. axes.Select(_ => long.MinValue)];
        long[] steps = [.. axes.Select(_ => -1L)];
        return g.Op("Slice", [x, Ints(g, starts), Ints(g, ends), Ints(g, [.. axes.Select(a => (long)a)]), Ints(g, steps)]);
    }
}
