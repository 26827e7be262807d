using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Evaluation;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary>
/// <c>liveseg quality CLIP...</c>: how steady the masks are. For each clip: the flicker of the raw model mask, the
/// temporally smoothed mask, the refined mask and the refined smoothed mask (what video and live show), and the lag
/// smoothing adds; and for masks 1..3 frames old, their IoU against the frame's own mask, stale and motion-compensated.
/// </summary>
internal static class QualityCommand
{
    private static readonly Argument<string[]> s_inputs = new("CLIP") { Description = "video files to measure", Arity = ArgumentArity.OneOrMore };

    private static readonly Option<int> s_frames = Opt.Int("--frames", "frames per clip (from the start)", 300, 2, 100_000);

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
        command.SetAction(Run);
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
            """);
    }

    private static int Run(ParseResult cl)
    {
        string[] clips = cl.GetValue(s_inputs)!;
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

    /// <summary>JSON has no NaN or infinity: a figure that cannot be had (too few frames, nothing moved) is null.</summary>
    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string Cell(double v) => double.IsFinite(v) ? v.ToString("F2", CultureInfo.InvariantCulture) : "n/a";

    private static string Cell3(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "  n/a";
}
