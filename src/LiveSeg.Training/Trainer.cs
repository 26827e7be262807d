using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LiveSeg.Training;

/// <summary>
/// Training settings. <paramref name="LearningRate"/> is the peak; the schedule decays it (cosine, per step) to LearningRate/20 at epoch
/// <paramref name="Epochs"/>. <paramref name="StopAfter"/> ends the run earlier without changing the schedule (a long schedule split into sessions).
/// <paramref name="Ema"/>, when set, is the decay of an exponential moving average of the weights (and BatchNorm statistics) updated after
/// every step: validation, the best checkpoint and the export then use the averaged network; last.bin keeps the raw weights.
/// </summary>
internal sealed record TrainOptions(Architecture Architecture, int Size, int Epochs, int Batch, int Seed, double LearningRate, string CheckpointFolder, string? Resume,
    bool Cosine = true, int? StopAfter = null, double? Ema = null);

/// <summary>One training set and how often each of its images is drawn per epoch (2 = twice, 0.5 = a random half).</summary>
internal sealed record TrainSet(string Name, List<Sample> Samples, double Weight);

/// <summary>One epoch: mean loss, learning rate at its end, combined val Dice (mean over the union of the val splits), each dataset's val Dice, seconds.</summary>
internal sealed record EpochLog(int Epoch, double Loss, double LearningRate, double ValDice, IReadOnlyDictionary<string, double> ValDiceByDataset, double Seconds);

/// <summary>
/// Trains a <see cref="SegmentationModel"/>: Adam, loss = binary cross-entropy (on logits) + soft Dice, cosine learning
/// rate, batches drawn in a seeded random order from several datasets (each with a sampling weight), augmentation on
/// train only. After each epoch the Dice on the union of all val splits (at the training size, threshold 0.5) picks
/// the best checkpoint; each dataset's val Dice is logged too. Stops at the first non-finite loss. Augmentation and
/// order depend only on (seed, epoch, position), so a resumed run draws what the uninterrupted run would have.
/// </summary>
internal sealed class Trainer(TrainOptions o, IReadOnlyList<TrainSet> train, IReadOnlyList<Sample> val, Action<string> progress)
{
    /// <summary>One dataset, weight 1, for callers with a single dataset.</summary>
    public Trainer(TrainOptions o, List<Sample> train, List<Sample> val, Action<string> progress)
        : this(o, [new TrainSet("train", train, 1)], val, progress)
    {
    }

    public List<EpochLog> Log { get; } = [];

    public int BestEpoch { get; private set; }

    public double BestValDice { get; private set; } = -1;

    public string BestCheckpoint => Path.Combine(o.CheckpointFolder, "best.bin");

    public string LastCheckpoint => Path.Combine(o.CheckpointFolder, "last.bin");

    /// <summary>Draws per epoch: each dataset's images, each ⌊weight⌋ times plus a seeded random share for the fraction.</summary>
    public static List<Sample> EpochDraws(IReadOnlyList<TrainSet> sets, int seed, int epoch)
    {
        var rng = new Random(TrainingData.Mix(seed, epoch, -1));
        var draws = new List<Sample>();
        foreach (var set in sets)
        {
            int whole = (int)Math.Floor(set.Weight);
            for (int k = 0; k < whole; k++)
                draws.AddRange(set.Samples);
            int extra = (int)Math.Round((set.Weight - whole) * set.Samples.Count);
            draws.AddRange(set.Samples.OrderBy(_ => rng.Next()).Take(extra));
        }
        return draws.OrderBy(_ => rng.Next()).ToList();
    }

    public SegmentationModel Run()
    {
        random.manual_seed(o.Seed);
        var model = SegmentationModel.Create(o.Architecture);
        if (o.Size % model.SizeMultiple != 0)
            Throw.User($"--size {o.Size} must be a multiple of {model.SizeMultiple} for {o.Architecture}.");
        int start = 1;
        Directory.CreateDirectory(o.CheckpointFolder);
        if (o.Resume is not null)
        {
            var info = Checkpoint.Load(model, o.Resume);
            start = info.Epoch + 1;
            if (File.Exists(BestCheckpoint))
            {
                var best = Checkpoint.ReadInfo(BestCheckpoint);
                if (best.Epoch <= info.Epoch && best.Size == o.Size)
                    (BestValDice, BestEpoch) = (best.ValDice, best.Epoch);
            }
            progress($"resumed from {o.Resume} (epoch {info.Epoch}, val Dice {info.ValDice:F4}) at epoch {start}; best so far {BestValDice:F4} at epoch {BestEpoch} (Adam moments start fresh)\n");
        }
        var optimizer = optim.Adam(model.parameters(), lr: o.LearningRate);
        using var average = o.Ema is null ? null : SegmentationModel.Create(o.Architecture);
        if (average is not null)
        {
            WeightAverage.CopyInto(average, model);
            progress(string.Create(CultureInfo.InvariantCulture, $"weight average (EMA) with decay {o.Ema:G4}: validation, best.bin and the export use it; it starts from the {(o.Resume is null ? "initial" : "resumed")} weights\n"));
        }
        var evaluated = average ?? model;
        int size = o.Size, batch = o.Batch;
        int stepsPerEpoch = Math.Max(1, EpochDraws(train, o.Seed, 1).Count / batch);
        var images = new float[batch * 3 * size * size];
        var masks = new float[batch * size * size];
        int last = Math.Min(o.Epochs, o.StopAfter ?? o.Epochs);
        for (int epoch = start; epoch <= last; epoch++)
        {
            var clock = Stopwatch.StartNew();
            model.train();
            var draws = EpochDraws(train, o.Seed, epoch);
            int steps = draws.Count / batch; // the last partial batch is dropped (BatchNorm dislikes tiny batches)
            double lossSum = 0, lr = o.LearningRate;
            for (int step = 0; step < steps; step++)
            {
                lr = LearningRate(epoch - 1 + (double)step / stepsPerEpoch);
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = lr;
                using var scope = NewDisposeScope();
                for (int b = 0; b < batch; b++)
                {
                    int position = step * batch + b;
                    TrainingData.Fill(draws[position], new Random(TrainingData.Mix(o.Seed, epoch, position)), images, masks, b, size);
                }
                Tensor x = tensor(images, [batch, 3, size, size]);
                Tensor y = tensor(masks, [batch, 1, size, size]);
                Tensor logits = model.forward(x);
                Tensor loss = Loss(logits, y);
                float value = loss.item<float>();
                if (!float.IsFinite(value))
                    throw new LiveSegException(string.Create(CultureInfo.InvariantCulture,
                        $"training stopped: the loss became {value} at epoch {epoch}, step {step + 1} (learning rate {lr:G3}); no model was exported: lower --lr or resume from '{LastCheckpoint}'."),
                        ExitCodes.Internal);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                if (average is not null)
                    WeightAverage.Update(average, model, o.Ema!.Value);
                lossSum += value;
                progress(string.Create(CultureInfo.InvariantCulture,
                    $"\repoch {epoch}/{o.Epochs} [{new string('#', (step + 1) * 20 / steps)}{new string('-', 20 - (step + 1) * 20 / steps)}] {step + 1}/{steps} loss {lossSum / (step + 1):F4}"));
            }
            var (valDice, byDataset) = Validate(evaluated);
            if (!evaluated.AllFinite())
                throw new LiveSegException($"training stopped: the weights became non-finite in epoch {epoch}; no model was exported: lower --lr or resume from '{LastCheckpoint}'.", ExitCodes.Internal);
            bool best = valDice > BestValDice;
            var info = new CheckpointInfo(o.Architecture.ToString(), size, epoch, valDice);
            if (best)
            {
                (BestValDice, BestEpoch) = (valDice, epoch);
                Checkpoint.Save(evaluated, BestCheckpoint, info);
            }
            Checkpoint.Save(model, LastCheckpoint, info);
            Log.Add(new EpochLog(epoch, lossSum / Math.Max(1, steps), lr, valDice, byDataset, clock.Elapsed.TotalSeconds));
            string perSet = string.Join("  ", byDataset.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F4}")));
            progress(string.Create(CultureInfo.InvariantCulture,
                $"\repoch {epoch}/{o.Epochs}  loss {lossSum / Math.Max(1, steps):F4}  lr {lr:G3}  val Dice {valDice:F4} ({perSet}){(best ? " (best)" : "")}  {clock.Elapsed.TotalSeconds:F1} s\n"));
        }
        if (File.Exists(BestCheckpoint) && BestEpoch > 0)
            Checkpoint.Load(model, BestCheckpoint);
        model.eval();
        return model;
    }

    /// <summary>The learning rate at fractional epoch <paramref name="t"/> (0-based): cosine from lr to lr/20 over all epochs, or constant.</summary>
    public double LearningRate(double t)
    {
        if (!o.Cosine)
            return o.LearningRate;
        double floor = o.LearningRate / 20, progressFraction = Math.Clamp(t / o.Epochs, 0, 1);
        return floor + 0.5 * (o.LearningRate - floor) * (1 + Math.Cos(Math.PI * progressFraction));
    }

    /// <summary>BCE on logits + (1 − soft Dice), averaged over the batch.</summary>
    public static Tensor Loss(Tensor logits, Tensor target)
    {
        Scalars.Touch();
        Tensor bce = nn.functional.binary_cross_entropy_with_logits(logits, target);
        Tensor p = sigmoid(logits);
        Tensor inter = (p * target).sum([1, 2, 3]);
        Tensor dice = inter.mul(Scalars.Two).add(Scalars.One, Scalars.One)
            .div(p.sum([1, 2, 3]).add(target.sum([1, 2, 3]), Scalars.One).add(Scalars.One, Scalars.One));
        return bce.add(dice.mean(), Scalars.MinusOne).add(Scalars.One, Scalars.One); // BCE + mean(1 − Dice)
    }

    /// <summary>
    /// Dice at the training size (whole frame squashed, as at inference), prediction thresholded at 0.5: the mean over
    /// the union of all val images (what picks the best epoch) and the mean per dataset.
    /// </summary>
    public (double Combined, IReadOnlyDictionary<string, double> ByDataset) Validate(SegmentationModel model)
    {
        var byDataset = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (val.Count == 0)
            return (0, byDataset);
        model.eval();
        int size = o.Size;
        var image = new float[3 * size * size];
        var mask = new float[size * size];
        var sums = new Dictionary<string, (double Sum, int Count)>();
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
            double dice = p + t == 0 ? 1 : 2.0 * both / (p + t);
            var (sum, count) = sums.GetValueOrDefault(s.Dataset);
            sums[s.Dataset] = (sum + dice, count + 1);
        }
        foreach (var (name, (sum, count)) in sums)
            byDataset[name] = sum / count;
        return (sums.Values.Sum(v => v.Sum) / val.Count, byDataset);
    }
}
