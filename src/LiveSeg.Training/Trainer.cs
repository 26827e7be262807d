using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LiveSeg.Training;

public sealed record TrainOptions(Architecture Architecture, int Size, int Epochs, int Batch, int Seed, double LearningRate, string CheckpointFolder, string? Resume);

public sealed record EpochLog(int Epoch, double Loss, double ValDice, double Seconds);

/// <summary>
/// Trains a <see cref="SegmentationNet"/>: Adam, loss = binary cross-entropy (on logits) + soft Dice, batches drawn in a
/// seeded random order, augmentation on train only. After each epoch the validation Dice (at the training size,
/// threshold 0.5) picks the best checkpoint. Deterministic for a given seed, data and thread count.
/// </summary>
public sealed class Trainer(TrainOptions o, List<Sample> train, List<Sample> val, Action<string> progress)
{
    public List<EpochLog> Log { get; } = [];

    public int BestEpoch { get; private set; }

    public double BestValDice { get; private set; } = -1;

    public string BestCheckpoint => Path.Combine(o.CheckpointFolder, "best.bin");

    public SegmentationNet Run()
    {
        random.manual_seed(o.Seed);
        var model = new SegmentationNet(o.Architecture);
        int start = 1;
        Directory.CreateDirectory(o.CheckpointFolder);
        if (o.Resume is not null)
        {
            Throw.IfFileUnreadable(o.Resume, "checkpoint");
            model.load(o.Resume);
            string epochFile = o.Resume + ".epoch";
            start = File.Exists(epochFile) ? int.Parse(File.ReadAllText(epochFile), CultureInfo.InvariantCulture) + 1 : 1;
            progress($"resumed from {o.Resume} at epoch {start} (Adam moments start fresh)");
        }
        var optimizer = optim.Adam(model.parameters(), lr: o.LearningRate);
        var order = new Random(o.Seed);
        var augment = new Random(o.Seed + 1);
        int size = o.Size, batch = o.Batch;
        var images = new float[batch * 3 * size * size];
        var masks = new float[batch * size * size];
        for (int epoch = start; epoch <= o.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            model.train();
            int[] perm = Enumerable.Range(0, train.Count).OrderBy(_ => order.Next()).ToArray();
            int steps = perm.Length / batch; // the last partial batch is dropped (BatchNorm dislikes tiny batches)
            double lossSum = 0;
            for (int step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                for (int b = 0; b < batch; b++)
                    TrainingData.Fill(train[perm[step * batch + b]], augment, images, masks, b, size);
                Tensor x = tensor(images, [batch, 3, size, size]);
                Tensor y = tensor(masks, [batch, 1, size, size]);
                Tensor logits = model.forward(x);
                Tensor loss = Loss(logits, y);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                progress(string.Create(CultureInfo.InvariantCulture,
                    $"\repoch {epoch}/{o.Epochs} [{new string('#', (step + 1) * 20 / steps)}{new string('-', 20 - (step + 1) * 20 / steps)}] {step + 1}/{steps} loss {lossSum / (step + 1):F4}"));
            }
            double valDice = Validate(model);
            bool best = valDice > BestValDice;
            if (best)
            {
                (BestValDice, BestEpoch) = (valDice, epoch);
                model.save(BestCheckpoint);
                File.WriteAllText(BestCheckpoint + ".epoch", epoch.ToString(CultureInfo.InvariantCulture));
            }
            string last = Path.Combine(o.CheckpointFolder, "last.bin");
            model.save(last);
            File.WriteAllText(last + ".epoch", epoch.ToString(CultureInfo.InvariantCulture));
            Log.Add(new EpochLog(epoch, lossSum / Math.Max(1, steps), valDice, clock.Elapsed.TotalSeconds));
            progress(string.Create(CultureInfo.InvariantCulture,
                $"\repoch {epoch}/{o.Epochs}  loss {lossSum / Math.Max(1, steps):F4}  val Dice {valDice:F4}{(best ? " (best)" : "")}  {clock.Elapsed.TotalSeconds:F1} s\n"));
        }
        if (File.Exists(BestCheckpoint))
            model.load(BestCheckpoint);
        model.eval();
        return model;
    }

    /// <summary>BCE on logits + (1 − soft Dice), averaged over the batch.</summary>
    public static Tensor Loss(Tensor logits, Tensor target)
    {
        Tensor bce = nn.functional.binary_cross_entropy_with_logits(logits, target);
        Tensor p = sigmoid(logits);
        Tensor inter = (p * target).sum([1, 2, 3]);
        Tensor dice = (2 * inter + 1) / (p.sum([1, 2, 3]) + target.sum([1, 2, 3]) + 1);
        return bce + (1 - dice).mean();
    }

    /// <summary>Mean Dice over the validation images at the training size, prediction thresholded at 0.5.</summary>
    public double Validate(SegmentationNet model)
    {
        if (val.Count == 0)
            return 0;
        model.eval();
        int size = o.Size;
        var image = new float[3 * size * size];
        var mask = new float[size * size];
        double sum = 0;
        using var noGrad = no_grad();
        foreach (var s in val)
        {
            using var scope = NewDisposeScope();
            TrainingData.Fill(s, null, image, mask, 0, size);
            float[] logits = model.forward(tensor(image, [1, 3, size, size])).data<float>().ToArray();
            long both = 0, p = 0, t = 0;
            for (int i = 0; i < mask.Length; i++)
            {
                bool a = logits[i] >= 0, b = mask[i] >= 0.5f;
                p += a ? 1 : 0;
                t += b ? 1 : 0;
                both += a && b ? 1 : 0;
            }
            sum += p + t == 0 ? 1 : 2.0 * both / (p + t);
        }
        return sum / val.Count;
    }
}
