using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Models;
using LiveSeg.People;
using OpenCvSharp;
using Xunit.Abstractions;

namespace LiveSeg.Tests;

/// <summary>
/// The people stage end to end on generated clips of 2–4 people (cut out of ../shared/datasets/person photos with
/// their masks, walking across the empty room of one-by-one-person-detection.mp4, crossing each other), with the body
/// model and the face detector as fetched. Photos are used only when the detector finds their face at the clip's scale
/// (score ≥ 0.8): face seeding cannot see a person whose face it misses. The issue's targets (matched per-person IoU
/// ≥ 0.85, ≤ 1 id switch per minute, the locked person kept in ≥ 95% of the frames where they are visible) are NOT
/// met yet (see docs/benchmarks.md, "People"): <see cref="GeneratedClip_MeetsTheIssuesTargets"/> is skipped with the
/// figures, and <see cref="GeneratedClip_StaysAboveTheMeasuredFloor"/> holds what the stage does today against
/// regressions. Needs ../shared (says so when absent).
/// </summary>
public sealed class PeopleQualityTests(ITestOutputHelper output)
{
    private const double Fps = 30;

    private PeopleQualityResult Measure(int people, int frames)
    {
        string dataset = Repo.Shared("datasets", "person"), video = Repo.Shared("datasets", "videos", "one-by-one-person-detection.mp4");
        Assert.True(Directory.Exists(dataset) && File.Exists(video), $"this test needs {dataset} and {video} (../shared)");
        string folder = ModelFetcher.Fetch(FaceModels.Package, _ => { });
        string body = ModelCatalogue.Find("body") ?? Path.Combine(ModelFetcher.FetchBody(_ => { }), "body.onnx");
        var spec = FaceModels.Full;
        var settings = new PeopleSettings(PersonChoice.All, spec, Path.Combine(folder, spec.Name + ".onnx"), DetectEvery: 5, HiddenFrames: 30);
        using var detector = new FaceDetector(settings.DetectorPath, spec);
        using var background = new Mat();
        using (var cap = new VideoCapture(video))
            Assert.True(cap.Read(background), $"cannot read {video}");
        var cutouts = PeopleClip.LoadCutouts(dataset, detector, people, background, sceneHeight: 360);
        Assert.True(cutouts.Count == people, $"only {cutouts.Count} single-person photos in {dataset}");
        using var clip = new PeopleClip(cutouts, background, 640, 360, frames);
        using var segmenter = new OnnxSegmenter(ModelSpec.FromFile(body, null), DeviceChoice.Cpu, 1);
        var r = PeopleQuality.Measure(clip, segmenter, settings, Fps);
        output.WriteLine($"{people} people ({string.Join(", ", cutouts.Select(c => c.Name))}), {frames} frames: matched IoU {r.MatchedIoU:F3}, " +
            $"{r.IdSwitches} id switches ({r.IdSwitchesPerMinute:F2}/min), locked kept {r.LockedKeptShare:P1}, people stage p50 {r.PeopleMsP50:F2} ms, p95 {r.PeopleMsP95:F2} ms");
        cutouts.ForEach(c => c.Dispose());
        return r;
    }

    [Theory(Skip = "issue 28's targets are not met yet: on 2/3/4 people, matched IoU 0.85/0.78/0.69, id switches 0/12/24 per minute, locked kept 90/38/100% (docs/benchmarks.md, People)")]
    [InlineData(2, 150)]
    [InlineData(3, 150)]
    [InlineData(4, 150)]
    public void GeneratedClip_MeetsTheIssuesTargets(int people, int frames)
    {
        var r = Measure(people, frames);
        Assert.True(r.MatchedIoU >= 0.85, $"matched per-person IoU {r.MatchedIoU:F3} < 0.85");
        Assert.True(r.IdSwitchesPerMinute <= 1, $"{r.IdSwitchesPerMinute:F2} id switches per minute > 1");
        Assert.True(r.LockedKeptShare >= 0.95, $"locked person kept in {r.LockedKeptShare:P1} < 95%");
    }

    /// <summary>A floor under today's figures (not the issue's targets): a broken split, tracker or lock falls below it.</summary>
    [Theory]
    [InlineData(2, 150)]
    [InlineData(3, 150)]
    [InlineData(4, 150)]
    public void GeneratedClip_StaysAboveTheMeasuredFloor(int people, int frames)
    {
        var r = Measure(people, frames);
        Assert.True(r.MatchedIoU >= 0.6, $"matched per-person IoU {r.MatchedIoU:F3} < 0.6");
        Assert.True(r.IdSwitches <= 3, $"{r.IdSwitches} id switches in {frames} frames > 3");
        Assert.True(r.LockedKeptShare >= 0.3, $"locked person kept in {r.LockedKeptShare:P1} < 30%");
    }
}
