using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace LiveSeg.Training;

/// <summary><c>liveseg train</c> (the liveseg-train program): train, pick the best epoch on val, export ONNX + manifest.</summary>
public static class TrainCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public const string Help = """
        liveseg train --data DIR --arch unet|segnet -o FILE.onnx [options]

        Trains a lesion segmenter on a PH2-style folder (images/, masks/, split.csv): train on 'train', keep the epoch
        with the best Dice on 'val'. Writes FILE.onnx (BatchNorm folded), FILE.json (manifest) and FILE.training.json
        (per-epoch loss and val Dice, wall time, parameters). Report the test split with 'liveseg eval'.

        Options:
              --data DIR        dataset folder (required)
              --arch NAME       unet (default) or segnet
          -o, --output FILE     the .onnx to write (required)
              --size N          training and model input size, a multiple of 16 (default 256)
              --epochs N        epochs (default 40)
              --batch N         batch size (default 8)
              --lr X            Adam learning rate (default 0.001)
              --seed N          seed for weights, batch order and augmentation (default 1)
              --threads N       CPU threads for libtorch (default: all cores)
              --checkpoints DIR where best.bin and last.bin go (default: FILE.checkpoints/)
              --resume FILE     continue from a checkpoint (its epoch count is kept beside it)
        """;

    public static int Run(string[] args)
    {
        var cl = new CommandLine("liveseg train", args, new Dictionary<string, bool>
        {
            ["--data"] = true, ["--arch"] = true, ["-o"] = true, ["--output"] = true, ["--size"] = true, ["--epochs"] = true,
            ["--batch"] = true, ["--lr"] = true, ["--seed"] = true, ["--threads"] = true, ["--checkpoints"] = true,
            ["--resume"] = true, ["-h"] = false, ["--help"] = false, ["-v"] = false, ["--verbose"] = false,
        });
        if (cl.Has("--help"))
        {
            Console.WriteLine(Help);
            return ExitCodes.Ok;
        }
        string data = cl.Get("--data") ?? throw cl.Error("missing --data DIR");
        string output = cl.Get("--output") ?? throw cl.Error("missing -o FILE.onnx");
        if (!output.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
            throw cl.Error($"output '{output}' must end in .onnx");
        Throw.IfOutputFolderUnwritable(output, "model output");
        var arch = cl.Get("--arch", "unet").ToLowerInvariant() switch
        {
            "unet" or "u-net" => Architecture.UNet,
            "segnet" => Architecture.SegNet,
            string a => throw cl.Error($"unknown --arch '{a}': use unet or segnet"),
        };
        int size = cl.GetInt("--size", 256), epochs = cl.GetInt("--epochs", 40), batch = cl.GetInt("--batch", 8), seed = cl.GetInt("--seed", 1);
        if (size < 16 || size % 16 != 0)
            throw cl.Error($"--size {size} must be a positive multiple of 16");
        if (epochs < 1 || batch < 2)
            throw cl.Error("--epochs must be ≥ 1 and --batch ≥ 2");
        int threads = cl.GetInt("--threads", Environment.ProcessorCount);
        torch.set_num_threads(threads);

        var clock = Stopwatch.StartNew();
        var train = TrainingData.Load(data, "train", size);
        var val = TrainingData.Load(data, "val", size);
        if (train.Count < batch)
            throw cl.Error($"only {train.Count} training images for a batch of {batch}");
        Console.WriteLine($"data: {train.Count} train, {val.Count} val images from {data}, at {size}x{size}");
        var options = new TrainOptions(arch, size, epochs, batch, seed, cl.GetFloat("--lr", 1e-3f),
            cl.Get("--checkpoints") ?? Path.ChangeExtension(output, ".checkpoints"), cl.Get("--resume"));
        var trainer = new Trainer(options, train, val, s => Console.Error.Write(s));
        using var model = trainer.Run();
        Console.WriteLine($"{arch}: {model.ParameterCount:N0} parameters; best val Dice {trainer.BestValDice:F4} at epoch {trainer.BestEpoch}; {clock.Elapsed.TotalMinutes:F1} min");

        model.ExportOnnx(output, size);
        string name = Path.GetFileNameWithoutExtension(output);
        File.WriteAllText(Path.ChangeExtension(output, ".json"), Manifest(name, size));
        double agreement = CheckExport(model, output, size, seed);
        Console.WriteLine($"exported {output} (+ .json manifest); ONNX Runtime vs TorchSharp on random inputs: max |diff| {agreement:E2}");
        var summary = new
        {
            architecture = arch.ToString(), size, epochs, batch, seed, learning_rate = options.LearningRate, threads,
            parameters = model.ParameterCount, best_epoch = trainer.BestEpoch, best_val_dice = trainer.BestValDice,
            wall_time_minutes = Math.Round(clock.Elapsed.TotalMinutes, 2), export_max_abs_diff = agreement,
            command = "liveseg train " + string.Join(' ', args),
            log = trainer.Log.Select(e => new { epoch = e.Epoch, loss = Math.Round(e.Loss, 5), val_dice = Math.Round(e.ValDice, 5), seconds = Math.Round(e.Seconds, 1) }),
        };
        File.WriteAllText(Path.ChangeExtension(output, ".training.json"), JsonSerializer.Serialize(summary, s_json));
        return ExitCodes.Ok;
    }

    public static string Manifest(string name, int size) => JsonSerializer.Serialize(new
    {
        name,
        license = "MIT (LiveSeg); trained on PH2 (research use)",
        input = new { name = "image", width = size, height = size, layout = "nchw", color = "rgb", resize = "area", scale = 1.0 / 255.0, mean = 0, std = 1 },
        output = new { name = "logits", layout = "nchw", activation = "sigmoid", channel = 0 },
    }, s_json);

    /// <summary>Runs the exported graph in ONNX Runtime and the module in TorchSharp on 3 random inputs: the largest difference.</summary>
    public static double CheckExport(SegmentationNet model, string onnxPath, int size, int seed)
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
}
