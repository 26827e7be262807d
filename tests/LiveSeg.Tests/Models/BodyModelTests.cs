using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using LiveSeg.Models;
using OpenCvSharp;
using Xunit.Abstractions;

namespace LiveSeg.Tests;

/// <summary>
/// The body models as users get them: fetched with npm (pinned, SHA-256 checked), converted by the importer, and
/// proven equal to OpenCV DNN running the original .tflite on real frames (../shared/datasets/videos; generated
/// frames when that folder is absent). Third-party reference models run from a manifest alone.
/// </summary>
[Slow]
public sealed class BodyModelTests(ITestOutputHelper output)
{
    private static readonly Lazy<string> s_folder = new(() => ModelFetcher.FetchBody(_ => { }));

    [Fact]
    public void Fetch_RecordsEachModelsSha256_TwoAtOnceBothSucceed_AndLinksAreReplacedNotWrittenThrough()
    {
        using var dir = new TempDir();
        string models = Path.Combine(dir.Path, "models");
        Directory.CreateDirectory(models);
        string victim = dir.File("victim.txt");
        File.WriteAllText(victim, "not a model");
        File.CreateSymbolicLink(Path.Combine(models, "body.onnx"), victim);
        var env = new Dictionary<string, string> { ["LIVESEG_MODELS"] = models };
        using var a = Cli.Start(env, "models", "fetch", "body", "--force");
        using var b = Cli.Start(env, "models", "fetch", "body", "--force");
        var ra = a.WaitForExit();
        var rb = b.WaitForExit();
        Assert.True(ra.ExitCode == 0 && rb.ExitCode == 0, $"{ra.Stdout}{ra.Stderr}\n{rb.Stdout}{rb.Stderr}");
        Assert.Contains("waiting for it to finish", ra.Stdout + rb.Stdout);
        Assert.Equal("not a model", File.ReadAllText(victim));
        Assert.Null(new FileInfo(Path.Combine(models, "body.onnx")).LinkTarget);
        foreach (var s in ModelFetcher.Sources)
        {
            string onnx = Path.Combine(models, s.Name + ".onnx");
            Assert.Equal(ModelFetcher.Hash(onnx), ModelManifest.Load(Path.ChangeExtension(onnx, ".json")).Sha256);
        }
        Assert.Empty(Directory.GetFiles(models, "*tmp*"));
    }

    [Theory]
    [InlineData("body")]
    [InlineData("body-landscape")]
    public void ConvertedModel_EqualsOpenCvDnnOnTheOriginal(string name)
    {
        var source = ModelFetcher.Sources.Single(s => s.Name == name);
        string folder = s_folder.Value;
        Assert.Equal(source.Sha256, ModelFetcher.Hash(Path.Combine(folder, source.Tflite)));
        var (frames, from) = ParityCheck.LoadFrames(Repo.Shared("datasets", "videos"), 24);
        try
        {
            var r = ParityCheck.Run(Path.Combine(folder, name + ".onnx"), Path.Combine(folder, source.Tflite), frames, from);
            output.WriteLine($"{name}: {from}; max |diff| {r.MaxAbsDiff:E2} (frame {r.WorstFrame}), min IoU {r.MinIoU:F5}");
            Assert.True(r.Frames >= 20, $"only {r.Frames} frames");
            Assert.True(r.MaxAbsDiff <= 1e-4, $"max |diff| {r.MaxAbsDiff} on frame {r.WorstFrame} exceeds 1e-4");
            Assert.True(r.MinIoU >= 0.999, $"IoU {r.MinIoU} below 0.999");
        }
        finally
        {
            foreach (var f in frames)
                f.Dispose();
        }
    }

    [Fact]
    public void CatalogueName_ResolvesToTheFetchedModelWithItsManifest()
    {
        _ = s_folder.Value;
        var spec = ModelCatalogue.Resolve("body-landscape", null);
        Assert.Equal((256, 144, ColorOrder.Rgb, OutputActivation.None), (spec.Manifest.Width, spec.Manifest.Height, spec.Manifest.Color, spec.Manifest.Activation));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(spec.OnnxPath)!, "LICENSE-mediapipe-selfie-segmentation.txt")));
    }

    /// <summary>
    /// PP-HumanSeg-lite (softmax, channel 1, [-1,1] input) and Prisma-Net (sigmoid output, [0,1] input) run from their
    /// manifests in docs/manifests and find the same person as the body model (a wrong colour order, normalisation or
    /// channel would not).
    /// </summary>
    [SkippableTheory]
    [InlineData("pp_humanseg_lite_portrait_398x224")]
    [InlineData("prisma_net_portrait_256")]
    public void ReferenceModel_RunsFromManifest_AndAgreesWithBody(string model)
    {
        string onnx = Repo.Shared("models-reference", model + ".onnx");
        string clip = Repo.Shared("datasets", "videos", "asl-walk-webcam.mp4");
        Skip.IfNot(File.Exists(onnx) && File.Exists(clip), $"needs ../shared/models-reference/{model}.onnx and ../shared/datasets/videos (absent here)");
        string manifest = Path.Combine(Repo.Root, "docs", "manifests", model + ".json");
        _ = s_folder.Value;
        using var frame = ReadFrame(clip, 40);
        float[] body = MaskAt(ModelCatalogue.Resolve("body", null), frame, 640, 480);
        float[] other = MaskAt(ModelSpec.FromFile(onnx, manifest), frame, 640, 480);
        int inter = 0, union = 0;
        for (int i = 0; i < body.Length; i++)
        {
            bool a = body[i] >= 0.5f, b = other[i] >= 0.5f;
            inter += a && b ? 1 : 0;
            union += a || b ? 1 : 0;
        }
        double iou = (double)inter / Math.Max(1, union);
        output.WriteLine($"{model}: IoU with body = {iou:F3}, person pixels {union}");
        Assert.True(union > 640 * 480 / 10, "no person found");
        Assert.True(iou > 0.8, $"IoU with the body model only {iou:F3}");
    }

    /// <summary>The model's mask resized to width x height (bilinear), as a flat array.</summary>
    private static float[] MaskAt(ModelSpec spec, Mat frame, int width, int height)
    {
        using var seg = new OnnxSegmenter(spec, DeviceChoice.Cpu);
        var mask = new Mask(seg.MaskWidth, seg.MaskHeight);
        var timing = new FrameTiming();
        seg.Segment(frame, mask, ref timing);
        using var small = Mat.FromPixelData(mask.Height, mask.Width, MatType.CV_32FC1, mask.Data);
        using var big = new Mat();
        Cv2.Resize(small, big, new Size(width, height));
        big.GetArray(out float[] result);
        return result;
    }

    private static Mat ReadFrame(string clip, int index)
    {
        using var cap = new VideoCapture(clip);
        cap.Set(VideoCaptureProperties.PosFrames, index);
        var m = new Mat();
        Assert.True(cap.Read(m));
        return m;
    }

}
