using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.People;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary>
/// <c>liveseg quality CLIP...</c>: how steady the masks are. <c>liveseg quality --people 2,3,4</c>: how well the people
/// stage splits and tracks the people of generated clips (<see cref="PeopleQuality"/>). For each clip: the flicker of the raw model mask, the
/// temporally smoothed mask, the refined mask and the refined smoothed mask (what video and live show), and the lag
/// smoothing adds; and for masks 1..3 frames old, their IoU against the frame's own mask, stale and motion-compensated.
/// </summary>
internal static class QualityCommand
{
    private static readonly Argument<string[]> s_inputs = new("CLIP") { Description = "video files to measure (not with --people)", Arity = ArgumentArity.ZeroOrMore };

    private static readonly Option<string> s_people = Opt.Checked("--people",
        "measure the people stage on generated clips with this many people each (persons cut out of --people-dataset, crossing in pairs): matched per-person IoU, id switches, the locked person kept",
        "N[,N…]", v => GeneratedClipSpec.ParseCounts(v), null, ["2,3,4"]);

    private static readonly Option<string> s_peopleDataset = Opt.TextOr("--people-dataset", "person photos with masks (images/NAME.jpg, masks/NAME.png) for --people", "DIR", GeneratedClipSpec.DefaultDataset);

    private static readonly Option<string> s_peopleScene = Opt.TextOr("--people-scene", "video whose first frame is the empty background of --people clips", "VIDEO", GeneratedClipSpec.DefaultScene);

    private static readonly Option<bool> s_autoFrame = Opt.Flag("--autoframe",
        "with --people: also measure auto-framing (--person largest, size 0.6) on each clip: the crop's acceleration (jitter) and how far the person is from the output's centre");

    private static readonly Option<int> s_frames = Opt.Int("--frames", "frames per clip (from the start; with --people: the generated clip's length at 30 fps)", 300, 2, 100_000);

    private static readonly Option<bool> s_json = Opt.Flag("--json", "print one JSON object per clip instead of the table");

    private static readonly ModelOptions s_model = Commands.Shared.Model;

    private static readonly DeviceOptions s_device = Commands.Shared.Device;

    private static readonly Option<float> s_smooth = Commands.Shared.Effect.Smooth;

    private static readonly Option<string> s_refine = Commands.Shared.Effect.Refine;

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "mask steadiness of clips: flicker raw / smoothed / refined, and the lag smoothing adds";

    public static Command Build()
    {
        var command = new Command("quality", Summary) { s_inputs, s_frames };
        s_model.AddTo(command);
        s_device.AddTo(command, threads: false);
        command.Add(s_smooth);
        command.Add(s_refine);
        command.Add(s_json);
        command.Add(s_people);
        command.Add(s_peopleDataset);
        command.Add(s_peopleScene);
        PeopleOptions.AddDetectorTo(command);
        command.Add(s_autoFrame);
        command.SetAction(r => r.GetValue(s_people) is null ? Run(r) : RunPeople(r));
        return Commands.Note(command, $"""
            Flicker = mean |mask change| between consecutive frames over the pixels whose frame did not change (luma
            moved less than 3/255), in thousandths of full scale, with the mask at the frame's size: mask changes that
            nothing in the picture explains. Four masks: raw (model, bilinear), smoothed (--smooth), refined
            (--refine, no smoothing) and refined + smoothed (what video and live show). Lag: the delay smoothing adds,
            in frames (centroid of the cross-correlation of mask changes, minus the raw stream's own; exponential
            smoothing with weight w adds about w / (1 - w)). Mask age: the IoU (masks at the model's size, foreground
            >= 0.5, pooled over the clip) of the raw mask of frame t - k against frame t's own, for k = 1, 2, 3, as it
            is (what live mode's latest-wins draws over a newer frame) and warped to frame t by LiveSeg's motion
            estimate (--motion-comp); ms/warp: estimate + warp, per frame pair. Reads the clips only; writes nothing.

            --people N[,N…]: no CLIP; for each N, a clip of N people is generated (persons cut out of the
            --people-dataset photos with their masks, only photos whose face the detector finds at the clip's scale;
            640x360, 30 fps, --frames long; pairs walk to each other's places and cross halfway) over the first
            frame of --people-scene, and the body model + people stage (--face-model, --detect-every; --person
            largest) run on it. Matched IoU: each visible true person (at least 30% of them showing) against the
            instance matched to them (Hungarian on IoU), at the mask's size; id switches: changes of the id matched
            to a true person, per minute of clip; locked kept: the frames where the locked person shows and the kept
            mask is them (IoU >= 0.5); people ms: the stage's time per frame (the clip is 640x360, not 720p). Real
            videos have no per-person ground truth: they cannot be measured this way.
            """);
    }

    private static int Run(ParseResult cl)
    {
        string[] clips = cl.GetValue(s_inputs) ?? [];
        if (clips.Length == 0)
            Throw.User("quality needs a CLIP to measure (a video file), or --people N[,N…] for generated clips of N people.");
        if (cl.GetValue(s_autoFrame))
            Throw.User("--autoframe: only with --people (it measures auto-framing on the generated clips); add --people 2, say, and drop the CLIP.");
        int maxFrames = cl.GetValue(s_frames);
        bool json = cl.GetValue(s_json);
        var refine = RefineChoice.ForStill(EffectSettings.ParseRefine(cl.GetValue(s_refine)!));
        var mask = new MaskSettings { Smoothing = cl.GetValue(s_smooth) }.Validated();
        foreach (string clip in clips)
        {
            using var probe = new VideoFileSource(clip); // every clip decodes, before any figure is printed
        }
        var spec = s_model.Resolve(cl);
        using var segmenter = new OnnxSegmenter(spec, s_device.Read(cl));
        if (!json)
        {
            Console.WriteLine($"model {spec.Manifest.Name} on {segmenter.Provider}; smoothing {mask.Smoothing.ToString(CultureInfo.InvariantCulture)}; refine {refine.ToString().ToLowerInvariant()}; flicker in 1/1000 of full scale");
            Console.WriteLine($"{"clip",-36} {"frames",6} {"raw",7} {"smoothed",9} {"refined",8} {"refined+smoothed",17} {"ratio",6} {"lag",6}");
        }
        var ageRows = new List<string>();
        foreach (string clip in clips)
        {
            var q = ClipQuality.Measure(clip, segmenter, mask.Smoothing, refine, maxFrames, (done, expected) => new ProgressBar(done, expected));
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    clip = q.Clip, frames = q.Frames, width = q.Width, height = q.Height, model = spec.Manifest.Name, smoothing = mask.Smoothing,
                    refine = refine.ToString().ToLowerInvariant(), flicker_raw = Finite(q.Raw), flicker_smoothed = Finite(q.Smoothed), flicker_refined = Finite(q.Refined),
                    flicker_refined_smoothed = Finite(q.RefinedSmoothed), ratio = Finite(q.RefinedSmoothed / q.Raw), static_share = Finite(q.StaticShare), lag_frames = Finite(q.LagFrames),
                    mask_age = q.Ages.Select(a => new { frames = a.Frames, iou_stale = Finite(a.Stale), iou_warped = Finite(a.Warped) }).ToArray(),
                    motion_ms = Finite(q.WarpMs),
                }));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(q.Clip),-36} {q.Frames,6} {Cell(q.Raw * 1000),7} {Cell(q.Smoothed * 1000),9} {Cell(q.Refined * 1000),8} {Cell(q.RefinedSmoothed * 1000),17} {Cell(q.RefinedSmoothed / q.Raw),6} {Cell(q.LagFrames),6}"));
                ageRows.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(q.Clip),-36} {string.Join("  ", q.Ages.Select(a => $"{Cell3(a.Stale)} {Cell3(a.Warped)}"))}  {Cell(q.WarpMs)}"));
            }
        }
        if (!json)
        {
            Console.WriteLine("ratio = refined+smoothed / raw; lag in frames; n/a: too few frames, or nothing flickered or moved");
            Console.WriteLine();
            Console.WriteLine($"mask age: IoU of the raw mask k frames old against the frame's own, stale / motion-compensated (--motion-comp)");
            Console.WriteLine($"{"clip",-36} {"k=1 stale warped",-17} {"k=2 stale warped",-17} {"k=3 stale warped",-17} ms/warp");
            foreach (string row in ageRows)
                Console.WriteLine(row);
        }
        return ExitCodes.Ok;
    }

    /// <summary>--people: one generated clip per count, one table row (or JSON object) each.</summary>
    private static int RunPeople(ParseResult cl)
    {
        string[] clips = cl.GetValue(s_inputs) ?? [];
        if (clips.Length > 0)
            Throw.User($"quality --people measures generated clips only: '{clips[0]}' has no per-person ground truth (ids, switches and kept shares cannot be known); drop the CLIP, or run 'liveseg quality {clips[0]}' for mask steadiness.");
        int[] counts = GeneratedClipSpec.ParseCounts(cl.GetValue(s_people)!);
        int frames = cl.GetValue(s_frames);
        bool json = cl.GetValue(s_json);
        bool autoFrame = cl.GetValue(s_autoFrame);
        string dataset = cl.GetValue(s_peopleDataset)!, scene = cl.GetValue(s_peopleScene)!;
        GeneratedClipSpec.Check(dataset, scene); // before anything is printed
        var people = PeopleOptions.ReadDetector(cl, new PersonChoice(PersonChoiceKind.Largest, []));
        var spec = s_model.Resolve(cl);
        using var segmenter = new OnnxSegmenter(spec, s_device.Read(cl));
        if (!json)
        {
            Console.WriteLine($"generated clips {GeneratedClipSpec.Width}x{GeneratedClipSpec.Height} at {GeneratedClipSpec.Fps:F0} fps, {frames} frames; model {spec.Manifest.Name} on {segmenter.Provider}; {people.Detector.Name} every {people.DetectEvery} frames; --person largest");
            Console.WriteLine($"{"people",6} {"photos",-28} {"frames",6} {"matched IoU",11} {"switches",8} {"per min",7} {"locked kept",11} {"people ms p50",13} {"p95",6}"
                + (autoFrame ? $" {"crop accel p95",14} {"max",7} {"off centre out",14} {"in",6}" : ""));
        }
        foreach (int n in counts)
        {
            var clipSpec = new GeneratedClipSpec(n, frames, dataset, scene);
            var (r, f) = PeopleQuality.OnGeneratedClip(clipSpec, people, (clip, photos) =>
                (PeopleQuality.Measure(clip, segmenter, people, GeneratedClipSpec.Fps) with { Photos = photos },
                 autoFrame ? AutoFrameQuality.Measure(clip, segmenter, people with { AutoFrame = 0.6f }, people.Choice) : null));
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    people = r.People, photos = r.Photos, frames = r.Frames, fps = GeneratedClipSpec.Fps, model = spec.Manifest.Name, face_model = people.Detector.Name,
                    detect_every = people.DetectEvery, matched_iou = Finite(r.MatchedIoU), id_switches = r.IdSwitches, id_switches_per_minute = Finite(r.IdSwitchesPerMinute),
                    locked_kept = Finite(r.LockedKeptShare), people_ms_p50 = Finite(r.PeopleMsP50), people_ms_p95 = Finite(r.PeopleMsP95),
                    autoframe = f is null ? null : new
                    {
                        centre_accel_p50 = Finite(f.CentreAccelP50), centre_accel_p95 = Finite(f.CentreAccelP95), centre_accel_max = Finite(f.CentreAccelMax),
                        size_accel_max = Finite(f.SizeAccelMax), off_centre_mean = Finite(f.OffCentreMean), off_centre_p95 = Finite(f.OffCentreP95),
                        input_off_centre_mean = Finite(f.InputOffCentreMean), crop_height_mean = Finite(f.Zoom),
                    },
                }));
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{r.People,6} {string.Join(",", r.Photos.Select(Path.GetFileNameWithoutExtension)),-28} {r.Frames,6} {Cell3(r.MatchedIoU),11} {r.IdSwitches,8} {Cell(r.IdSwitchesPerMinute),7} {r.LockedKeptShare * 100,10:F1}% {Cell(r.PeopleMsP50),13} {Cell(r.PeopleMsP95),6}")
                    + (f is null ? "" : string.Create(CultureInfo.InvariantCulture, $" {f.CentreAccelP95,14:F5} {f.CentreAccelMax,7:F5} {Cell3(f.OffCentreMean),14} {Cell3(f.InputOffCentreMean),6}")));
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>JSON has no NaN or infinity: a figure that cannot be had (too few frames, nothing moved) is null.</summary>
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string Cell(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    private static string Cell3(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "  n/a";
}
