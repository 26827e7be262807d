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

/// <summary>Runs the real liveseg executable (built beside the tests) as a child process.</summary>
public static class Cli
{
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
