using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Cli;

/// <summary>
/// <c>liveseg parity CLIP --device cuda</c>: the same frames through the model on the asked provider and on the CPU
/// provider; the largest difference of the mask values and the IoU of the thresholded masks. For checking a GPU set-up
/// (scripts/gpu-check) and for reports that the GPU gives other masks than the CPU.
/// </summary>
internal static class ParityCommand
{
    private static readonly Argument<string> s_input = new("CLIP") { Description = "a video (real frames)" };

    private static readonly Option<int> s_frames = Opt.Int("--frames", "frames to compare (from the start)", 30, 1, 100_000);

    private static readonly Option<bool> s_json = Opt.Flag("--json", "print one JSON object");

    private static readonly ModelOptions s_model = Commands.Shared.Model;

    private static readonly DeviceOptions s_device = Commands.Shared.Device;

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "compare a provider's masks with the CPU provider's on real frames (max |diff|, IoU)";

    public static Command Build()
    {
        var command = new Command("parity", Summary) { s_input, s_frames };
        s_model.AddTo(command);
        s_device.AddTo(command, threads: false);
        command.Add(s_json);
        command.SetAction(Run);
        return Commands.Note(command, """
            Runs the model twice on every frame, on --device (default auto) and on the CPU, and reports the largest
            |difference| of the mask values (0..1) and the IoU of the masks thresholded at 0.5 (worst frame and mean).
            Targets for a working GPU set-up: max |diff| <= 1e-4, IoU >= 0.999. Exit 0 when both hold, 1 when not.
            """);
    }

    private static int Run(ParseResult cl)
    {
        string input = cl.GetValue(s_input)!;
        int frames = cl.GetValue(s_frames);
        var spec = s_model.Resolve(cl);
        using var source = new VideoFileSource(input);
        using var asked = new OnnxSegmenter(spec, s_device.Read(cl));
        using var cpu = new OnnxSegmenter(spec, DeviceChoice.Cpu);
        var a = new LiveSeg.Masks.Mask(asked.MaskWidth, asked.MaskHeight);
        var b = new LiveSeg.Masks.Mask(cpu.MaskWidth, cpu.MaskHeight);
        using var frame = new Mat();
        double maxDiff = 0, worstIou = 1, iouSum = 0;
        int n = 0;
        while (n < frames && source.Read(frame))
        {
            var timing = new FrameTiming();
            asked.Segment(frame, a, ref timing);
            cpu.Segment(frame, b, ref timing);
            var (diff, iou) = LiveSeg.Models.ParityCheck.Compare(a.Data, b.Data);
            maxDiff = Math.Max(maxDiff, diff);
            worstIou = Math.Min(worstIou, iou);
            iouSum += iou;
            n++;
        }
        bool ok = maxDiff <= 1e-4 && worstIou >= 0.999;
        if (cl.GetValue(s_json))
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                model = spec.Manifest.Name, provider = asked.Provider, frames = n, max_abs_diff = maxDiff, worst_iou = worstIou,
                mean_iou = n == 0 ? 1 : iouSum / n, ok,
            }));
        }
        else
        {
            Console.WriteLine($"model {spec.Manifest.Name}: {asked.ProviderReport}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{asked.Provider} vs CPU over {n} frames of {input}: max |diff| {maxDiff:E2}, IoU worst {worstIou:F5}, mean {(n == 0 ? 1 : iouSum / n):F5} → {(ok ? "parity" : "NOT within max |diff| 1e-4 / IoU 0.999")}"));
        }
        return ok ? ExitCodes.Ok : 1;
    }
}
