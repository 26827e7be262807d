using LiveSeg.Training;
using OpenCvSharp;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LiveSeg.Training.Tests;

/// <summary>Training on a small generated dataset (discs on textured backgrounds), as CI can afford; never the shipped model.</summary>
public sealed class TrainingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "liveseg-train-test-" + Guid.NewGuid().ToString("N")[..8]);

    public TrainingTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "images"));
        Directory.CreateDirectory(Path.Combine(_dir, "masks"));
        var rng = new Random(3);
        var lines = new List<string> { "id,split" };
        for (int i = 0; i < 20; i++)
        {
            string id = $"G{i:D3}";
            int w = 70 + rng.Next(20), h = 60 + rng.Next(20); // varying sizes, like PH2
            using var image = new Mat(h, w, MatType.CV_8UC3, new Scalar(170 + rng.Next(40), 150 + rng.Next(40), 190 + rng.Next(40)));
            using var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.Black);
            var centre = new Point(w / 2 + rng.Next(-10, 10), h / 2 + rng.Next(-8, 8));
            var axes = new Size(12 + rng.Next(12), 10 + rng.Next(10));
            Cv2.Ellipse(image, centre, axes, rng.Next(180), 0, 360, new Scalar(60 + rng.Next(30), 50 + rng.Next(30), 90 + rng.Next(30)), -1);
            Cv2.Ellipse(mask, centre, axes, 0, 0, 360, Scalar.White, -1);
            Cv2.ImWrite(Path.Combine(_dir, "images", id + ".jpg"), image);
            Cv2.ImWrite(Path.Combine(_dir, "masks", id + ".png"), mask);
            lines.Add($"{id},{(i < 16 ? "train" : i < 18 ? "val" : "test")}");
        }
        File.WriteAllLines(Path.Combine(_dir, "split.csv"), lines);
        TorchSharp.torch.set_num_threads(2);
    }

    [Theory]
    [InlineData(Architecture.UNet)]
    [InlineData(Architecture.SegNet)]
    public void ShortTraining_LowersTheLoss_AndExportAgreesWithTorchSharp(Architecture arch)
    {
        var train = TrainingData.Load(_dir, "train", 32);
        var val = TrainingData.Load(_dir, "val", 32);
        var options = new TrainOptions(arch, 32, 12, 4, 1, 3e-3, Path.Combine(_dir, "ckpt-" + arch), null);
        var trainer = new Trainer(options, train, val, _ => { });
        using var model = trainer.Run();
        Assert.Equal(12, trainer.Log.Count);
        double first = trainer.Log[0].Loss, last = trainer.Log[^1].Loss;
        Assert.True(last < first * 0.8, $"loss {first:F4} → {last:F4} did not fall by 20%");
        Assert.True(File.Exists(trainer.BestCheckpoint));

        string onnx = Path.Combine(_dir, arch + ".onnx");
        model.ExportOnnx(onnx, 32);
        double diff = TrainCommand.CheckExport(model, onnx, 32, seed: 5);
        Assert.True(diff <= 1e-4, $"ONNX Runtime and TorchSharp differ by {diff}");
    }

    [Fact]
    public void Loss_IsSmallForAPerfectPredictionAndLargeForTheOpposite()
    {
        using var target = TorchSharp.torch.tensor(new float[] { 1, 1, 0, 0 }, [1, 1, 2, 2]);
        using var good = TorchSharp.torch.tensor(new float[] { 10, 10, -10, -10 }, [1, 1, 2, 2]);
        using var bad = TorchSharp.torch.tensor(new float[] { -10, -10, 10, 10 }, [1, 1, 2, 2]);
        using var lg = Trainer.Loss(good, target);
        using var lb = Trainer.Loss(bad, target);
        Assert.True(lg.item<float>() < 0.01f, $"good {lg.item<float>()}");
        Assert.True(lb.item<float>() > 5f, $"bad {lb.item<float>()}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
