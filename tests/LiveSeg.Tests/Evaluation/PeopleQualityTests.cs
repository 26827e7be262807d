using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Models;
using LiveSeg.People;
using Xunit.Abstractions;

namespace LiveSeg.Tests;

/// <summary>
/// The people stage end to end on generated clips of 2–4 people (cut out of ../shared/datasets/person photos with
/// their masks, walking across the empty room of one-by-one-person-detection.mp4, crossing each other), with the body
/// model and the face detector as fetched. Photos are used only when the detector finds their face at the clip's scale
/// (score ≥ 0.8): face seeding cannot see a person whose face it never finds. The issue's targets (matched per-person
/// IoU ≥ 0.85, ≤ 1 id switch per minute, the locked person kept in ≥ 95% of the frames where they are visible) hold
/// for 2, 3 and 4 people (<see cref="GeneratedClip_MeetsTheIssuesTargets"/>; docs/benchmarks.md, "People"), and
/// <see cref="GeneratedClip_StaysAboveTheMeasuredFloor"/> holds what the stage does today against regressions.
/// Needs ../shared (says so when absent).
/// </summary>
public sealed class PeopleQualityTests(ITestOutputHelper output)
{
    private PeopleQualityResult Measure(int people, int frames)
    {
        var spec = new GeneratedClipSpec(people, frames, Repo.Shared("datasets", "person"), Repo.Shared("datasets", "videos", "one-by-one-person-detection.mp4"));
        Assert.True(Directory.Exists(spec.Dataset) && File.Exists(spec.SceneVideo), $"this test needs {spec.Dataset} and {spec.SceneVideo} (../shared)");
        string folder = ModelFetcher.Fetch(FaceModels.Package, _ => { });
        string body = ModelCatalogue.Find("body") ?? Path.Combine(ModelFetcher.FetchBody(_ => { }), "body.onnx");
        var face = FaceModels.Full;
        var settings = new PeopleSettings(PersonChoice.All, face, Path.Combine(folder, face.Name + ".onnx"), DetectEvery: 5, HiddenFrames: 30);
        using var segmenter = new OnnxSegmenter(ModelSpec.FromFile(body, null), DeviceChoice.Cpu, 1);
        var r = PeopleQuality.MeasureGenerated(spec, segmenter, settings);
        output.WriteLine($"{people} people ({string.Join(", ", r.Photos)}), {frames} frames: matched IoU {r.MatchedIoU:F3}, " +
            $"{r.IdSwitches} id switches ({r.IdSwitchesPerMinute:F2}/min), locked kept {r.LockedKeptShare:P1}, people stage p50 {r.PeopleMsP50:F2} ms, p95 {r.PeopleMsP95:F2} ms");
        return r;
    }

    [Theory]
    [InlineData(2, 150)]
    [InlineData(3, 150)]
    [InlineData(4, 150)]
    public void GeneratedClip_MeetsTheIssuesTargets(int people, int frames) => AssertTargets(Measure(people, frames));

    private static void AssertTargets(PeopleQualityResult r)
    {
        Assert.True(r.MatchedIoU >= 0.85, $"matched per-person IoU {r.MatchedIoU:F3} < 0.85");
        Assert.True(r.IdSwitchesPerMinute <= 1, $"{r.IdSwitchesPerMinute:F2} id switches per minute > 1");
        Assert.True(r.LockedKeptShare >= 0.95, $"locked person kept in {r.LockedKeptShare:P1} < 95%");
    }

    /// <summary>A floor under today's figures (not the issue's targets): a broken split, tracker or lock falls below it.</summary>
    [Theory]
    [InlineData(2, 150, 0.9, 0, 0.97)]
    [InlineData(3, 150, 0.86, 0, 0.97)]
    [InlineData(4, 150, 0.85, 0, 0.97)]
    public void GeneratedClip_StaysAboveTheMeasuredFloor(int people, int frames, double minIoU, int maxSwitches, double minKept)
    {
        var r = Measure(people, frames);
        Assert.True(r.MatchedIoU >= minIoU, $"matched per-person IoU {r.MatchedIoU:F3} < {minIoU}");
        Assert.True(r.IdSwitches <= maxSwitches, $"{r.IdSwitches} id switches in {frames} frames > {maxSwitches}");
        Assert.True(r.LockedKeptShare >= minKept, $"locked person kept in {r.LockedKeptShare:P1} < {minKept:P0}");
    }
}
