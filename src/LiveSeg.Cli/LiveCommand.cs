using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.Models;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary><c>liveseg live</c>: a window with the game loop, webcam (or a file played like one), keys and a HUD.</summary>
public static class LiveCommand
{
    public static string Help => HelpHead + Environment.NewLine + "Keys (the window's; F1 shows them in the HUD):" + Environment.NewLine + KeyMap.HelpText;

    private const string HelpHead = """
        liveseg live [options]

        Opens a window and segments the webcam live (or a video file played like a camera), with a HUD of
        fps, per-stage latency, drops and a latency graph.

        Options:
              --camera N             camera index (default 0); 'liveseg cameras' lists them
              --size WxH             camera size to ask for (default 1280x720)
              --fps N                camera frame rate to ask for (default 30)
              --input FILE           play a video file instead of a camera
              --realtime             with --input: deliver frames at the file's frame rate, dropping when behind
                                     (like a camera); without it every frame is shown, as fast as they are processed
              --loop                 with --input: start again at the end
              --sync                 show each frame only with its own mask (more latency, no misalignment)
          -m, --model NAME|FILE      body (default), body-landscape, or an .onnx file (M cycles models)
              --manifest FILE.json   the model's manifest
          -e, --effect NAME          mask | tint | blur (default) | replace | outline
              --background IMG[,IMG] background images for replace (B cycles them and a gradient)
              --color, --strength, --blur, --outline-width, --smooth, --device, --threads: as for 'liveseg video'
              --no-vsync             do not wait for the display's refresh
              --frames N             exit after N displayed frames
              --screenshot FILE.png  save the window (HUD included) when exiting
              --output-folder DIR    where S (screenshot) and R (recording) write (default: current folder)
        """;

    public static int Run(string[] args)
    {
        var options = new Dictionary<string, bool>(VideoCommand.Options)
        {
            ["--camera"] = true, ["--size"] = true, ["--fps"] = true, ["--input"] = true, ["--realtime"] = false,
            ["--loop"] = false, ["--sync"] = false, ["--no-vsync"] = false, ["--screenshot"] = true, ["--output-folder"] = true,
        };
        foreach (string name in new[] { "-o", "--output", "--metrics", "--sequential" })
            options.Remove(name);
        var cl = new CommandLine("liveseg live", args, options);
        if (cl.Has("--help"))
        {
            Console.WriteLine(Help);
            return ExitCodes.Ok;
        }
        if (cl.Positionals.Count > 0)
            throw cl.Error($"unexpected argument '{cl.Positionals[0]}' (a file to play goes after --input)");
        RequireDisplay();
        string? input = cl.Get("--input");
        if (input is null && (cl.Has("--realtime") || cl.Has("--loop")))
            throw cl.Error("--realtime and --loop apply to --input FILE");
        string? screenshot = cl.Get("--screenshot");
        if (screenshot is not null && Path.GetExtension(screenshot).ToLowerInvariant() is not (".png" or ".jpg" or ".jpeg" or ".bmp"))
            throw cl.Error($"--screenshot '{screenshot}' must end in .png, .jpg or .bmp");
        string folder = cl.Get("--output-folder", ".");
        if (!Directory.Exists(folder))
            throw new LiveSegException($"output folder '{folder}' does not exist: create it first.");
        (int width, int height) = ParseSize(cl.Get("--size", "1280x720"));
        int fps = cl.GetInt("--fps", 30);
        int camera = cl.GetInt("--camera", 0);
        if (input is not null)
            Throw.IfFileUnreadable(input, "input video");

        // The shared options (model, effect, device, ranges) are validated by the same code as 'liveseg video'.
        var job = VideoCommand.ParseShared(cl);
        int maxFrames = cl.GetInt("--frames", 0);
        if (maxFrames < 0)
            throw cl.Error("--frames must be 0 (until closed) or more");
        var models = new List<ModelSpec> { job.Model.Model };
        foreach (string name in new[] { "body", "body-landscape" })
        {
            if (ModelCatalogue.Find(name) is { } path && models.All(m => Path.GetFullPath(m.OnnxPath) != Path.GetFullPath(path)))
                models.Add(ModelSpec.FromFile(path, null));
        }
        string[] backgrounds = cl.Get("--background")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (string bg in backgrounds)
            Throw.IfFileUnreadable(bg, "background image");
        if (screenshot is not null)
        {
            LiveSeg.IO.OutputCheck.File(screenshot, "screenshot", [new(input, "input video"), new(job.Model.Model.OnnxPath, "model"),
                new(job.Model.Model.ManifestPath, "model manifest"), .. backgrounds.Select(b => new LiveSeg.IO.InputFile(b, "background image"))]);
        }
        var live = new LiveOptions
        {
            Source = new SourceOptions
            {
                Open = input is not null ? () => new VideoFileSource(input) : () => new CameraSource(camera, width, height, fps),
                Name = input ?? $"camera {camera}",
                IsCamera = input is null,
                Realtime = cl.Has("--realtime"),
                Loop = cl.Has("--loop"),
            },
            Model = job.Model,
            Models = models,
            Mask = job.Mask,
            Effect = job.Effect,
            Backgrounds = backgrounds,
            Sync = cl.Has("--sync"),
            VSync = !cl.Has("--no-vsync"),
            MaxFrames = maxFrames,
            ScreenshotPath = screenshot,
            OutputFolder = folder,
        };

        using var interrupts = new Interrupts();
        using var loop = new LiveLoop(live);
        var inv = CultureInfo.InvariantCulture;
        var src = live.Source;
        Console.WriteLine(string.Create(inv, $"input:  {src.Name} ({loop.Source.Width}x{loop.Source.Height}, {loop.Source.Fps:0.##} fps{(src.IsCamera ? " as delivered by the camera" : "")}{(src.Realtime ? ", real time" : "")})"));
        Console.WriteLine($"model:  {job.Model.Model.Manifest.Name}; {loop.Segment.Segmenter.ProviderReport}");
        Console.WriteLine($"render: {loop.RendererDescription}; effect {loop.Controls.Describe()}; {(live.Sync ? "sync" : "latest wins")}");
        Console.WriteLine($"keys:   {HudStage.KeysHelp}");
        LiveResult r = loop.Run(interrupts.Token);
        if (screenshot is not null)
            Console.WriteLine($"screenshot: {screenshot}");
        double rate = r.Captured == 0 ? 0 : 100.0 * r.Dropped / r.Captured;
        Console.WriteLine(string.Create(inv,
            $"shown {r.Displayed} frames in {r.Seconds:F1} s = {r.Displayed / Math.Max(r.Seconds, 1e-9):F1} fps; captured {r.Captured}, dropped {r.Dropped} ({rate:F1}%: {r.LateAtCapture} late at capture, {r.Dropped - r.LateAtCapture} replaced before display)"));
        Console.Write(LatencySummary.FormatTable(r.Stages));
        if (r.RssAfterWarmUp > 0)
            Console.WriteLine(string.Create(inv, $"memory: resident {r.RssAfterWarmUp / 1048576.0:F1} MB after {LiveLoop.WarmUpFrames} frames, {r.RssAtEnd / 1048576.0:F1} MB at the end ({(r.RssAtEnd - r.RssAfterWarmUp) / 1048576.0:+0.0;-0.0} MB)"));
        return ExitCodes.Ok;
    }

    /// <summary>On Linux a window needs X11 or Wayland: say so up front instead of a GLFW error.</summary>
    private static void RequireDisplay()
    {
        if (OperatingSystem.IsLinux() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            throw new LiveSegException("no display: neither DISPLAY (X11) nor WAYLAND_DISPLAY is set: run in a desktop session or under xvfb-run, or use 'liveseg video' for headless work.");
    }

    public static (int W, int H) ParseSize(string text)
    {
        string[] parts = text.Split('x', 'X');
        if (parts.Length == 2 && int.TryParse(parts[0], out int w) && int.TryParse(parts[1], out int h) && w > 0 && h > 0)
            return (w, h);
        throw new LiveSegException($"--size '{text}' is not WIDTHxHEIGHT: write it like 1280x720.");
    }
}
