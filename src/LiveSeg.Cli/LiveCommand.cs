using System.CommandLine;
using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Metrics;
using LiveSeg.Models;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;

namespace LiveSeg.Cli;

/// <summary><c>liveseg live</c>: a window with the game loop, webcam (or a file played like one), keys and a HUD.</summary>
internal static class LiveCommand
{
    private static readonly Option<int> s_camera = Opt.Int("--camera", "camera index; 'liveseg cameras' lists them", 0, 0, 63);
    private static readonly Option<string> s_size = Opt.Checked("--size", "camera size to ask for", "WxH", v => ParseSize(v), "1280x720", ["640x480", "1280x720", "1920x1080"]);
    private static readonly Option<int> s_fps = Opt.Int("--fps", "camera frame rate to ask for", 30, 1, 1000);
    private static readonly Option<string?> s_input = Opt.Text("--input",
        "instead of a camera: a video file or image sequence, or a stream URL (rtsp://, http(s)://, udp://, srt://; reconnected with back-off when it drops)", "FILE|URL");
    private static readonly Option<bool> s_realtime = Opt.Flag("--realtime",
        "with --input: deliver frames at the file's frame rate, dropping when behind (like a camera); without it every frame is shown");
    private static readonly Option<bool> s_loop = Opt.Flag("--loop", "with --input: start again at the end");
    private static readonly Option<bool> s_sync = Opt.Flag("--sync", "show each frame only with its own mask (more latency, no misalignment)");
    private static readonly Option<string> s_motionComp = Opt.Checked("--motion-comp",
        "warp a mask computed on an older frame to the newer frame it is drawn over: auto (on in latest-wins mode, off with --sync, and off if it costs over a quarter of a frame here), on, off (also stops the steadiness meter)",
        "auto|on|off", v => MotionCompModes.Parse(v), "auto", ["auto", "on", "off"]);
    private static readonly Option<bool> s_noVsync = Opt.Flag("--no-vsync", "do not wait for the display's refresh");
    private static readonly Option<int> s_frames = Opt.Int("--frames", "exit after N displayed frames", 0, 0, int.MaxValue, "0 = until closed, or more");
    private static readonly Option<string?> s_screenshot = Opt.Text("--screenshot", "save the window (HUD included) when exiting (.png, .jpg or .bmp)", "FILE.png");
    private static readonly Option<string> s_folder = Opt.TextOr("--output-folder", "where S (screenshot) and R (recording) write", "DIR", ".");
    private static readonly Option<bool> s_noHud = Opt.Flag("--no-hud", "start with the HUD hidden (H shows it)");
    private static readonly Option<bool> s_record = Opt.Flag("--record", "record from the start (as if R were pressed; R or the end stops it)");
    private static readonly Option<bool> s_noWindow = Opt.Flag("--no-window",
        "no window and no display needed (headless EGL): the frames go to --serve, --virtual-camera or --record; Ctrl-C stops");
    private static readonly Option<string?> s_serve = Opt.Text("--serve",
        "serve the composited feed over HTTP: /stream.mjpg (MJPEG), /frame.jpg, and a page at /; loopback unless an address is given; port 0 = any free port",
        "[HOST:]PORT");
    private static readonly Option<int> s_streamQuality = Opt.Int("--stream-quality", "JPEG quality of the stream", 80, 1, 100);
    private static readonly Option<int> s_streamFps = Opt.Int("--stream-fps", "at most this many stream frames a second", 0, 0, 240, "0 = every frame");
    private static readonly Option<string?> s_virtualCamera = Opt.Text("--virtual-camera",
        "write the composited feed to a v4l2loopback device that other programs open as a webcam (Linux)", "/dev/videoN");
    private static readonly Option<string> s_virtualCameraFormat = Opt.Checked("--virtual-camera-format",
        "pixel format asked of the virtual camera (a reader that already holds the device keeps its own)", "yuyv|i420",
        v => ParseLayout(v), "yuyv", ["yuyv", "i420"]);

    /// <summary>One line for the command list (also what the root help shows).</summary>
    public const string Summary = "a window: webcam (or --input FILE) segmented live, with keys and a HUD";

    public static Command Build()
    {
        var command = new Command("live", Summary)
        {
            s_camera, s_size, s_fps, s_input, s_realtime, s_loop, s_sync,
        };
        Commands.Shared.AddTo(command);
        RenderOptions.AddTo(command);
        PeopleOptions.AddTo(command);
        command.Add(s_motionComp);
        command.Add(s_noVsync);
        command.Add(s_frames);
        command.Add(s_screenshot);
        command.Add(s_folder);
        command.Add(s_record);
        command.Add(VideoCommand.AllowGaps);
        command.Add(s_noHud);
        command.Add(s_noWindow);
        command.Add(s_serve);
        command.Add(s_streamQuality);
        command.Add(s_streamFps);
        command.Add(s_virtualCamera);
        command.Add(s_virtualCameraFormat);
        command.SetAction(Run);
        return Commands.Note(command, $"""
            Keys (in the window; F1 shows them in the HUD):
            {KeyMap.HelpText}
            The HUD shows fps, per-stage latency, drops and a latency graph. M cycles the body models, B the --background images and videos.
            With --person (all included) the HUD shows each person's id at their face: click a person to keep only them, A keeps all again.

            Outputs for other programs (any combination, with or without the window):
              --serve 127.0.0.1:8080         http://127.0.0.1:8080/ in a browser; /stream.mjpg in OBS (media source), VLC, ffmpeg
              --virtual-camera /dev/video10  a webcam for video calls and OBS; needs v4l2loopback:
                                             sudo modprobe v4l2loopback devices=1 video_nr=10 exclusive_caps=1 card_label=LiveSeg
              --no-window                    headless (no display needed); Ctrl-C stops
            """);
    }

    private static int Run(ParseResult cl)
    {
        bool headless = cl.GetValue(s_noWindow);
        if (!headless)
            RequireDisplay();
        string? serve = cl.GetValue(s_serve);
        var endpoint = serve is null ? null : ServeAddress.Parse(serve);
        string? virtualCamera = cl.GetValue(s_virtualCamera);
        YuvLayout layout = ParseLayout(cl.GetValue(s_virtualCameraFormat)!);
        if (virtualCamera is not null && !OperatingSystem.IsLinux())
            Throw.User($"--virtual-camera: not supported on this platform ({System.Runtime.InteropServices.RuntimeInformation.OSDescription}): it needs Linux's v4l2loopback; --serve works everywhere.");
        if (headless && endpoint is null && virtualCamera is null && !cl.GetValue(s_record) && cl.GetValue(s_screenshot) is null)
            Throw.User("--no-window shows nothing by itself: add --serve, --virtual-camera, --record or --screenshot (see 'liveseg live --help').");
        string? input = cl.GetValue(s_input);
        if ((input is null || FrameSources.IsLive(input)) && (cl.GetValue(s_realtime) || cl.GetValue(s_loop)))
            Throw.User($"--realtime and --loop apply to a file given with --input, not to {(input is null ? "a camera" : $"'{FrameSources.Describe(input)}' (live)")}: see 'liveseg live --help'.");
        string? screenshot = cl.GetValue(s_screenshot);
        if (screenshot is not null && Path.GetExtension(screenshot).ToLowerInvariant() is not (".png" or ".jpg" or ".jpeg" or ".bmp"))
            Throw.User($"--screenshot '{screenshot}' must end in .png, .jpg or .bmp: see 'liveseg live --help'.");
        string folder = cl.GetValue(s_folder)!;
        if (!Directory.Exists(folder))
            throw new LiveSegException($"output folder '{folder}' does not exist: create it first.");
        if (cl.GetValue(s_record))
            Throw.IfOutputFolderUnwritable(Path.Combine(folder, "liveseg-recording.mp4"), "--record: recording");
        (int width, int height) = ParseSize(cl.GetValue(s_size)!);
        int fps = cl.GetValue(s_fps);
        int camera = cl.GetValue(s_camera);
        if (input is not null)
            FrameSources.Check(input);

        // The shared options (model, effect, device, ranges) are validated by the same code as 'liveseg video'.
        Commands.Shared.Effect.RefuseAlpha(cl, "live");
        PeopleOptions.Check(cl, whenNamed: true); // before the model is resolved (and fetched on first use)
        var job = Commands.Shared.Read(cl);
        var people = PeopleOptions.Read(cl, whenNamed: true);
        int maxFrames = cl.GetValue(s_frames);
        var models = new List<ModelSpec> { job.Model.Model };
        foreach (string name in new[] { "body", "body-landscape" })
        {
            if (ModelCatalogue.Find(name) is { } path && models.All(m => Path.GetFullPath(m.OnnxPath) != Path.GetFullPath(path)))
                models.Add(ModelSpec.FromFile(path, null));
        }
        string[] backgrounds = cl.GetValue(Commands.Shared.Effect.Background)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (string bg in backgrounds)
            Throw.IfFileUnreadable(bg, "background");
        if (screenshot is not null)
        {
            LiveSeg.IO.OutputCheck.File(screenshot, "screenshot", [new(input, "input"), new(job.Model.Model.OnnxPath, "model"),
                new(job.Model.Model.ManifestPath, "model manifest"), .. backgrounds.Select(b => new LiveSeg.IO.InputFile(b, "background image"))]);
        }
        var sources = new SourceSettings { AllowGaps = cl.GetValue(VideoCommand.AllowGaps), CameraWidth = width, CameraHeight = height, CameraFps = fps };
        var live = new LiveOptions
        {
            Source = new SourceOptions
            {
                Open = input is not null ? () => FrameSources.Open(input, sources) : () => FrameSources.OpenCamera(camera, sources),
                Name = input is null ? $"camera {camera}" : FrameSources.Describe(input),
                Reconnect = true,
                Realtime = cl.GetValue(s_realtime),
                Loop = cl.GetValue(s_loop),
            },
            Model = job.Model,
            Models = models,
            Mask = job.Mask,
            People = people,
            Effect = job.Effect,
            Backgrounds = backgrounds,
            Renderer = Rendering.RendererChoice.Parse(cl.GetValue(RenderOptions.Renderer)!),
            RenderThreads = cl.GetValue(RenderOptions.Threads),
            Sync = cl.GetValue(s_sync),
            MotionComp = MotionCompModes.Parse(cl.GetValue(s_motionComp)!),
            VSync = !cl.GetValue(s_noVsync),
            MaxFrames = maxFrames,
            ScreenshotPath = screenshot,
            OutputFolder = folder,
            RecordFromStart = cl.GetValue(s_record),
            ShowHud = !cl.GetValue(s_noHud),
            Headless = headless,
        };
        int quality = cl.GetValue(s_streamQuality), maxFps = cl.GetValue(s_streamFps);
        var status = live.Status;
        live = live with
        {
            // Opened by the loop once the source's size is known (the virtual camera is set to it).
            OpenOutputs = (w, h, _) =>
            {
                var sinks = new List<IFrameSink>();
                try
                {
                    if (endpoint is not null)
                        sinks.Add(new MjpegStreamSink(endpoint, quality, maxFps, () => status.Json));
                    if (virtualCamera is not null)
                        sinks.Add(VirtualCameraSink.Open(virtualCamera, w, h, layout));
                }
                catch
                {
                    sinks.ForEach(s => s.Dispose());
                    throw;
                }
                return sinks;
            },
        };

        using var interrupts = new Interrupts();
        using var loop = new LiveLoop(live);
        var inv = CultureInfo.InvariantCulture;
        var src = live.Source;
        Console.WriteLine(string.Create(inv, $"input:  {src.Name} ({loop.Source.Width}x{loop.Source.Height}, {loop.Source.Fps:0.##} fps{(loop.Source.IsLive ? ", live" : "")}{(src.Realtime ? ", real time" : "")})"));
        Console.WriteLine($"model:  {job.Model.Model.Manifest.Name}; {loop.Segment.Segmenter.ProviderReport}");
        Console.WriteLine($"render: {loop.RendererDescription}; effect {loop.Controls.Describe()}; {(live.Sync ? "sync" : "latest wins")}; {loop.MotionDescription}");
        Console.WriteLine($"threads: {loop.ThreadsDescription}");
        if (people is not null)
            Console.WriteLine($"people: keep {people.Choice}; face detector {people.Detector.Name} every {people.DetectEvery} frames{(headless ? "" : "; click a person to keep only them, A: all")}");
        if (!headless)
            Console.WriteLine($"keys:   {KeyMap.Summary}");
        foreach (var sink in loop.Outputs)
        {
            Console.WriteLine($"output: {sink.Name}");
            if (sink is MjpegStreamSink stream && ServeAddress.IsExposed(stream.Server.Endpoint))
                Console.Error.WriteLine($"liveseg: warning: the stream is served on {MjpegServer.Format(stream.Server.Endpoint)}: anyone who can reach this machine can watch it (use 127.0.0.1 for this machine only).");
        }
        if (headless)
            Console.WriteLine("no window: Ctrl-C stops");
        Console.Out.Flush();
        LiveResult r = loop.Run(interrupts.Token);
        if (screenshot is not null)
            Console.WriteLine($"screenshot: {screenshot}");
        double rate = r.Captured == 0 ? 0 : 100.0 * r.Dropped / r.Captured;
        Console.WriteLine(string.Create(inv,
            $"shown {r.Displayed} frames in {r.Seconds:F1} s = {r.Displayed / Math.Max(r.Seconds, 1e-9):F1} fps; captured {r.Captured}, dropped {r.Dropped} ({rate:F1}%: {r.LateAtCapture} late at capture, {r.Dropped - r.LateAtCapture} replaced before display)"));
        if (loop.Source.Reconnections > 0)
            Console.WriteLine($"input: {src.Name} came back {loop.Source.Reconnections} time(s) after it stopped delivering");
        foreach (var sink in loop.Outputs)
            Console.WriteLine(OutputSummary(sink));
        Console.WriteLine(string.Create(inv,
            $"mask age when drawn: {r.MaskAgeFrames.P50:0.#} / {r.MaskAgeFrames.P95:0.#} frames, {r.MaskAgeMs.P50:F1} / {r.MaskAgeMs.P95:F1} ms p50/p95; {loop.MotionDescription}"));
        if (double.IsFinite(r.EdgeErrorWarped))
            Console.WriteLine(string.Create(inv, $"steadiness: edge error {r.EdgeErrorWarped:F1} (previous mask warped) / {r.EdgeErrorStale:F1} (unwarped), 1/1000 of full scale"));
        Ui.Latency(r.Stages);
        if (r.RssAfterWarmUp > 0)
            Console.WriteLine(string.Create(inv, $"memory: resident {r.RssAfterWarmUp / 1048576.0:F1} MB after {LiveLoop.WarmUpFrames} frames, {r.RssAtEnd / 1048576.0:F1} MB at the end ({(r.RssAtEnd - r.RssAfterWarmUp) / 1048576.0:+0.0;-0.0} MB); managed heap {r.ManagedAfterWarmUp / 1048576.0:F1} → {r.ManagedAtEnd / 1048576.0:F1} MB"));
        return ExitCodes.Ok;
    }

    /// <summary>One output's line at the end: what it delivered and dropped; for the stream, each client and the latency added.</summary>
    private static string OutputSummary(IFrameSink sink)
    {
        var inv = CultureInfo.InvariantCulture;
        string line = $"output: {sink.Name}: {sink.Delivered} frames {(sink is MjpegStreamSink ? "encoded" : "written")}, {sink.Dropped} dropped (busy)";
        if (sink is not MjpegStreamSink stream)
            return line;
        var clients = stream.Server.Clients;
        var (p50, p95, n) = stream.Server.Latency();
        line += string.Create(inv, $"; {stream.Skipped} skipped (--stream-fps); {clients.Count} stream client(s), {stream.Server.FramesServed} frames sent");
        if (n > 0)
            line += string.Create(inv, $"; capture → served p50 {p50:F1} ms, p95 {p95:F1} ms");
        foreach (var c in clients)
            line += string.Create(inv, $"\n  client {c.Remote}: {c.Frames} frames in {c.Seconds:F1} s = {c.Fps:F1} fps{(c.Connected ? "" : " (left)")}");
        return line;
    }

    private static YuvLayout ParseLayout(string text) => text.ToLowerInvariant() switch
    {
        "yuyv" => YuvLayout.Yuyv,
        "i420" => YuvLayout.I420,
        _ => throw new LiveSegException($"--virtual-camera-format '{text}' is not yuyv or i420."),
    };

    /// <summary>On Linux a window needs X11 or Wayland: say so up front instead of a GLFW error.</summary>
    private static void RequireDisplay()
    {
        if (OperatingSystem.IsLinux() && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"))
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
            throw new LiveSegException("no display: neither DISPLAY (X11) nor WAYLAND_DISPLAY is set: run in a desktop session or under xvfb-run, or use 'liveseg video' for headless work.");
    }

    /// <summary>The camera sizes --size accepts, per side.</summary>
    private const int MinSide = 16, MaxSide = 8192;

    public static (int W, int H) ParseSize(string text)
    {
        string[] parts = text.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || !int.TryParse(parts[1], out int h) || w <= 0 || h <= 0)
            throw new LiveSegException($"--size '{text}' is not WIDTHxHEIGHT: write it like 1280x720.");
        if (w is < MinSide or > MaxSide || h is < MinSide or > MaxSide)
            throw new LiveSegException($"--size {w}x{h} is out of range: each side is {MinSide}..{MaxSide} pixels (cameras deliver up to 7680x4320).");
        return (w, h);
    }
}
