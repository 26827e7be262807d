using LiveSeg.Fuzz;
using LiveSeg.Models.Tflite;

namespace LiveSeg.Tests;

/// <summary>
/// Issue 27, item 6: every fuzz harness (tests/LiveSeg.Fuzz) runs in each ./test over its committed seed corpus
/// (tests/LiveSeg.Fuzz/corpus/TARGET) plus a fixed number of seeded random mutations; no input may end in anything
/// but a documented user error (<see cref="LiveSegException"/>). A failure prints the input (base64): add it to the
/// corpus as a regression case once fixed.
/// </summary>
public sealed class FuzzTests
{
    private const int Iterations = 2000;
    private const int Seed = 27;

    private static string CorpusRoot => Path.Combine(Repo.Root, "tests", "LiveSeg.Fuzz", "corpus");

    [Theory]
    [InlineData("tflite")]
    [InlineData("manifest")]
    [InlineData("response-file")]
    public void Target_OverCorpusAndMutations_EndsOnlyInUserErrors(string target)
    {
        var report = MutationLoop.Run(FuzzTargets.All[target], MutationLoop.Corpus(CorpusRoot, target), Iterations, Seed);
        Assert.True(report.Failures.Count == 0, $"{target}: {report.Failures.Count} of {report.Iterations} inputs broke it:\n" + string.Join("\n",
            report.Failures.Take(5).Select(f => $"#{f.Iteration} {f.Exception.GetType().Name}: {f.Exception.Message}\n{Convert.ToBase64String(f.Input)}")));
        // The mutations must reach past the first check: both outcomes occur.
        Assert.True(report.UserErrors > 0 && report.Accepted > 0, $"{target}: {report.Accepted} accepted, {report.UserErrors} user errors");
    }

    /// <summary>The corpus is what it says: every seed of a target is accepted, except the response file that includes itself.</summary>
    [Theory]
    [InlineData("tflite")]
    [InlineData("manifest")]
    public void Seeds_AreValidInputs(string target)
    {
        foreach (string file in Directory.GetFiles(Path.Combine(CorpusRoot, target)))
            FuzzTargets.All[target](File.ReadAllBytes(file));
    }

    /// <summary>The TFLite seeds are the importer tests' tiny models (TinyTflite); LIVESEG_UPDATE_FUZZ_CORPUS=1 writes them again.</summary>
    [Fact]
    public void TfliteSeeds_AreTinyTflitesModels()
    {
        foreach (var (name, bytes) in TfliteSeeds())
        {
            string path = Path.Combine(CorpusRoot, "tflite", name + ".tflite");
            if (Environment.GetEnvironmentVariable("LIVESEG_UPDATE_FUZZ_CORPUS") == "1")
                File.WriteAllBytes(path, bytes);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
    }

    /// <summary>
    /// The brief's own check: the committed tiny model, byte-mutated many times with a fixed seed, through the file
    /// path 'models import' takes: only LiveSegExceptions, and those say "not a valid TFLite model" or name what the
    /// importer does not convert.
    /// </summary>
    [Fact]
    public void MutatedTinyTflite_ImportsOrIsAUserError()
    {
        using var dir = new TempDir();
        byte[] seed = TfliteSeeds().First().Bytes;
        var random = new Random(Seed);
        string tflite = dir.File("m.tflite"), onnx = dir.File("m.onnx");
        int notValid = 0;
        for (int i = 0; i < 300; i++)
        {
            File.WriteAllBytes(tflite, MutationLoop.Mutate(seed, [seed], random));
            try
            {
                TfliteToOnnx.Convert(tflite, onnx);
            }
            catch (LiveSegException e)
            {
                Assert.Matches("is not a valid TFLite model: |does not support|cannot be converted", e.Message);
                Assert.DoesNotContain('\n', e.Message);
                notValid += e.Message.Contains("is not a valid", StringComparison.Ordinal) ? 1 : 0;
            }
        }
        Assert.True(notValid > 0);
    }

    private static IEnumerable<(string Name, byte[] Bytes)> TfliteSeeds()
    {
        var conv = new TinyTflite();
        float[] w = [.. Enumerable.Range(0, 4 * 3 * 3 * 3).Select(k => (k % 7 - 3) / 10f)];
        int i = conv.Tensor([1, 5, 7, 3]), wt = conv.Tensor([4, 3, 3, 3], w), bt = conv.Tensor([4], [0.1f, 0.2f, 0.3f, 0.4f]);
        int c = conv.Tensor([1, 3, 4, 4]), k = conv.Tensor([4], [1f, 2f, 3f, 4f]), a = conv.Tensor([1, 3, 4, 4]), o = conv.Tensor([1, 3, 4, 4]);
        conv.Op(TfliteOps.Conv2D, [i, wt, bt], [c], (0, 'b', 0), (1, 'i', 2), (2, 'i', 2), (3, 'b', 3));
        conv.Op(TfliteOps.Add, [c, k], [a], (0, 'b', 1));
        conv.Op(TfliteOps.Logistic, [a], [o]);
        yield return ("conv-add-logistic", conv.Build(i, o));

        var f16 = new TinyTflite();
        int x = f16.Tensor([1, 4, 4, 2]), w16 = f16.TensorF16([3, 2, 2, 2], [.. Enumerable.Range(0, 24).Select(n => n / 24f)]);
        int wf = f16.Tensor([3, 2, 2, 2]), y = f16.Tensor([1, 2, 2, 3]), p = f16.Tensor([1, 1, 1, 3]);
        f16.Op(TfliteOps.Dequantize, [w16], [wf]);
        f16.Op(TfliteOps.DepthwiseConv2D, [x, wf], [y], (0, 'b', 1), (1, 'i', 2), (2, 'i', 2), (3, 'i', 1), (4, 'b', 0));
        f16.Op(TfliteOps.AveragePool2D, [y], [p], (0, 'b', 1), (1, 'i', 2), (2, 'i', 2), (3, 'i', 2), (4, 'i', 2), (5, 'b', 0));
        yield return ("dequantize-depthwise-pool", f16.Build(x, p));
    }
}
