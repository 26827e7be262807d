using System.CommandLine;
using System.Text.Json;
using LiveSeg.Diagnostics;

namespace LiveSeg.Cli;

/// <summary><c>liveseg doctor</c>: one screen of what LiveSeg can use on this machine, and for each missing piece the one thing to do.</summary>
internal static class DoctorCommand
{
    private static readonly Option<bool> s_json = Opt.Flag("--json", "print the checks as JSON (area, item, status, found, fix)");

    private static readonly Option<string?> s_model = Opt.Text("--model-file", "an .onnx model for the '--device auto' check (default: a tiny built-in one)", "FILE.onnx");

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "what LiveSeg can use here (GPU driver, CUDA/cuDNN/TensorRT, OpenGL, cameras) and what to do about what is missing";

    public static Command Build()
    {
        var command = new Command("doctor", Summary) { s_json, s_model };
        command.SetAction(Run);
        return Commands.Note(command, """
            Checks the NVIDIA driver (libcuda, its CUDA version), the CUDA 13 / cuDNN 9 / TensorRT 10 libraries ONNX
            Runtime 1.31's GPU providers load (the file found), which provider '--device auto' picks for a real model
            and why, the EGL vendors and the renderer a headless OpenGL context gets, the display, cameras and the npm registry.
            Each missing piece comes with the one thing to do about it. Always exits 0; reads and writes nothing of yours.
            """);
    }

    private static int Run(ParseResult cl)
    {
        string? model = cl.GetValue(s_model);
        if (model is not null)
            Throw.IfFileUnreadable(model, "model");
        var results = SystemCheck.Run(model);
        if (cl.GetValue(s_json))
        {
            Console.WriteLine(JsonSerializer.Serialize(results.Select(r => new
            {
                area = r.Area, item = r.Item, status = r.Status.ToString().ToLowerInvariant(), found = r.Found, fix = r.Fix,
            }), Json.Indented));
            return ExitCodes.Ok;
        }
        Ui.Table("liveseg doctor", ["area", "item", "", "found", "what to do"],
            results.Select(r => new[] { r.Area, r.Item, Mark(r.Status), r.Found, r.Fix ?? "" }));
        int missing = results.Count(r => r.Status == CheckStatus.Missing);
        Console.WriteLine(missing == 0 ? "everything LiveSeg can use is here." : $"{missing} item(s) missing: LiveSeg runs, on what is there (CPU inference, software OpenGL where no GPU).");
        return ExitCodes.Ok;
    }

    private static string Mark(CheckStatus status) => status switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Missing => "missing",
        _ => "info",
    };

    /// <summary>Apart from the command's own statics, so that building the command tree does not load System.Text.Json.</summary>
    private static class Json
    {
        public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    }
}
