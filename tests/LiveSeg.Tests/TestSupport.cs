using System.Diagnostics;
using LiveSeg.Models;
using OpenCvSharp;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace LiveSeg.Tests;

/// <summary>Where the checkout and ../shared are, from the test's output folder.</summary>
public static class Repo
{
    public static string Root { get; } = Find();

    /// <summary>A path under ../shared beside the checkout (datasets, reference models).</summary>
    public static string Shared(params string[] parts) => Path.GetFullPath(Path.Combine([Root, "..", "shared", .. parts]));

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "LiveSeg.sln")))
                return d.FullName;
        }
        throw new InvalidOperationException("LiveSeg.sln not found above the test folder");
    }
}

/// <summary>A temporary folder deleted at the end of a test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "liveseg-test-" + Guid.NewGuid().ToString("N")[..8]);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Synthetic frames, videos and models whose content is known exactly.</summary>
public static class Synthetic
{
    public static readonly Scalar Red = new(0, 0, 255);
    public static readonly Scalar Blue = new(255, 0, 0);

    /// <summary>The square of frame <paramref name="i"/>: a red square that moves right by 2 px per frame.</summary>
    public static Rect SquareAt(int i, int width, int height) =>
        new(width / 8 + 2 * i, height / 4, width / 3, height / 2);

    /// <summary>Blue background with the red square of frame i.</summary>
    public static Mat Frame(int i, int width, int height)
    {
        var m = new Mat(height, width, MatType.CV_8UC3, Blue);
        Cv2.Rectangle(m, SquareAt(i, width, height), Red, -1);
        return m;
    }

    /// <summary>Writes a lossless FFV1 .mkv (or the codec the extension picks) of <paramref name="frames"/> synthetic frames.</summary>
    public static void WriteVideo(string path, int frames, int width, int height, double fps)
    {
        string fourcc = System.IO.Path.GetExtension(path) == ".mkv" ? "FFV1" : "MJPG";
        using var writer = new VideoWriter(path, FourCC.FromString(fourcc), fps, new Size(width, height));
        Assert.True(writer.IsOpened(), $"test setup: cannot write {path}");
        for (int i = 0; i < frames; i++)
        {
            using var f = Frame(i, width, height);
            writer.Write(f);
        }
    }

    /// <summary>Writes the colour-key test model (red = foreground) and its manifest; returns the .onnx path.</summary>
    public static string ColorKeyModel(TempDir dir)
    {
        string path = dir.File("colorkey.onnx");
        SyntheticModels.Write("colorkey", path);
        return path;
    }

    /// <summary>Reads every frame of a video: (count, fps, width, height).</summary>
    public static (int Frames, double Fps, int Width, int Height) Probe(string path)
    {
        using var cap = new VideoCapture(path);
        Assert.True(cap.IsOpened(), $"cannot open {path}");
        using var m = new Mat();
        int n = 0, w = 0, h = 0;
        while (cap.Read(m) && !m.Empty())
        {
            (w, h) = (m.Width, m.Height);
            n++;
        }
        return (n, cap.Fps, w, h);
    }

    public static Mat ReadFrame(string path, int index)
    {
        using var cap = new VideoCapture(path);
        var m = new Mat();
        for (int i = 0; i <= index; i++)
            Assert.True(cap.Read(m) && !m.Empty(), $"{path} has no frame {index}");
        return m;
    }
}

/// <summary>
/// A liveseg process started in the background whose output lines can be waited for (an event, not a sleep):
/// tests use it to act at a known point of a run (kill it once frames were written, say).
/// </summary>
public sealed class RunningCli : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdout = new(), _stderr = new();
    private readonly object _lock = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waits = [];

    public RunningCli(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Line(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Line(_stderr, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_lock)
                return _stdout.ToString();
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
                return _stderr.ToString();
        }
    }

    private void Line(System.Text.StringBuilder sink, string? line)
    {
        if (line is null)
            return;
        lock (_lock)
        {
            sink.AppendLine(line);
            foreach (var w in _waits.Where(w => w.Match(line)).ToList())
            {
                w.Done.TrySetResult(line);
                _waits.Remove(w);
            }
        }
    }

    /// <summary>Waits until a line (stdout or stderr) matches; fails the test if the process ends first or hangs.</summary>
    public string WaitForLine(Func<string, bool> match, int hangGuardMs = 120_000)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            string? seen = (_stdout.ToString() + _stderr).Split('\n').FirstOrDefault(l => match(l.TrimEnd('\r')));
            if (seen is not null)
                return seen;
            _waits.Add((match, done));
        }
        var exited = _process.WaitForExitAsync();
        int which = Task.WaitAny([done.Task, exited], hangGuardMs);
        Assert.True(which == 0, which == 1 ? $"liveseg ended before the awaited line:\n{Stdout}\n{Stderr}" : $"liveseg hung: the awaited line never came; so far:\n{Stdout}\n{Stderr}");
        return done.Task.Result;
    }

    public void Signal(string name) =>
        Process.Start("kill", [$"-{name}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>Waits for the process to end (a hang guard, not a timing check) and returns its result.</summary>
    public Cli.Result WaitForExit(int hangGuardMs = 240_000)
    {
        if (!_process.WaitForExit(hangGuardMs))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"liveseg did not end within {hangGuardMs / 1000} s:\n{Stdout}\n{Stderr}");
        }
        _process.WaitForExit(); // drains the asynchronous readers
        return new Cli.Result(_process.ExitCode, Stdout, Stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}

/// <summary>Runs the real liveseg executable (built beside the tests) as a child process.</summary>
public static class Cli
{
    /// <summary>Starts liveseg in the background (see <see cref="RunningCli"/>).</summary>
    public static RunningCli Start(params string[] args) => new(Executable, args);

    /// <summary>Starts liveseg with extra environment variables (LIVESEG_MODELS, say).</summary>
    public static RunningCli Start(IReadOnlyDictionary<string, string> environment, params string[] args) => new(Executable, args, environment);

    /// <summary>
    /// Starts a <c>liveseg video</c> run whose source gives no frame after the first <paramref name="frames"/> until the
    /// run is stopped (<see cref="LiveSeg.Pipeline.SourceOptions.HoldAfter"/>): a signal sent once progress shows lands
    /// while the run is in progress, however fast the machine (a fast one used to finish the clip first).
    /// </summary>
    public static RunningCli StartHeld(int frames, params string[] args) =>
        Start(new Dictionary<string, string> { [LiveSeg.Pipeline.SourceOptions.HoldAfterVariable] = frames.ToString(System.Globalization.CultureInfo.InvariantCulture) }, args);

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "liveseg");

    public static Result Run(params string[] args) => Run(args, null);

    public static Result Run(string[] args, Action<Process>? whileRunning, int timeoutMs = 240_000)
    {
        // Arguments that start with xvfb-run's options run the executable under a virtual display.
        bool xvfb = args.Length > 0 && args[0] == "-a";
        var psi = new ProcessStartInfo(xvfb ? "/usr/bin/xvfb-run" : Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        whileRunning?.Invoke(p);
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"liveseg {string.Join(' ', args)} did not finish in {timeoutMs / 1000} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>Reading liveseg's redirected progress lines ("progress:    150/1500  10.0% ...").</summary>
public static class Progress
{
    /// <summary>True for a progress line that reports at least one finished frame.</summary>
    public static bool Started(string line)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, @"^progress:\s+(\d+)/");
        return m.Success && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0;
    }
}

/// <summary>A clock that never sleeps: a wait advances it at once. Counts the time waited.</summary>
public sealed class FakeClock : LiveSeg.Threading.IClock
{
    private long _now = 1_000_000;

    public long Now => Interlocked.Read(ref _now);

    public TimeSpan Waited { get; private set; }

    /// <summary>Moves time on by <paramref name="duration"/>, rounded up to whole ticks (at least one, so a waiter always gets on).</summary>
    public void Advance(TimeSpan duration) => Interlocked.Add(ref _now, Math.Max(1, (long)Math.Ceiling(duration.TotalSeconds * Stopwatch.Frequency)));

    public void Wait(TimeSpan duration, CancellationToken cancel)
    {
        Waited += duration;
        Advance(duration);
    }
}

/// <summary>A test that needs an X display (a live window, GLX, GLFW): skipped, with the way to run it, when there is none.</summary>
public sealed class DisplayFactAttribute : FactAttribute
{
    public DisplayFactAttribute()
    {
        if (!Display.Present)
            Skip = Display.Missing;
    }
}

/// <summary>A theory that needs an X display (see <see cref="DisplayFactAttribute"/>).</summary>
public sealed class DisplayTheoryAttribute : TheoryAttribute
{
    public DisplayTheoryAttribute()
    {
        if (!Display.Present)
            Skip = Display.Missing;
    }
}

public static class Display
{
    public static bool Present => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY"));

    public const string Missing = "needs an X display: run ./test (it runs the tests under xvfb-run)";
}

/// <summary>
/// Marks a test class (or a single test) as slow: it starts ffmpeg, a browser, a GL window, the liveseg executable over
/// real frames, a process per case, or measures over many frames (seconds a test). It carries the xunit trait
/// <c>Speed=Slow</c>, so <c>./test --fast</c> (<c>--filter "Speed!=Slow"</c>) leaves it out and
/// <c>--filter "Speed=Slow"</c> runs only these; plain <c>./test</c> runs everything.
/// </summary>
[Xunit.Sdk.TraitDiscoverer("LiveSeg.Tests." + nameof(SlowTraitDiscoverer), "LiveSeg.Tests")]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class SlowAttribute : Attribute, Xunit.Sdk.ITraitAttribute
{
    /// <summary>The trait's name and value, for <c>--filter</c>: <c>Speed!=Slow</c> or <c>Speed=Slow</c>.</summary>
    public const string Name = "Speed", Value = "Slow";
}

/// <summary>Gives <see cref="SlowAttribute"/> its trait (xunit finds it by the name on the attribute).</summary>
public sealed class SlowTraitDiscoverer : Xunit.Sdk.ITraitDiscoverer
{
    public IEnumerable<KeyValuePair<string, string>> GetTraits(Xunit.Abstractions.IAttributeInfo traitAttribute)
    {
        yield return new(SlowAttribute.Name, SlowAttribute.Value);
    }
}

/// <summary>
/// A still scene of two people standing apart (cut out of ../shared/datasets/person photos with their masks, on the
/// empty room of one-by-one-person-detection.mp4; <see cref="LiveSeg.People.PeopleClip"/>'s first frame): the frame,
/// its true instance map (1 = the left person, 2 = the right one), and a lossless clip of it. The photos are those the
/// face detector finds at this scale. Needs ../shared and the face and body models (fetched once, as the CLI does).
/// </summary>
public sealed class TwoPeopleScene : IDisposable
{
    public const int Width = 640, Height = 360;

    private TwoPeopleScene(Mat frame, Mat truth) => (Frame, Truth) = (frame, truth);

    public Mat Frame { get; }

    public Mat Truth { get; }

    /// <summary>The converted full-range face detector's path.</summary>
    public static string FaceDetector => System.IO.Path.Combine(LiveSeg.Models.ModelFetcher.Fetch(LiveSeg.People.FaceModels.Package, _ => { }), LiveSeg.People.FaceModels.Full.Name + ".onnx");

    /// <summary>The body model's path.</summary>
    public static string BodyModel => LiveSeg.Models.ModelCatalogue.Find("body") ?? System.IO.Path.Combine(LiveSeg.Models.ModelFetcher.FetchBody(_ => { }), "body.onnx");

    /// <param name="personHeight">each person's height as a share of the frame's (the photos used are those the face detector finds at that size)</param>
    public static TwoPeopleScene Make(float personHeight = 0.8f)
    {
        string dataset = Repo.Shared("datasets", "person"), video = Repo.Shared("datasets", "videos", "one-by-one-person-detection.mp4");
        Assert.True(Directory.Exists(dataset) && File.Exists(video), $"this test needs {dataset} and {video} (../shared)");
        using var detector = new LiveSeg.People.FaceDetector(FaceDetector, LiveSeg.People.FaceModels.Full);
        using var background = new Mat();
        using (var cap = new VideoCapture(video))
            Assert.True(cap.Read(background), $"cannot read {video}");
        var cutouts = LiveSeg.People.PeopleClip.LoadCutouts(dataset, detector, 2, background, sceneHeight: Height, personHeight);
        try
        {
            Assert.True(cutouts.Count == 2, $"only {cutouts.Count} single-person photos in {dataset}");
            using var clip = new LiveSeg.People.PeopleClip(cutouts, background, Width, Height, frames: 2, personHeight);
            Mat frame = new(), truth = new();
            clip.Render(0, frame, truth);
            return new TwoPeopleScene(frame, truth);
        }
        finally
        {
            cutouts.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Writes <paramref name="frames"/> copies of the frame as a lossless FFV1 .mkv at 30 fps.</summary>
    public void WriteClip(string path, int frames)
    {
        using var writer = new VideoWriter(path, FourCC.FromString("FFV1"), 30, new Size(Width, Height));
        Assert.True(writer.IsOpened(), $"test setup: cannot write {path}");
        for (int i = 0; i < frames; i++)
            writer.Write(Frame);
    }

    /// <summary>The pixel of person <paramref name="person"/> (1 or 2) farthest from their outline: a sure place to click.</summary>
    public Point Inside(int person)
    {
        using var mine = new Mat();
        Cv2.Compare(Truth, new Scalar(person), mine, CmpTypes.EQ);
        using var distance = new Mat();
        Cv2.DistanceTransform(mine, distance, DistanceTypes.L2, DistanceTransformMasks.Mask5);
        Cv2.MinMaxLoc(distance, out _, out _, out _, out Point at);
        return at;
    }

    /// <summary>
    /// The share of person <paramref name="person"/>'s pixels (1 or 2) that <paramref name="image"/> shows as a person
    /// (<paramref name="isPerson"/> says, pixel by pixel, from the image and the scene's frame).
    /// </summary>
    public double Shown(Mat image, int person, Func<Vec3b, Vec3b, bool> isPerson)
    {
        Assert.Equal((Width, Height), (image.Width, image.Height));
        int all = 0, shown = 0;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                if (Truth.At<byte>(y, x) != person)
                    continue;
                all++;
                shown += isPerson(image.At<Vec3b>(y, x), Frame.At<Vec3b>(y, x)) ? 1 : 0;
            }
        }
        return (double)shown / all;
    }

    public void Dispose()
    {
        Frame.Dispose();
        Truth.Dispose();
    }
}

/// <summary>Finds the HUD's words in a screenshot.</summary>
public static class HudText
{
    /// <summary>How well <paramref name="text"/>, drawn as the HUD draws text (white, Hershey simplex 0.36), matches somewhere in <paramref name="image"/> (normalised correlation).</summary>
    public static double Score(Mat image, string text)
    {
        var size = Cv2.GetTextSize(text, HersheyFonts.HersheySimplex, 0.36, 1, out int baseline);
        using var template = new Mat(size.Height + baseline + 4, size.Width + 4, MatType.CV_8UC1, Scalar.Black);
        Cv2.PutText(template, text, new Point(2, size.Height + 2), HersheyFonts.HersheySimplex, 0.36, Scalar.White, 1, LineTypes.AntiAlias);
        using var grey = new Mat();
        Cv2.CvtColor(image, grey, ColorConversionCodes.BGR2GRAY);
        using var result = new Mat();
        Cv2.MatchTemplate(grey, template, result, TemplateMatchModes.CCoeffNormed);
        Cv2.MinMaxLoc(result, out _, out double best);
        return best;
    }
}
