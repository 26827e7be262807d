using System.CommandLine;
using LiveSeg.Models;

namespace LiveSeg.Cli;

/// <summary><c>liveseg models list|fetch|import|inspect|verify|synth|flip-average</c>.</summary>
internal static class ModelsCommand
{
    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "list, fetch, convert, inspect and verify models";

    public static Command Build()
    {
        var command = new Command("models", Summary);
        command.Add(List());
        command.Add(Fetch());
        command.Add(Import());
        command.Add(Inspect());
        command.Add(Verify());
        command.Add(Synth());
        command.Add(FlipAverage());
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "built-in model names, whether each is installed (and matches the SHA-256 in its manifest), and the search folders");
        command.SetAction(_ =>
        {
            string[] folders = [.. ModelCatalogue.SearchFolders()];
            Ui.Table(null, ["model", "installed"], ModelCatalogue.Entries.Keys.Select(name => new[] { name, ModelCatalogue.Status(name) }));
            Console.WriteLine($"search folders: {string.Join(", ", folders)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Fetch()
    {
        var name = Opt.OneOf("NAME", "model to fetch", "'body' (fetches body and body-landscape) or 'face' (the face detectors face-short and face-full)", "body", "body-landscape", "face");
        var force = Opt.Flag("--force", "fetch and convert again even when installed");
        var timeout = Opt.Int("--timeout", "seconds to wait for the registry: to connect, and between any two pieces of data", 60, 1, 3600, helpName: "SECONDS");
        var registry = Opt.Text("--registry", $"the npm registry to fetch from (default: $npm_config_registry, else {FetchNetwork.DefaultRegistry})", "URL");
        var command = new Command("fetch", "download MediaPipe selfie segmentation from the npm registry, verify SHA-512/SHA-256, convert to ONNX (body 256x256, body-landscape 256x144) and record each model's SHA-256")
        {
            name, force, timeout, registry,
        };
        command.SetAction(r =>
        {
            var network = new FetchNetwork(TimeSpan.FromSeconds(r.GetValue(timeout)), r.GetValue(registry) ?? FetchNetwork.EnvironmentRegistry(), DownloadProgress());
            var package = r.GetValue(name) == "face" ? People.FaceModels.Package : ModelFetcher.Body;
            ModelFetcher.Fetch(package, message => Console.WriteLine(message), r.GetValue(force), network);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Download progress on stderr: one line redrawn in place on a terminal, else a line at the start, every quarter
    /// (or every 4 MB when the size is unknown) and at the end.
    /// </summary>
    private static Action<long, long?> DownloadProgress()
    {
        bool terminal = !Ui.PlainErr;
        long nextLine = 0;
        return (done, total) =>
        {
            string text = total is > 0 ? $"downloaded {Bytes(done)} / {Bytes(total.Value)} ({100.0 * done / total.Value:0}%)" : $"downloaded {Bytes(done)}";
            bool end = total is { } t && done >= t;
            if (terminal)
            {
                Console.Error.Write($"\r{text}   " + (end ? "\n" : ""));
                return;
            }
            if (done < nextLine && !end)
                return;
            Console.Error.WriteLine(text);
            nextLine = done + (total is > 0 ? Math.Max(1, total.Value / 4) : 4L << 20);
        };
    }

    private static string Bytes(long n) => n >= 1 << 20 ? $"{n / 1048576.0:0.0} MB" : $"{n / 1024.0:0.0} KB";

    private static Command Import()
    {
        var input = new Argument<string>("FILE.tflite") { Description = "a TFLite segmentation model" };
        var output = Opt.Text("--output", "the ONNX file to write (default: FILE.onnx beside the input)", "FILE.onnx", "-o");
        var command = new Command("import", "convert a TFLite segmentation model to ONNX") { input, output };
        command.SetAction(r =>
        {
            string tflite = r.GetValue(input)!;
            string onnxOut = r.GetValue(output) ?? Path.ChangeExtension(tflite, ".onnx");
            Throw.IfFileUnreadable(tflite, "TFLite model");
            LiveSeg.IO.OutputCheck.File(onnxOut, "model output", [new(tflite, "TFLite model")]);
            LiveSeg.Models.Tflite.TfliteToOnnx.Convert(tflite, onnxOut);
            Console.WriteLine($"wrote {onnxOut}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Inspect()
    {
        var input = new Argument<string>("FILE.tflite") { Description = "a TFLite model" };
        var command = new Command("inspect", "tensors and operators of a TFLite model (-v: every operator)") { input };
        command.SetAction(r =>
        {
            var tfl = LiveSeg.Models.Tflite.TfliteModel.Load(r.GetValue(input)!);
            foreach (int i in tfl.Inputs)
                Console.WriteLine($"input  {tfl.Tensors[i].Name} [{string.Join(",", tfl.Tensors[i].Shape)}] {tfl.Tensors[i].Type}");
            foreach (int i in tfl.Outputs)
                Console.WriteLine($"output {tfl.Tensors[i].Name} [{string.Join(",", tfl.Tensors[i].Shape)}] {tfl.Tensors[i].Type}");
            Console.WriteLine($"{tfl.Tensors.Count} tensors, {tfl.Operators.Count} operators:");
            foreach (var g in tfl.Operators.GroupBy(o => o.Name).OrderByDescending(g => g.Count()))
                Console.WriteLine($"  {g.Count(),4} x {g.Key}");
            if (r.GetValue(Commands.Verbose))
            {
                foreach (var op in tfl.Operators)
                    Console.WriteLine($"{op.Name} in=[{string.Join(" ", op.Inputs.Select(i => i < 0 ? "-" : $"{tfl.Tensors[i].Name}{(tfl.Tensors[i].IsConstant ? "(c)" : "")}:{string.Join("x", tfl.Tensors[i].Shape)}:{tfl.Tensors[i].Type}"))}] out=[{string.Join(" ", op.Outputs.Select(i => $"{tfl.Tensors[i].Name}:{string.Join("x", tfl.Tensors[i].Shape)}"))}] custom={Convert.ToHexString(op.CustomOptions)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Verify()
    {
        var videos = Opt.TextOr("--videos", "folder of videos to take frames from", "DIR", Path.Combine("..", "shared", "datasets", "videos"));
        var frames = Opt.Int("--frames", "frames to compare", 24, 1, 10_000);
        var which = Opt.OneOf("NAME", "model to verify", "'body' (default: the body models' masks) or 'face' (the face detectors' boxes and scores, on the videos' frames and the --images)", "body", "face");
        which.Arity = ArgumentArity.ZeroOrOne;
        var images = Opt.TextOr("--images", "folder of still images to add to the frames (face only)", "DIR", Path.Combine("..", "shared", "datasets", "person", "images"));
        var command = new Command("verify", "converted models vs OpenCV DNN on the original .tflite: body masks (max |diff|, IoU at 0.5, inference ms) or face boxes (IoU, score difference)") { which, videos, frames, images };
        command.SetAction(r =>
        {
            if (r.GetValue(which) == "face")
                return VerifyFace(r.GetValue(videos)!, r.GetValue(images)!, r.GetValue(frames));
            var (loaded, from) = ParityCheck.LoadFrames(r.GetValue(videos)!, r.GetValue(frames));
            Console.WriteLine($"frames: {from}");
            string folder = Path.GetDirectoryName(ModelCatalogue.Find("body") ?? ModelFetcher.FetchBody(m => Console.WriteLine(m)) + "/")!;
            foreach (var source in ModelFetcher.Sources)
            {
                var p = ParityCheck.Run(Path.Combine(folder, source.Name + ".onnx"), Path.Combine(folder, source.Tflite), loaded, from);
                Console.WriteLine(System.FormattableString.Invariant(
                    $"{p.Model,-15} max|diff| {p.MaxAbsDiff:E2} (worst frame {p.WorstFrame}), min IoU {p.MinIoU:F5}; inference ms p50/p95: ONNX Runtime {p.OrtMedianMs:F2}/{p.OrtP95Ms:F2}, OpenCV DNN {p.CvMedianMs:F2}/{p.CvP95Ms:F2}"));
            }
            foreach (var f in loaded)
                f.Dispose();
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Each face detector against OpenCV DNN on the original, on frames of the videos plus still images.</summary>
    private static int VerifyFace(string videos, string images, int count)
    {
        var (loaded, from) = ParityCheck.LoadFrames(videos, count);
        var stills = People.FaceParity.LoadImages(images, count);
        loaded.AddRange(stills);
        Console.WriteLine($"frames: {from}; {stills.Count} images of {images}");
        foreach (var spec in People.FaceModels.All)
        {
            string onnx = People.FaceModels.Resolve(spec, m => Console.WriteLine(m));
            var p = People.FaceParity.Run(onnx, Path.Combine(Path.GetDirectoryName(onnx)!, spec.Tflite), spec, loaded);
            Console.WriteLine(System.FormattableString.Invariant(
                $"{p.Model,-10} {p.Frames} frames, {p.Faces} faces, {p.CountMismatches} frames with another count; min box IoU {p.MinIoU:F5}, max |score diff| {p.MaxScoreDiff:E2}, max |raw diff| {p.MaxRawDiff:E2}"));
        }
        foreach (var f in loaded)
            f.Dispose();
        return ExitCodes.Ok;
    }

    private static Command Synth()
    {
        var name = Opt.OneOf("NAME", "test model", "colorkey (128x128 → 64x64: red = foreground) or convnet (256x256 → 64x64: colour key + a small conv encoder)",
            SyntheticModels.Names);
        var output = new Option<string>("--output", "-o") { Description = "the .onnx file to write (its manifest goes beside it as FILE.json)", HelpName = "FILE.onnx", Required = true };
        output.Validators.Add(o =>
        {
            if (o.GetValueOrDefault<string>() is { } v && !v.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                o.AddError($"output '{v}' must end in .onnx");
        });
        var command = new Command("synth", "write a project-built test model and its manifest") { name, output };
        command.SetAction(r =>
        {
            string file = r.GetValue(output)!;
            LiveSeg.IO.OutputCheck.File(file, "model output");
            SyntheticModels.Write(r.GetValue(name)!, file);
            Console.WriteLine($"wrote {file} and {Path.ChangeExtension(file, ".json")}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command FlipAverage()
    {
        var input = new Argument<string>("MODEL") { Description = "the model to wrap: an .onnx file (manifest beside it) or a catalogue name" };
        var output = new Option<string>("--output", "-o") { Description = "the .onnx file to write (its manifest goes beside it as FILE.json)", HelpName = "FILE.onnx", Required = true };
        output.Validators.Add(o =>
        {
            if (o.GetValueOrDefault<string>() is { } v && !v.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                o.AddError($"output '{v}' must end in .onnx");
        });
        var flips = Opt.Checked("--flips", "lr: the image and its left-right mirror (2 network passes); all: also up-down and both (4)", "lr|all",
            ParseFlips, "lr", ["lr", "all"]);
        var manifestOption = Opt.Text("--manifest", "the input model's manifest (default: FILE.json beside FILE.onnx)", "FILE.json");
        var command = new Command("flip-average", "write a model that averages its output over mirrored copies of the input (test-time augmentation, in the ONNX graph: any LiveSeg command runs it)")
        {
            input, output, flips, manifestOption,
        };
        command.SetAction(r =>
        {
            var spec = ModelCatalogue.Resolve(r.GetValue(input)!, r.GetValue(manifestOption));
            string file = r.GetValue(output)!;
            string manifest = Path.ChangeExtension(file, ".json");
            LiveSeg.IO.OutputCheck.File(file, "model output", [new(spec.OnnxPath, "model")]);
            LiveSeg.IO.OutputCheck.File(manifest, "model manifest", [new(spec.OnnxPath, "model"), new(spec.ManifestPath, "model manifest")]);
            FlipAveraging.WrapFile(spec, file, (FlipAveraging.FlipSet)ParseFlips(r.GetValue(flips)!));
            Console.WriteLine($"wrote {file} and {manifest}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static object ParseFlips(string text) => text switch
    {
        "lr" => FlipAveraging.FlipSet.Horizontal,
        "all" => FlipAveraging.FlipSet.Both,
        _ => Throw.User<object>($"unknown --flips '{text}': use lr or all."),
    };
}
