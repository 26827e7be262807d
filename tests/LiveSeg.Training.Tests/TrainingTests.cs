using System.Text.Json;
using LiveSeg.Evaluation;
using LiveSeg.Training;
using OpenCvSharp;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace LiveSeg.Training.Tests;

/// <summary>
/// Training on small generated datasets (ellipses on plain backgrounds, two "sources" that look different), as CI can
/// afford; never the shipped model.
/// </summary>
public sealed class TrainingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "liveseg-train-test-" + Guid.NewGuid().ToString("N")[..8]);

    public TrainingTests()
    {
        MakeDataset(Path.Combine(_dir, "alpha"), seed: 3, skin: (170, 150, 190), lesion: (60, 50, 90), count: 20);
        MakeDataset(Path.Combine(_dir, "beta"), seed: 4, skin: (120, 170, 210), lesion: (40, 70, 120), count: 14);
        TorchSharp.torch.set_num_threads(1); // one thread: no spinning OpenMP workers when the CI machine is busy
    }

    private string Alpha => Path.Combine(_dir, "alpha");

    private string Beta => Path.Combine(_dir, "beta");

    /// <summary>A PH2-style folder: images of varying size and aspect ratio, one ellipse each; 70% train, the rest val.</summary>
    private static void MakeDataset(string dir, int seed, (int B, int G, int R) skin, (int B, int G, int R) lesion, int count)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        var rng = new Random(seed);
        var lines = new List<string> { "id,split" };
        for (int i = 0; i < count; i++)
        {
            string id = $"G{i:D3}";
            int w = 70 + rng.Next(30), h = 56 + rng.Next(20);
            using var image = new Mat(h, w, MatType.CV_8UC3, new Scalar(skin.B + rng.Next(30), skin.G + rng.Next(30), skin.R + rng.Next(30)));
            using var mask = new Mat(h, w, MatType.CV_8UC1, Scalar.Black);
            var centre = new Point(w / 2 + rng.Next(-12, 12), h / 2 + rng.Next(-8, 8));
            var axes = new Size(10 + rng.Next(14), 9 + rng.Next(10));
            Cv2.Ellipse(image, centre, axes, 0, 0, 360, new Scalar(lesion.B + rng.Next(30), lesion.G + rng.Next(30), lesion.R + rng.Next(30)), -1);
            Cv2.Ellipse(mask, centre, axes, 0, 0, 360, Scalar.White, -1);
            Cv2.ImWrite(Path.Combine(dir, "images", id + ".jpg"), image);
            Cv2.ImWrite(Path.Combine(dir, "masks", id + ".png"), mask);
            lines.Add($"{id},{(i < count * 7 / 10 ? "train" : "val")}");
        }
        File.WriteAllLines(Path.Combine(dir, "split.csv"), lines);
    }

    private (int Code, string Err) Train(params string[] args)
    {
        using var err = new StringWriter();
        int code = TrainCommand.Execute(args, err);
        return (code, err.ToString());
    }

    [Trait("Speed", "Slow")] // trains a model: left out by ./test --fast (the trait that [Slow] gives in LiveSeg.Tests)
    [Theory]
    [InlineData(nameof(Architecture.ResUNet))]
    [InlineData(nameof(Architecture.UNet))]
    [InlineData(nameof(Architecture.SegNet))]
    public void ShortTrainingOnTwoDatasets_LowersTheLoss_ReportsBothValFigures_AndExportAgreesWithTorchSharp(string architecture)
    {
        var arch = Enum.Parse<Architecture>(architecture); // by name: the enum is internal, a public test method cannot take it
        var train = new List<TrainSet>
        {
            new("alpha", TrainingData.Load(Alpha, "train", 32, squash: false), 1),
            new("beta", TrainingData.Load(Beta, "train", 32, squash: false), 2),
        };
        var val = TrainingData.Load(Alpha, "val", 32, squash: true).Concat(TrainingData.Load(Beta, "val", 32, squash: true)).ToList();
        var options = new TrainOptions(arch, 32, 16, 4, 1, 3e-3, Path.Combine(_dir, "ckpt-" + arch), null);
        var trainer = new Trainer(options, train, val, _ => { });
        using var model = trainer.Run();
        Assert.Equal(16, trainer.Log.Count);
        double first = trainer.Log[0].Loss, last = trainer.Log[^1].Loss;
        Assert.True(last < first * 0.8, $"loss {first:F4} → {last:F4} did not fall by 20%");
        Console.WriteLine($"{arch}: loss {first:F4} → {last:F4}");
        Assert.All(trainer.Log, e => Assert.Equal(["alpha", "beta"], e.ValDiceByDataset.Keys.Order()));
        // The combined val Dice is the mean over the union of the val images, so it lies between the two datasets'.
        var best = trainer.Log.Single(e => e.Epoch == trainer.BestEpoch);
        Assert.Equal(trainer.BestValDice, best.ValDice);
        Assert.InRange(best.ValDice, best.ValDiceByDataset.Values.Min() - 1e-9, best.ValDiceByDataset.Values.Max() + 1e-9);
        Assert.Equal(trainer.Log.Max(e => e.ValDice), trainer.BestValDice);
        Assert.Equal(trainer.BestEpoch, Checkpoint.ReadInfo(trainer.BestCheckpoint).Epoch);

        string onnx = Path.Combine(_dir, arch + ".onnx");
        model.ExportOnnx(onnx, 32);
        double diff = TrainCommand.CheckExport(model, onnx, 32, seed: 5);
        Assert.True(diff <= 1e-4, $"ONNX Runtime and TorchSharp differ by {diff}");
    }

    [Trait("Speed", "Slow")] // trains a model: left out by ./test --fast (the trait that [Slow] gives in LiveSeg.Tests)
    [Fact]
    public void TrainCommand_TwoDatasets_WritesModelManifestAndLogWithEachDatasetsValDice_AndNoTemporaryFiles()
    {
        string output = Path.Combine(_dir, "out", "m.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var (code, err) = Train("--data", Alpha, "--data", Beta + ":2", "--size", "32", "--epochs", "3", "--batch", "4", "--threads", "1", "-o", output);
        Assert.True(code == 0, err);
        Assert.True(File.Exists(output));
        using var log = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(output, ".training.json")));
        var epochs = log.RootElement.GetProperty("log").EnumerateArray().ToList();
        Assert.Equal(3, epochs.Count);
        foreach (var e in epochs)
        {
            var byDataset = e.GetProperty("val_dice_by_dataset");
            Assert.InRange(byDataset.GetProperty("alpha").GetDouble(), 0, 1);
            Assert.InRange(byDataset.GetProperty("beta").GetDouble(), 0, 1);
        }
        Assert.Equal(2.0, log.RootElement.GetProperty("datasets")[1].GetProperty("weight").GetDouble());
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(output, ".json")));
        Assert.Equal("area", manifest.RootElement.GetProperty("input").GetProperty("resize").GetString());
        var leftovers = Directory.GetFiles(Path.GetDirectoryName(output)!, "*tmp*", SearchOption.AllDirectories);
        Assert.Empty(leftovers);
        Assert.True(Checkpoint.ReadInfo(Path.ChangeExtension(output, ".checkpoints") + "/last.bin").Epoch == 3);
    }

    [Theory]
    [InlineData("nan")]
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("inf")]
    [InlineData("Infinity")]
    [InlineData("1e39")]
    public void NonFiniteOrNonPositiveLearningRate_IsAOneLineErrorWithExit2_AndNoModelIsWritten(string lr)
    {
        string output = Path.Combine(_dir, "lr.onnx");
        var (code, err) = Train("--data", Alpha, "--size", "32", "--epochs", "1", "--batch", "4", "--threads", "1", "-o", output, "--lr", lr);
        Assert.Equal(2, code);
        Assert.Contains("--lr", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(output));
        Assert.False(Directory.Exists(Path.ChangeExtension(output, ".checkpoints")));
    }

    [Theory]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "100000")]
    [InlineData("--batch", "1")]
    [InlineData("--batch", "100000")]
    [InlineData("--size", "33")]
    [InlineData("--size", "4096")]
    [InlineData("--threads", "0")]
    [InlineData("--threads", "100000")]
    [InlineData("--stop-after", "0")]
    public void OutOfRangeNumbers_AreOneLineErrorsWithExit2(string option, string value)
    {
        string output = Path.Combine(_dir, "range.onnx");
        var (code, err) = Train("--data", Alpha, "-o", output, option, value);
        Assert.Equal(2, code);
        Assert.Contains(option, err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Progress_ToAFile_IsOneLinePerEpoch_WithoutInPlaceStepUpdates()
    {
        const string step = "\repoch 1/3 [##------------------] 2/20 loss 0.9000";
        const string epoch = "\repoch 1/3  loss 0.8000  lr 0.001  val Dice 0.5000 (a 0.5000)  1.0 s\n";
        Assert.Equal("", TrainCommand.ForLog(step, redirected: true));
        Assert.Equal("epoch 1/3  loss 0.8000  lr 0.001  val Dice 0.5000 (a 0.5000)  1.0 s\n", TrainCommand.ForLog(epoch, redirected: true));
        Assert.Equal(step, TrainCommand.ForLog(step, redirected: false));
        Assert.Equal(epoch, TrainCommand.ForLog(epoch, redirected: false));
    }

    [Fact]
    public void DataWeight_MustBeAPositiveNumber()
    {
        var (code, err) = Train("--data", Alpha + ":-2", "-o", Path.Combine(_dir, "w.onnx"));
        Assert.Equal(2, code);
        Assert.Contains("weight", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ResumeFromAFileThatIsNotACheckpoint_IsAOneLineErrorNamingIt_Exit2()
    {
        string notCheckpoint = Path.Combine(Alpha, "split.csv");
        string output = Path.Combine(_dir, "resume.onnx");
        var (code, err) = Train("--data", Alpha, "--size", "32", "--epochs", "2", "--batch", "4", "--threads", "1", "-o", output, "--resume", notCheckpoint);
        Assert.Equal(2, code);
        Assert.Contains(notCheckpoint, err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        // An old-style checkpoint (bare TorchSharp state, no header) and an empty file are refused the same way.
        string bare = Path.Combine(_dir, "bare.bin");
        using (var m = SegmentationModel.Create(Architecture.UNet))
            m.save(bare);
        string empty = Path.Combine(_dir, "empty.bin");
        File.WriteAllBytes(empty, []);
        foreach (string file in new[] { bare, empty })
        {
            var (c, e) = Train("--data", Alpha, "--arch", "unet", "--size", "32", "--epochs", "2", "--batch", "4", "--threads", "1", "-o", output, "--resume", file);
            Assert.Equal(2, c);
            Assert.Contains(file, e, StringComparison.Ordinal);
            Assert.Single(e.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public void ResumeWithAnotherArchitecture_IsAUserError()
    {
        string ckpt = Path.Combine(_dir, "unet.bin");
        using (var m = SegmentationModel.Create(Architecture.UNet))
            Checkpoint.Save(m, ckpt, new CheckpointInfo("UNet", 32, 1, 0.5));
        var (code, err) = Train("--data", Alpha, "--arch", "resunet", "--size", "32", "--epochs", "2", "--batch", "4", "--threads", "1", "-o", Path.Combine(_dir, "x.onnx"), "--resume", ckpt);
        Assert.Equal(2, code);
        Assert.Contains("--arch unet", err, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteLoss_StopsTrainingWithAClearError_AndNoModelIsExported()
    {
        // A checkpoint whose weights are NaN makes the very first loss NaN.
        string ckpt = Path.Combine(_dir, "nan.bin");
        using (var m = SegmentationModel.Create(Architecture.ResUNet))
        {
            using (TorchSharp.torch.no_grad())
            {
                foreach (var p in m.parameters())
                    p.fill_(float.NaN);
            }
            Assert.False(m.AllFinite());
            Checkpoint.Save(m, ckpt, new CheckpointInfo("ResUNet", 32, 1, 0.5));
        }
        string output = Path.Combine(_dir, "nan.onnx");
        var (code, err) = Train("--data", Alpha, "--size", "32", "--epochs", "3", "--batch", "4", "--threads", "1", "-o", output, "--resume", ckpt);
        Assert.Equal(1, code);
        Assert.Contains("loss became NaN", err, StringComparison.Ordinal);
        Assert.Contains("no model was exported", err, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(Path.ChangeExtension(output, ".json")));
    }

    [Fact]
    public void Checkpoint_RoundTripsWeightsAndHeader()
    {
        string path = Path.Combine(_dir, "rt.bin");
        using var a = SegmentationModel.Create(Architecture.ResUNet);
        using var b = SegmentationModel.Create(Architecture.ResUNet);
        Checkpoint.Save(a, path, new CheckpointInfo("ResUNet", 64, 7, 0.75));
        var info = Checkpoint.Load(b, path);
        Assert.Equal(new CheckpointInfo("ResUNet", 64, 7, 0.75), info);
        a.eval();
        b.eval();
        using var x = TorchSharp.torch.rand(1, 3, 64, 64);
        using var ya = a.forward(x);
        using var yb = b.forward(x);
        Assert.Equal(0f, (ya - yb).abs().max().item<float>());
        Assert.Empty(Directory.GetFiles(_dir, "*tmp*"));
    }

    [Fact]
    public void AtomicFile_AFailedWriteLeavesTheTargetAsItWasAndNoTemporaryFile()
    {
        string target = Path.Combine(_dir, "atomic.txt");
        File.WriteAllText(target, "old");
        Assert.Throws<InvalidOperationException>(() => LiveSeg.IO.AtomicFile.WriteThrough(target, "test file", tmp =>
        {
            File.WriteAllText(tmp, "half");
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("old", File.ReadAllText(target));
        Assert.Empty(Directory.GetFiles(_dir, "*atomic.txt*tmp*"));
        LiveSeg.IO.AtomicFile.WriteAllText(target, "test file", "new");
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void Augmentation_IsReproducible_SquashesAnyAspectRatio_AndKeepsMasksBinary()
    {
        var sample = TrainingData.Load(Alpha, "train", 64, squash: false)[0];
        Assert.NotEqual(sample.Image.Width, sample.Image.Height);
        var (i1, m1) = Augmenter.Apply(sample.Image, sample.Mask, 64, new Random(11));
        var (i2, m2) = Augmenter.Apply(sample.Image, sample.Mask, 64, new Random(11));
        var (i3, m3) = Augmenter.Apply(sample.Image, sample.Mask, 64, new Random(12));
        using (i1)
        using (m1)
        using (i2)
        using (m2)
        using (i3)
        using (m3)
        {
            Assert.Equal(new Size(64, 64), i1.Size());
            Assert.Equal(new Size(64, 64), m1.Size());
            i1.GetArray(out Vec3b[] a);
            i2.GetArray(out Vec3b[] b);
            i3.GetArray(out Vec3b[] c);
            Assert.Equal(a, b);
            Assert.NotEqual(a, c);
            m1.GetArray(out byte[] mask);
            Assert.All(mask, v => Assert.True(v is 0 or 255));
        }
    }

    [Fact]
    public void EpochDraws_FollowTheWeights_AndAreSeeded()
    {
        var a = TrainingData.Load(Alpha, "train", 32, squash: false);
        var b = TrainingData.Load(Beta, "train", 32, squash: false);
        var sets = new List<TrainSet> { new("alpha", a, 0.5), new("beta", b, 3) };
        var draws = Trainer.EpochDraws(sets, seed: 1, epoch: 1);
        Assert.Equal((int)Math.Round(a.Count * 0.5), draws.Count(s => s.Dataset == "alpha"));
        Assert.Equal(3 * b.Count, draws.Count(s => s.Dataset == "beta"));
        Assert.Equal(draws.Select(s => s.Id + s.Dataset), Trainer.EpochDraws(sets, 1, 1).Select(s => s.Id + s.Dataset));
        Assert.NotEqual(draws.Select(s => s.Id + s.Dataset), Trainer.EpochDraws(sets, 1, 2).Select(s => s.Id + s.Dataset));
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

    [Fact]
    public void ThresholdedJaccard_OnHandMadeMasks_ZeroesImagesBelow065()
    {
        // 10x10 masks. Truth: 4x5 = 20 px. Prediction A: the same 20 px → Jaccard 1. Prediction B: 10 of them → 0.5.
        // Prediction C: 16 of them → 0.8. ISIC 2017 mean Jaccard: (1 + 0.5 + 0.8) / 3; ISIC 2018 thresholded: (1 + 0 + 0.8) / 3.
        var truth = new byte[100];
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 5; x++)
                truth[y * 10 + x] = 255;
        }
        byte[] a = (byte[])truth.Clone();
        byte[] b = (byte[])truth.Clone();
        for (int i = 0; i < 100 && b.Count(v => v == 255) > 10; i++)
            b[i] = 0;
        byte[] c = (byte[])truth.Clone();
        for (int i = 0; i < 100 && c.Count(v => v == 255) > 16; i++)
            c[i] = 0;
        double[] jaccard = [MaskScores.Of(a, truth).Jaccard, MaskScores.Of(b, truth).Jaccard, MaskScores.Of(c, truth).Jaccard];
        Assert.Equal([1.0, 0.5, 0.8], jaccard.Select(j => Math.Round(j, 12)));
        Assert.Equal((1 + 0.5 + 0.8) / 3, jaccard.Average(), 12);
        Assert.Equal((1 + 0 + 0.8) / 3, ChallengeMetrics.ThresholdedJaccard(jaccard), 12);
        Assert.Equal(0.65, ChallengeMetrics.ThresholdedJaccard([0.65]), 12); // the cut-off itself counts
        Assert.Equal(0, ChallengeMetrics.ThresholdedJaccard([0.6499]), 12);
        Assert.Equal(0, ChallengeMetrics.ThresholdedJaccard([]), 12);
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

public class WeightAverageTests
{
    [Fact]
    public void Update_MovesEveryWeightTowardsTheTrainedOnesByOneMinusDecay()
    {
        TorchSharp.torch.random.manual_seed(3);
        using var trained = SegmentationModel.Create(Architecture.UNet);
        TorchSharp.torch.random.manual_seed(4);
        using var average = SegmentationModel.Create(Architecture.UNet);
        var before = average.parameters().First().data<float>().ToArray();
        var target = trained.parameters().First().data<float>().ToArray();
        WeightAverage.Update(average, trained, 0.75);
        var after = average.parameters().First().data<float>().ToArray();
        Assert.NotEqual(before, target);
        for (int i = 0; i < after.Length; i++)
            Assert.Equal(0.75f * before[i] + 0.25f * target[i], after[i], 5);
        WeightAverage.CopyInto(average, trained);
        Assert.Equal(target, average.parameters().First().data<float>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightAverage.Update(average, trained, 1.0));
    }
}
