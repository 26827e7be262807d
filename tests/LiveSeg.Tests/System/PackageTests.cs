using System.Diagnostics;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The library as a user gets it: <c>dotnet pack</c> makes LiveSeg.Engine into a local folder feed, the console sample
/// (samples/SegmentImage, copied out of the repository so nothing of it applies) is built against that package and run.
/// </summary>
[Slow]
public sealed class PackageTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static (int Code, string Output) Dotnet(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(600_000), $"dotnet {string.Join(' ', args)} hung");
        return (p.ExitCode, stdout + stderr.Result);
    }

    /// <summary>The library packed once per test run, with a version of its own (the NuGet cache never serves an older pack of the same number).</summary>
    private static readonly Lazy<(string Feed, string Version)> s_package = new(() =>
    {
        string version = $"0.5.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        string feed = Path.Combine(Path.GetTempPath(), $"liveseg-feed-{version}");
        // --no-build: the library as built for these tests (a build with another version would overwrite it mid-run).
        var pack = Dotnet(Repo.Root, "pack", "src/LiveSeg/LiveSeg.csproj", "-c", "Release", "--no-build", "-o", feed, $"-p:Version={version}", "-nologo");
        Assert.True(pack.Code == 0, pack.Output);
        Assert.True(File.Exists(Path.Combine(feed, $"LiveSeg.Engine.{version}.nupkg")), pack.Output);
        return (feed, version);
    });

    /// <summary>Copies a sample out of the repository (so nothing of it applies) and builds it against the package; returns its dll.</summary>
    private string BuildSample(string name)
    {
        var (feed, version) = s_package.Value;
        string sample = _dir.File(name);
        Directory.CreateDirectory(sample);
        foreach (string f in new[] { "Program.cs", name + ".csproj" })
            File.Copy(Path.Combine(Repo.Root, "samples", name, f), Path.Combine(sample, f));
        string bin = _dir.File(name + "-bin");
        var build = Dotnet(sample, "build", "-c", "Release", "-o", bin, $"-p:LiveSegPackageFeed={feed}", $"-p:LiveSegPackageVersion={version}", "-nologo");
        Assert.True(build.Code == 0, build.Output);
        Assert.True(File.Exists(Path.Combine(bin, "shaders", "effect_blur.frag")), "the package's shaders were not copied to the output");
        return Path.Combine(bin, name + ".dll");
    }

    [Fact]
    public void PackedLibrary_BuildsAndRunsTheConsoleSample()
    {
        string dll = BuildSample("SegmentImage");
        string bin = Path.GetDirectoryName(dll)!;
        string model = _dir.File("colorkey.onnx");
        SyntheticModels.Write("colorkey", model);
        string image = _dir.File("frame.png");
        using (var frame = Synthetic.Frame(0, 320, 240))
            Cv2.ImWrite(image, frame);
        string maskPath = _dir.File("mask.png");
        var run = Dotnet(bin, dll, image, maskPath, model);
        Assert.True(run.Code == 0, run.Output);
        Assert.Contains("320x240 mask", run.Output);
        using var mask = Cv2.ImRead(maskPath, ImreadModes.Grayscale);
        var sq = Synthetic.SquareAt(0, 320, 240);
        Assert.True(mask.At<byte>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2) > 230, "the square is not in the mask");
        Assert.True(mask.At<byte>(2, 2) < 25, "the background is in the mask");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The host sample (its own GLFW window and loop), built against the package and run under Xvfb: LiveSeg's composite in the left two thirds, the host's drawing around it.</summary>
    [DisplayFact]
    public void HostSample_DrawsLiveSegsCompositeBesideItsOwnDrawing()
    {
        string dll = BuildSample("HostWindow");
        string clip = _dir.File("clip.mkv");
        Synthetic.WriteVideo(clip, 5, 320, 240, 30);
        string model = _dir.File("colorkey.onnx");
        SyntheticModels.Write("colorkey", model);
        string shot = _dir.File("host.png");
        var run = Dotnet(_dir.Path, dll, clip, "--model", model, "--frames", "3", "--screenshot", shot);
        Assert.True(run.Code == 0, run.Output);
        using var image = Cv2.ImRead(shot);
        Assert.Equal((960, 480), (image.Width, image.Height));
        // Host: its clear colour (0.12, 0.12, 0.24) at the right edge and its yellow bar.
        Vec3b clear = image.At<Vec3b>(5, 955), bar = image.At<Vec3b>(240, 680);
        Assert.True(Math.Abs(clear.Item0 - 61) <= 2 && Math.Abs(clear.Item2 - 31) <= 2, $"host clear colour {clear}");
        Assert.True(bar.Item2 > 200 && bar.Item1 > 150 && bar.Item0 < 60, $"host bar {bar}");
        // LiveSeg: the blurred synthetic frame, letterboxed into 640x480: blue background, the red square kept sharp.
        Vec3b background = image.At<Vec3b>(240, 20);
        Assert.True(background.Item0 > 200 && background.Item2 < 60, $"composite background {background}");
        var sq = Synthetic.SquareAt(0, 320, 240);
        Vec3b person = image.At<Vec3b>((sq.Y + sq.Height / 2) * 2, (sq.X + sq.Width / 2) * 2);
        Assert.True(person.Item2 > 200 && person.Item0 < 60, $"composite person {person}");
    }
}
