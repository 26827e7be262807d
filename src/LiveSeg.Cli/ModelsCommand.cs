using LiveSeg.Models;

namespace LiveSeg.Cli;

/// <summary><c>liveseg models list|synth</c>.</summary>
public static class ModelsCommand
{
    public const string Help = """
        liveseg models list                      built-in model names, whether each is installed, and the search folders
        liveseg models fetch body [--force]      npm pack MediaPipe selfie segmentation, verify SHA-256, convert to ONNX
                                                 (body 256x256 and body-landscape 256x144) into the model folder and
                                                 record each model's SHA-256 (checked at every load); --force fetches
                                                 and converts again even when installed
        liveseg models import FILE.tflite [-o FILE.onnx]   convert a TFLite segmentation model to ONNX
        liveseg models inspect FILE.tflite [-v]  tensors and operators of a TFLite model
        liveseg models verify [--videos DIR] [--frames N]
                                                 converted body models vs OpenCV DNN on the original .tflite:
                                                 max |diff|, IoU at 0.5, inference ms (default: ../shared/datasets/videos)
        liveseg models synth NAME -o FILE.onnx   write a project-built test model and its manifest (FILE.json):
                                                 colorkey (128x128 → 64x64: red = foreground) or
                                                 convnet  (256x256 → 64x64: colour key + a small conv encoder)
        """;

    public static int Run(string[] args)
    {
        var cl = new CommandLine("liveseg models", args, new Dictionary<string, bool>
        {
            ["-o"] = true, ["--output"] = true, ["--videos"] = true, ["--frames"] = true, ["--force"] = false, ["-h"] = false, ["--help"] = false, ["-v"] = false, ["--verbose"] = false,
        });
        if (cl.Has("--help") || cl.Positionals.Count == 0)
        {
            Console.WriteLine(Help);
            return cl.Has("--help") ? ExitCodes.Ok : ExitCodes.BadInput;
        }
        switch (cl.Positionals[0])
        {
            case "list":
                string[] folders = ModelCatalogue.SearchFolders().ToArray();
                foreach (var (name, entry) in ModelCatalogue.Entries)
                {
                    string? found = folders.Select(f => Path.Combine(f, entry.File)).FirstOrDefault(File.Exists);
                    Console.WriteLine($"{name,-16} {(found is null ? "not installed" : found)}");
                }
                Console.WriteLine($"search folders: {string.Join(", ", folders)}");
                return ExitCodes.Ok;
            case "synth":
                if (cl.Positionals.Count != 2)
                    throw cl.Error($"'models synth' needs one NAME ({string.Join(", ", SyntheticModels.Names)})");
                string output = cl.Get("--output") ?? throw cl.Error("missing -o FILE.onnx");
                if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                    throw cl.Error($"output '{output}' must end in .onnx");
                LiveSeg.IO.OutputCheck.File(output, "model output");
                SyntheticModels.Write(cl.Positionals[1], output);
                Console.WriteLine($"wrote {output} and {Path.ChangeExtension(output, ".json")}");
                return ExitCodes.Ok;
            case "fetch":
                if (cl.Positionals.Count != 2 || !cl.Positionals[1].StartsWith("body", StringComparison.Ordinal))
                    throw cl.Error("'models fetch' takes 'body' (fetches body and body-landscape)");
                ModelFetcher.FetchBody(message => Console.WriteLine(message), cl.Has("--force"));
                return ExitCodes.Ok;
            case "verify":
                string videos = cl.Get("--videos") ?? Path.Combine("..", "shared", "datasets", "videos");
                var (frames, from) = ParityCheck.LoadFrames(videos, cl.GetInt("--frames", 24));
                Console.WriteLine($"frames: {from}");
                string folder = Path.GetDirectoryName(ModelCatalogue.Find("body") ?? ModelFetcher.FetchBody(m => Console.WriteLine(m)) + "/")!;
                foreach (var source in ModelFetcher.Sources)
                {
                    var r = ParityCheck.Run(Path.Combine(folder, source.Name + ".onnx"), Path.Combine(folder, source.Tflite), frames, from);
                    Console.WriteLine(System.FormattableString.Invariant(
                        $"{r.Model,-15} max|diff| {r.MaxAbsDiff:E2} (worst frame {r.WorstFrame}), min IoU {r.MinIoU:F5}; inference ms p50/p95: ONNX Runtime {r.OrtMedianMs:F2}/{r.OrtP95Ms:F2}, OpenCV DNN {r.CvMedianMs:F2}/{r.CvP95Ms:F2}"));
                }
                foreach (var f in frames)
                    f.Dispose();
                return ExitCodes.Ok;
            case "import":
                if (cl.Positionals.Count != 2)
                    throw cl.Error("'models import' needs one FILE.tflite");
                string onnxOut = cl.Get("--output") ?? Path.ChangeExtension(cl.Positionals[1], ".onnx");
                Throw.IfFileUnreadable(cl.Positionals[1], "TFLite model");
                LiveSeg.IO.OutputCheck.File(onnxOut, "model output", [new(cl.Positionals[1], "TFLite model")]);
                LiveSeg.Models.Tflite.TfliteToOnnx.Convert(cl.Positionals[1], onnxOut);
                Console.WriteLine($"wrote {onnxOut}");
                return ExitCodes.Ok;
            case "inspect":
                if (cl.Positionals.Count != 2)
                    throw cl.Error("'models inspect' needs one FILE.tflite");
                var tfl = LiveSeg.Models.Tflite.TfliteModel.Load(cl.Positionals[1]);
                foreach (int i in tfl.Inputs)
                    Console.WriteLine($"input  {tfl.Tensors[i].Name} [{string.Join(",", tfl.Tensors[i].Shape)}] {tfl.Tensors[i].Type}");
                foreach (int i in tfl.Outputs)
                    Console.WriteLine($"output {tfl.Tensors[i].Name} [{string.Join(",", tfl.Tensors[i].Shape)}] {tfl.Tensors[i].Type}");
                Console.WriteLine($"{tfl.Tensors.Count} tensors, {tfl.Operators.Count} operators:");
                foreach (var g in tfl.Operators.GroupBy(o => o.Name).OrderByDescending(g => g.Count()))
                    Console.WriteLine($"  {g.Count(),4} x {g.Key}");
                if (cl.Has("--verbose"))
                {
                    foreach (var op in tfl.Operators)
                        Console.WriteLine($"{op.Name} in=[{string.Join(" ", op.Inputs.Select(i => i < 0 ? "-" : $"{tfl.Tensors[i].Name}{(tfl.Tensors[i].IsConstant ? "(c)" : "")}:{string.Join("x", tfl.Tensors[i].Shape)}:{tfl.Tensors[i].Type}"))}] out=[{string.Join(" ", op.Outputs.Select(i => $"{tfl.Tensors[i].Name}:{string.Join("x", tfl.Tensors[i].Shape)}"))}] custom={Convert.ToHexString(op.CustomOptions)}");
                }
                return ExitCodes.Ok;
            default:
                throw cl.Error($"unknown 'models' action '{cl.Positionals[0]}': use list, fetch, import, inspect, verify or synth");
        }
    }
}
