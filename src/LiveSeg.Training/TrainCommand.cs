using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Metrics;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using TorchSharp;

namespace LiveSeg.Training;

/// <summary><c>liveseg train</c> (the liveseg-train program): train, pick the best epoch on val, export ONNX + manifest.</summary>
internal static class TrainCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public const string Help = """
        liveseg train --data DIR[:WEIGHT] [--data DIR[:WEIGHT] ...] -o FILE.onnx [options]

        Trains a lesion segmenter on one or more PH2-style folders (images/, masks/, split.csv): trains on the union of
        their 'train' splits, validates on the union of their 'val' splits after every epoch (each dataset's val Dice
        is printed and logged too) and keeps the epoch with the best Dice on that combined val. Writes FILE.onnx
        (BatchNorm folded), FILE.json (manifest) and FILE.training.json (per-epoch loss, learning rate, val Dice per
        dataset, wall time, parameters). Report test splits with 'liveseg eval'. Every file is written under a
        temporary name and renamed when complete.

        Options:
              --data DIR[:W]    dataset folder (required; repeat for several). W, a sampling weight in (0, 100]
                                (default 1), is how often each of its training images is drawn per epoch: 3 = three
                                times (differently augmented), 0.5 = a random half
              --arch NAME       resunet (default: residual U-Net), unet or segnet
          -o, --output FILE     the .onnx to write (required)
              --size N          training and model input size, 32..1024, a multiple of 32 (16 for unet/segnet; default 256)
              --epochs N        epochs, 1..10000 (default 40)
              --batch N         batch size, 2..256 (default 8)
              --stop-after N    stop after epoch N (and export) without shortening the --epochs schedule: split
                                one long schedule into sessions, then --resume the last checkpoint (a resumed
                                run may change --size: its best epoch is then chosen among the new size's epochs)
              --lr X            peak Adam learning rate, a finite number in (0, 1] (default 0.001)
              --lr-schedule S   cosine (default: per step from lr down to lr/20 at the last epoch) or constant
              --ema D           keep an exponential moving average of the weights with decay D in [0.9, 1)
                                (e.g. 0.995: about the last 200 steps); validation, best.bin and the export use
                                the average, last.bin the raw weights (a resumed average restarts from them)
              --seed N          seed for weights, batch order and augmentation (default 1)
              --threads N       CPU threads for libtorch, 1..4 x cores (default: all cores)
              --checkpoints DIR where best.bin and last.bin go (default: FILE.checkpoints/)
              --resume FILE     continue from a checkpoint (best.bin or last.bin) at the epoch after the one it holds
              --preview DIR     write the first 32 augmented draws of epoch 1 as PNGs (mask outlined in green) and exit

        Augmentation (train only, seeded): rotation (any angle), mirror, zoom out and in (window side x0.6 .. x3.2),
        aspect x0.8 .. x1.25, off-centre shifts, stickers, rulers, hairs, brightness/contrast/saturation/white
        balance/gamma, illumination gradient, dark vignette corners, blur, JPEG re-encoding, noise. Inference squashes
        the whole frame to the model size by area averaging (manifest "resize": "area"), as validation does.
        Exit codes: 0 done, 1 training failed (non-finite loss or weights: nothing exported), 2 bad input.
        """;

    /// <summary>Runs <c>liveseg train</c> and turns user errors into one line on stderr and their exit code.</summary>
    public static int Execute(string[] args, TextWriter? stderr = null)
    {
        stderr ??= Console.Error;
        try
        {
            return Run(args);
        }
        catch (LiveSegException e)
        {
            stderr.WriteLine($"liveseg train: error: {e.Message}");
            if (args.Contains("--verbose") || args.Contains("-v"))
                stderr.WriteLine(e.ToString());
            return e.ExitCode;
        }
    }

    public static int Run(string[] args)
    {
        var cl = new CommandLine("liveseg train", args, new Dictionary<string, bool>
        {
            ["--data"] = true, ["--arch"] = true, ["-o"] = true, ["--output"] = true, ["--size"] = true, ["--epochs"] = true,
            ["--batch"] = true, ["--lr"] = true, ["--lr-schedule"] = true, ["--seed"] = true, ["--threads"] = true, ["--checkpoints"] = true,
            ["--resume"] = true, ["--preview"] = true, ["--stop-after"] = true, ["--ema"] = true, ["-h"] = false, ["--help"] = false, ["-v"] = false, ["--verbose"] = false,
        });
        if (cl.Has("--help"))
        {
            Console.WriteLine(Help);
            return ExitCodes.Ok;
        }
        var dataSpecs = AllValues(args, "--data").Select(DatasetSpec.Parse).ToList();
        if (dataSpecs.Count == 0)
            throw cl.Error("missing --data DIR");
        foreach (var dup in dataSpecs.GroupBy(d => d.Name).Where(g => g.Count() > 1))
            throw cl.Error($"two --data folders are both named '{dup.Key}': give each dataset once");
        string output = cl.Get("--output") ?? throw cl.Error("missing -o FILE.onnx");
        if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw cl.Error($"output '{output}' must end in .onnx");
        Throw.IfOutputFolderUnwritable(output, "model output");
        var arch = cl.Get("--arch", "resunet").ToLowerInvariant() switch
        {
            "resunet" or "res-unet" => Architecture.ResUNet,
            "unet" or "u-net" => Architecture.UNet,
            "segnet" => Architecture.SegNet,
            string a => throw cl.Error($"unknown --arch '{a}': use resunet, unet or segnet"),
        };
        int multiple = arch == Architecture.ResUNet ? 32 : 16;
        int size = cl.GetInt("--size", 256), epochs = cl.GetInt("--epochs", 40), batch = cl.GetInt("--batch", 8), seed = cl.GetInt("--seed", 1);
        if (size < 32 || size > 1024 || size % multiple != 0)
            throw cl.Error($"--size {size} must be a multiple of {multiple} from 32 to 1024");
        if (epochs is < 1 or > 10000)
            throw cl.Error($"--epochs {epochs} must be from 1 to 10000");
        if (batch is < 2 or > 256)
            throw cl.Error($"--batch {batch} must be from 2 to 256");
        int? stopAfter = cl.Has("--stop-after") ? cl.GetInt("--stop-after", epochs) : null;
        if (stopAfter is < 1 or > 10000)
            throw cl.Error($"--stop-after {stopAfter} must be from 1 to 10000");
        float lr = cl.GetFloat("--lr", 1e-3f);
        if (!float.IsFinite(lr) || lr <= 0 || lr > 1)
            throw cl.Error($"--lr {cl.Get("--lr")} must be a finite number greater than 0 and at most 1 (e.g. 0.001)");
        bool cosine = cl.Get("--lr-schedule", "cosine").ToLowerInvariant() switch
        {
            "cosine" => true,
            "constant" => false,
            string sch => throw cl.Error($"unknown --lr-schedule '{sch}': use cosine or constant"),
        };
        double? ema = null;
        if (cl.Has("--ema"))
        {
            float d = cl.GetFloat("--ema", 0.995f);
            if (!(d is >= 0.9f and < 1f))
                throw cl.Error($"--ema {cl.Get("--ema")} must be a decay from 0.9 to below 1 (e.g. 0.995)");
            ema = d;
        }
        int maxThreads = 4 * Environment.ProcessorCount;
        int threads = cl.GetInt("--threads", Environment.ProcessorCount);
        if (threads < 1 || threads > maxThreads)
            throw cl.Error($"--threads {threads} must be from 1 to {maxThreads} (4 x {Environment.ProcessorCount} cores)");
        string? resume = cl.Get("--resume");
        if (resume is not null)
            Checkpoint.ReadInfo(resume); // a file that is not a checkpoint is a one-line error before any data loads
        torch.set_num_threads(threads);

        var clock = Stopwatch.StartNew();
        var train = new List<TrainSet>();
        var val = new List<Sample>();
        foreach (var d in dataSpecs)
        {
            var t = TrainingData.Load(d.Folder, "train", size, squash: false, d.Name);
            var v = TrainingData.Load(d.Folder, "val", size, squash: true, d.Name);
            train.Add(new TrainSet(d.Name, t, d.Weight));
            val.AddRange(v);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data '{d.Name}': {t.Count} train (weight {d.Weight:G4}), {v.Count} val images from {d.Folder}"));
        }
        if (cl.Get("--preview") is string preview)
            return Preview(train, seed, size, preview);
        int draws = Trainer.EpochDraws(train, seed, 1).Count;
        if (draws < batch)
            throw cl.Error($"only {draws} training draws per epoch for a batch of {batch}");
        Console.WriteLine($"{draws} draws per epoch ({draws / batch} steps of {batch}), {val.Count} val images in all, at {size}x{size}");
        var options = new TrainOptions(arch, size, epochs, batch, seed, lr,
            cl.Get("--checkpoints") ?? Path.ChangeExtension(output, ".checkpoints"), resume, cosine, stopAfter, ema);
        var trainer = new Trainer(options, train, val, Progress);
        using var model = trainer.Run();
        Console.WriteLine($"{arch}: {model.ParameterCount:N0} parameters; best combined val Dice {trainer.BestValDice:F4} at epoch {trainer.BestEpoch}; {clock.Elapsed.TotalMinutes:F1} min");
        if (!model.AllFinite())
            throw new LiveSegException("the trained weights are not all finite (NaN or infinity): no model was exported; lower --lr.", ExitCodes.Internal);

        double agreement = double.NaN;
        AtomicFile.WriteThrough(output, "model", tmp =>
        {
            model.ExportOnnx(tmp, size);
            agreement = CheckExport(model, tmp, size, seed);
        });
        string name = Path.GetFileNameWithoutExtension(output);
        AtomicFile.WriteAllText(Path.ChangeExtension(output, ".json"), "model manifest", Manifest(name, size, dataSpecs.Select(d => d.Name)));
        Console.WriteLine($"exported {output} (+ .json manifest); ONNX Runtime vs TorchSharp on random inputs: max |diff| {agreement:E2}");
        var summary = new
        {
            architecture = arch.ToString(), size, epochs, batch, seed, learning_rate = options.LearningRate, lr_schedule = cosine ? "cosine" : "constant", ema, threads,
            datasets = dataSpecs.Select(d => new { name = d.Name, folder = d.Folder, weight = d.Weight,
                train = train.First(t => t.Name == d.Name).Samples.Count, val = val.Count(v => v.Dataset == d.Name) }),
            parameters = model.ParameterCount, best_epoch = trainer.BestEpoch, best_val_dice = trainer.BestValDice,
            wall_time_minutes = Math.Round(clock.Elapsed.TotalMinutes, 2), export_max_abs_diff = agreement,
            command = "liveseg train " + string.Join(' ', args),
            log = trainer.Log.Select(e => new
            {
                epoch = e.Epoch, loss = Math.Round(e.Loss, 5), lr = e.LearningRate, val_dice = Math.Round(e.ValDice, 5),
                val_dice_by_dataset = e.ValDiceByDataset.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 5)), seconds = Math.Round(e.Seconds, 1),
            }),
        };
        AtomicFile.WriteAllText(Path.ChangeExtension(output, ".training.json"), "training log", JsonSerializer.Serialize(summary, s_json));
        return ExitCodes.Ok;
    }

    private static int Preview(List<TrainSet> train, int seed, int size, string folder)
    {
        Directory.CreateDirectory(folder);
        var draws = Trainer.EpochDraws(train, seed, 1);
        int n = Math.Min(32, draws.Count);
        using var grid = new Mat(size * ((n + 7) / 8), size * 8, MatType.CV_8UC3, OpenCvSharp.Scalar.Black);
        for (int position = 0; position < n; position++)
        {
            var (image, mask) = Augmenter.Apply(draws[position].Image, draws[position].Mask, size, new Random(TrainingData.Mix(seed, 1, position)));
            using (image)
            using (mask)
            {
                Cv2.FindContours(mask, out OpenCvSharp.Point[][] contours, out _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
                Cv2.DrawContours(image, contours, -1, new OpenCvSharp.Scalar(40, 255, 80), 1);
                Cv2.ImWrite(Path.Combine(folder, $"{position:D2}-{draws[position].Dataset}-{draws[position].Id}.png"), image);
                using var cell = new Mat(grid, new Rect(position % 8 * size, position / 8 * size, size, size));
                image.CopyTo(cell);
            }
        }
        Cv2.ImWrite(Path.Combine(folder, "grid.png"), grid);
        Console.WriteLine($"wrote {n} augmented draws (and grid.png) to {folder}");
        return ExitCodes.Ok;
    }

    /// <summary>Every value of a repeatable option (<c>--data A --data B</c> or <c>--data=A</c>), in order.</summary>
    internal static List<string> AllValues(string[] args, string option)
    {
        var values = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == option && i + 1 < args.Length)
                values.Add(args[++i]);
            else if (args[i].StartsWith(option + "=", StringComparison.Ordinal))
                values.Add(args[i][(option.Length + 1)..]);
        }
        return values;
    }

    public static string Manifest(string name, int size, IEnumerable<string>? datasets = null) => JsonSerializer.Serialize(new
    {
        name,
        license = $"MIT (LiveSeg); weights trained on {string.Join(" + ", datasets ?? ["PH2"])} (research use; see models/README.md)",
        input = new
        {
            name = "image", width = size, height = size, layout = "nchw", color = "rgb", resize = "area", scale = 1.0 / 255.0, mean = 0, std = 1,
            policy = "whole frame, any size and aspect ratio, squashed to width x height by area averaging (as in training and validation)",
        },
        output = new { name = "logits", layout = "nchw", activation = "sigmoid", channel = 0 },
    }, s_json);

    /// <summary>Runs the exported graph in ONNX Runtime and the module in TorchSharp on 3 random inputs: the largest difference.</summary>
    public static double CheckExport(SegmentationModel model, string onnxPath, int size, int seed)
    {
        model.eval();
        var rng = new Random(seed);
        using var session = new InferenceSession(onnxPath);
        double worst = 0;
        for (int k = 0; k < 3; k++)
        {
            var input = new float[3 * size * size];
            for (int i = 0; i < input.Length; i++)
                input[i] = (float)rng.NextDouble();
            float[] expected;
            using (torch.no_grad())
            using (var x = torch.tensor(input, [1, 3, size, size]))
            using (var y = model.forward(x))
                expected = y.data<float>().ToArray();
            using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, size, size]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, ["image"], [value], ["logits"]);
            ReadOnlySpan<float> got = results[0].GetTensorDataAsSpan<float>();
            for (int i = 0; i < expected.Length; i++)
                worst = Math.Max(worst, Math.Abs(got[i] - expected[i]));
        }
        return worst;
    }

    /// <summary>
    /// Training progress to stderr: on a terminal the step bar redraws in place; redirected to a file (a long run under
    /// nohup) only whole lines are written — one per epoch — instead of a carriage-return update per step.
    /// </summary>
    internal static void Progress(string text) => Console.Error.Write(ForLog(text, Console.IsErrorRedirected));

    /// <summary>What <see cref="Progress"/> writes: everything on a terminal; for a file, no in-place updates.</summary>
    internal static string ForLog(string text, bool redirected) =>
        !redirected ? text : text.EndsWith('\n') ? text.TrimStart('\r') : "";
}
