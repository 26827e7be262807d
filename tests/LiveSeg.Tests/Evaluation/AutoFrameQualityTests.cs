using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Models;
using LiveSeg.People;
using OpenCvSharp;
using Xunit.Abstractions;

namespace LiveSeg.Tests;

/// <summary>
/// Auto-framing end to end on generated clips of 2–4 people (cut out of ../shared/datasets/person photos, 0.4 of the
/// frame high, walking across the empty room of one-by-one-person-detection.mp4 and crossing), with the body model and
/// the face detector as fetched: the camera's motion stays within its bounds (the figures are printed for
/// docs/benchmarks.md), and the framed person — the leftmost (--person left) or everyone — is nearer the output's centre
/// than the input's. Needs ../shared (says so when absent).
/// </summary>
[Slow]
public sealed class AutoFrameQualityTests(ITestOutputHelper output)
{
    private const float PersonHeight = 0.5f;

    [Theory]
    [InlineData(2, "left")]
    [InlineData(3, "left")]
    [InlineData(4, "left")]
    public void GeneratedClip_SteadyCamera_PersonNearerTheCentre(int people, string choice)
    {
        string dataset = Repo.Shared("datasets", "person"), video = Repo.Shared("datasets", "videos", "one-by-one-person-detection.mp4");
        Assert.True(Directory.Exists(dataset) && File.Exists(video), $"this test needs {dataset} and {video} (../shared)");
        string folder = ModelFetcher.Fetch(FaceModels.Package, _ => { });
        string body = ModelCatalogue.Find("body") ?? Path.Combine(ModelFetcher.FetchBody(_ => { }), "body.onnx");
        var spec = FaceModels.Full;
        var settings = new PeopleSettings(PersonChoice.All, spec, Path.Combine(folder, spec.Name + ".onnx"), DetectEvery: 5, HiddenFrames: 30, AutoFrame: 0.6f);
        using var detector = new FaceDetector(settings.DetectorPath, spec);
        using var background = new Mat();
        using (var cap = new VideoCapture(video))
            Assert.True(cap.Read(background), $"cannot read {video}");
        var cutouts = PeopleClip.LoadCutouts(dataset, detector, people, background, sceneHeight: 360, personHeight: PersonHeight);
        Assert.True(cutouts.Count == people, $"only {cutouts.Count} single-person photos in {dataset}");
        using var clip = new PeopleClip(cutouts, background, 640, 360, 150, PersonHeight);
        using var segmenter = new OnnxSegmenter(ModelSpec.FromFile(body, null), DeviceChoice.Cpu, 1);
        var r = AutoFrameQuality.Measure(clip, segmenter, settings, PersonChoice.Parse(choice));
        cutouts.ForEach(c => c.Dispose());
        output.WriteLine($"{people} people, --person {choice}, {r.Frames} frames: centre acceleration p50 {r.CentreAccelP50:F5} p95 {r.CentreAccelP95:F5} max {r.CentreAccelMax:F5}; " +
            $"size acceleration p50 {r.SizeAccelP50:F5} p95 {r.SizeAccelP95:F5} max {r.SizeAccelMax:F5}; off centre mean {r.OffCentreMean:F3} p95 {r.OffCentreP95:F3} " +
            $"(input {r.InputOffCentreMean:F3}); mean crop height {r.Zoom:F2}");
        float bound = AutoFrameCamera.MaxAccel + 1e-5f;
        Assert.True(r.CentreAccelMax <= Math.Sqrt(2) * bound, $"the crop's centre accelerates {r.CentreAccelMax:F5} a frame² (> √2 · {AutoFrameCamera.MaxAccel})");
        Assert.True(r.SizeAccelMax <= bound, $"the crop's size accelerates {r.SizeAccelMax:F5} a frame² (> {AutoFrameCamera.MaxAccel})");
        Assert.True(r.Zoom < 0.95, $"the camera hardly zooms in (mean crop height {r.Zoom:F2}): nothing was framed");
        Assert.True(r.OffCentreMean < r.InputOffCentreMean, $"the framed people are {r.OffCentreMean:F3} from the output's centre, {r.InputOffCentreMean:F3} from the input's");
    }
}
