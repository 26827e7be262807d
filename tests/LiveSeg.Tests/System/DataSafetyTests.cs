using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LiveSeg.Evaluation;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Issue 8: inputs are never destroyed, a failed write is never called "done", every file is written to a temporary
/// file and renamed when complete, and every bad input is a one-line error with exit code 2. Each test here failed on
/// the code before the fix.
/// </summary>
[Slow]
public sealed class DataSafetyTests : IDisposable
{
    private const int Width = 160, Height = 120, Frames = 24;
    private readonly TempDir _dir = new();
    private readonly string _input;
    private readonly string _model;

    public DataSafetyTests()
    {
        _input = _dir.File("in.mkv");
        Synthetic.WriteVideo(_input, Frames, Width, Height, 12);
        _model = Synthetic.ColorKeyModel(_dir);
    }

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static void AssertUserError(Cli.Result r, string expected)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        string[] lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("progress:", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, $"expected one line, got:\n{r.Stderr}");
        Assert.StartsWith("liveseg: error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("done:", r.Stdout);
    }

    [Theory]
    [InlineData("symlink")]
    [InlineData("hardlink")]
    public void OutputThatIsTheInputThroughALink_IsRefused_InputUnchanged(string kind)
    {
        string link = _dir.File("link.mkv");
        if (kind == "symlink")
            File.CreateSymbolicLink(link, _input);
        else
            Assert.True(Process.Start("ln", [_input, link])!.WaitForExit(30_000));
        string before = Sha(_input);
        var r = Cli.Run("video", _input, "-o", link, "--model", _model, "--frames", "3");
        AssertUserError(r, "is the input video");
        Assert.Equal(before, Sha(_input));
        Assert.Equal(Frames, Synthetic.Probe(_input).Frames);
    }

    [Fact]
    public void MetricsFileThatIsTheModelManifest_IsRefused_ManifestUnchanged()
    {
        string manifest = Path.ChangeExtension(_model, ".json");
        string before = Sha(manifest);
        var r = Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", _model, "--metrics", manifest);
        AssertUserError(r, "is the model manifest");
        Assert.Equal(before, Sha(manifest));
        Assert.False(File.Exists(_dir.File("o.mkv")));
    }

    [Theory]
    [InlineData("/dev/full")]
    [InlineData("{dir}/full.mkv")]
    public void DeviceAsOutput_IsRefusedBeforeAnyWork(string output)
    {
        output = output.Replace("{dir}", _dir.Path, StringComparison.Ordinal);
        if (output != "/dev/full")
            File.CreateSymbolicLink(output, "/dev/full");
        var r = Cli.Run("video", _input, "-o", output, "--model", _model);
        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("done", r.Stdout);
    }

    [Fact]
    public void FullDisk_IsAnError_NotDone_PreviousOutputKept()
    {
        // A 64 KB tmpfs in a private mount namespace (root, as in CI): the encoder runs out of space half-way.
        string small = _dir.File("small");
        Directory.CreateDirectory(small);
        string output = Path.Combine(small, "o.mkv");
        string noise = _dir.File("noise.mkv"); // incompressible frames: the lossless output cannot fit
        using (var w = new VideoWriter(noise, FourCC.FromString("FFV1"), 10, new Size(320, 240)))
        using (var f = new Mat(240, 320, MatType.CV_8UC3))
        {
            for (int i = 0; i < 10; i++)
            {
                Cv2.Randu(f, Scalar.All(0), Scalar.All(256));
                w.Write(f);
            }
        }
        string script = $"mount -t tmpfs -o size=64k tmpfs '{small}' && echo previous > '{output}' && '{Cli.Executable}' video '{noise}' -o '{output}' --model '{_model}' --effect tint; rc=$?; echo \"kept: $(cat '{output}')\"; exit $rc";
        var psi = new ProcessStartInfo("unshare", ["-m", "sh", "-c", script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(120_000));
        Assert.DoesNotContain("mount:", stderr); // the test needs a private tmpfs (root + unshare), as CI has
        Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}\n{stdout}\n{stderr}");
        Assert.DoesNotContain("done:", stdout);
        Assert.Contains("could not be completed", stderr);
        Assert.Contains("kept: previous", stdout);
    }

    [Fact]
    public void KilledReRun_LeavesThePreviousOutputIntact()
    {
        string longInput = _dir.File("long.mkv");
        Synthetic.WriteVideo(longInput, 1200, 320, 240, 25);
        string output = _dir.File("out.mp4");
        Assert.Equal(0, Cli.Run("video", _input, "-o", output, "--model", _model).ExitCode);
        string before = Sha(output);
        using (var run = Cli.StartHeld(600, "video", longInput, "-o", output, "--model", _model))
        {
            run.WaitForLine(Progress.Started); // frames are being written (and the run cannot end before the kill)
            run.Signal("KILL");
            run.WaitForExit();
        }
        Assert.Equal(before, Sha(output));
        var probe = Synthetic.Probe(output);
        Assert.Equal((Frames, Width, Height), (probe.Frames, probe.Width, probe.Height));
    }

    [Fact]
    public void SecondInterrupt_StopsAtOnce_AndStillKeepsAPlayableFile()
    {
        string longInput = _dir.File("long.mkv");
        Synthetic.WriteVideo(longInput, 1200, 320, 240, 25);
        string output = _dir.File("out.mp4");
        using var run = Cli.StartHeld(600, "video", longInput, "-o", output, "--model", _model);
        run.WaitForLine(Progress.Started);
        run.Signal("INT");
        run.WaitForLine(l => l.Contains("liveseg: interrupted: finishing", StringComparison.Ordinal));
        run.Signal("INT");
        var r = run.WaitForExit();
        Assert.True(r.ExitCode == 130, $"exit {r.ExitCode}\n{r.Stderr}");
        int done = int.Parse(Regex.Match(r.Stdout, @"interrupted: (\d+) frames").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(done, Synthetic.Probe(output).Frames);
    }

    [Fact]
    public void TwoRunsOnOneOutput_BothComplete_TheFileIsWhole()
    {
        string longInput = _dir.File("long.mkv");
        Synthetic.WriteVideo(longInput, 600, 320, 240, 25);
        string output = _dir.File("same.mkv");
        using var a = Cli.Start("video", longInput, "-o", output, "--model", _model);
        a.WaitForLine(Progress.Started); // the first run is writing when the second starts
        using var b = Cli.Start("video", longInput, "-o", output, "--model", _model, "--frames", "300");
        var ra = a.WaitForExit();
        var rb = b.WaitForExit();
        Assert.True(ra.ExitCode == 0 && rb.ExitCode == 0, ra.Stderr + rb.Stderr);
        // The run that finished last wins, whole: 600 or 300 frames, every one decodable, as the container says.
        var probe = Synthetic.Probe(output);
        using (var cap = new VideoCapture(output))
            Assert.Equal(probe.Frames, (int)cap.FrameCount);
        Assert.Contains(probe.Frames, new[] { 300, 600 });
        Assert.Equal((320, 240), (probe.Width, probe.Height));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".*tmp*"));
    }

    [Fact]
    public void PipeThatStalls_FirstSigtermStops()
    {
        // A FIFO whose writer sends the whole clip and then keeps the pipe open: capture blocks in a read.
        string fifo = _dir.File("pipe.mkv");
        Assert.True(Process.Start("mkfifo", [fifo])!.WaitForExit(10_000));
        using var feeder = Process.Start(new ProcessStartInfo("sh", ["-c", $"(cat '{_input}'; exec sleep 600) > '{fifo}'"]))!;
        try
        {
            string output = _dir.File("fifo-out.mkv");
            using var run = Cli.Start("video", fifo, "-o", output, "--model", _model, "--effect", "mask");
            run.WaitForLine(l => l.StartsWith("render:", StringComparison.Ordinal));
            run.WaitForLine(Progress.Started);
            run.Signal("TERM");
            var r = run.WaitForExit(hangGuardMs: 60_000);
            Assert.True(r.ExitCode == 130, $"exit {r.ExitCode}\n{r.Stderr}");
            Assert.True(Synthetic.Probe(output).Frames > 0);
        }
        finally
        {
            feeder.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void ThreadsOutOfRange_IsRefusedAtOnce()
    {
        var r = Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", _model, "--threads", "100000");
        AssertUserError(r, "--threads 100000 is out of range");
    }

    [Fact]
    public void TamperedModel_IsRefused_NamingTheRepair()
    {
        string manifest = Path.ChangeExtension(_model, ".json");
        string text = File.ReadAllText(manifest).TrimStart('{');
        File.WriteAllText(manifest, $"{{ \"sha256\": \"{ModelFetcher.Hash(_model)}\", \"repair\": \"run 'liveseg models fetch body --force'\",{text}");
        Assert.Equal(0, Cli.Run("video", _input, "-o", _dir.File("ok.mkv"), "--model", _model).ExitCode);
        byte[] bytes = File.ReadAllBytes(_model);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(_model, bytes);
        var r = Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", _model);
        AssertUserError(r, "does not match the SHA-256 recorded in its manifest");
        Assert.Contains("liveseg models fetch body --force", r.Stderr);
    }

    [Fact]
    public void PercentInARealFileName_IsAFileNotAPattern()
    {
        string input = _dir.File("clip 50%.mkv");
        File.Copy(_input, input);
        var r = Cli.Run("video", input, "-o", _dir.File("o.mkv"), "--model", _model);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(Frames, Synthetic.Probe(_dir.File("o.mkv")).Frames);
    }

    [Theory]
    [InlineData(".avi", true)]
    [InlineData(".mkv", false)]
    [InlineData(".mp4", false)]
    public void OddFrameSize_KeptExactlyOrRefusedClearly(string extension, bool kept)
    {
        string odd = _dir.File("odd.avi");
        using (var w = new VideoWriter(odd, VideoCaptureAPIs.OPENCV_MJPEG, FourCC.FromString("MJPG"), 10, new Size(641, 479)))
        {
            for (int i = 0; i < 5; i++)
            {
                using var f = Synthetic.Frame(i, 641, 479);
                w.Write(f);
            }
        }
        Assert.Equal((5, 641, 479), (Synthetic.Probe(odd).Frames, Synthetic.Probe(odd).Width, Synthetic.Probe(odd).Height));
        string output = _dir.File("out" + extension);
        var r = Cli.Run("video", odd, "-o", output, "--model", _model);
        if (kept)
        {
            Assert.True(r.ExitCode == 0, r.Stderr);
            var p = Synthetic.Probe(output);
            Assert.Equal((5, 641, 479), (p.Frames, p.Width, p.Height));
        }
        else
        {
            AssertUserError(r, "needs an even frame size, and 641x479 is odd");
            Assert.Contains("ffv1 (.mkv)", r.Stderr);
            Assert.False(File.Exists(output));
        }
    }

    [Theory]
    [InlineData("\"activaton\": \"none\"", "did you mean 'output.activation'")]
    [InlineData("\"activation\": \"none\", \"scale\": 1", "did you mean 'output.name'")]
    public void ManifestWithAnUnknownField_IsAnErrorNamingTheNearestField(string outputFields, string expected)
    {
        string manifest = _dir.File("typo.json");
        File.WriteAllText(manifest, $$"""
            { "input": { "width": 128, "height": 128 }, "output": { {{outputFields}} } }
            """);
        AssertUserError(Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", _model, "--manifest", manifest), expected);
    }

    [Theory]
    [InlineData("\"scale\": 1e39", "field 'scale' must be a number between")]
    [InlineData("\"width\": 4294967296", "field 'width' must be a whole number from 1 to 8192")]
    [InlineData("\"std\": [1, 0, 1]", "must not contain 0")]
    public void ManifestNumbersOutOfRange_AreErrors(string field, string expected)
    {
        string manifest = _dir.File("range.json");
        string input = field.StartsWith("\"width\"", StringComparison.Ordinal) ? $"{field}, \"height\": 128" : $"\"width\": 128, \"height\": 128, {field}";
        File.WriteAllText(manifest, $$"""{ "input": { {{input}} }, "output": { "activation": "none" } }""");
        AssertUserError(Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", _model, "--manifest", manifest), expected);
    }

    [Fact]
    public void MissingManifestPath_IsReportedAsMissing()
    {
        var r = Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", _model, "--manifest", _dir.File("nope.json"));
        AssertUserError(r, $"model manifest '{_dir.File("nope.json")}' does not exist");
    }

    [Fact]
    public void ModelWithTwoInputs_IsAUserError()
    {
        string path = _dir.File("two.onnx");
        var g = new OnnxGraphBuilder("two");
        g.AddInput("image", 1, 3, 128, 128);
        g.AddInput("extra", 1, 3, 128, 128);
        g.AddOutput("mask", 1, 3, 128, 128);
        g.AddNode("Add", ["image", "extra"], ["mask"]);
        g.Save(path);
        File.WriteAllText(_dir.File("two.json"), """{ "input": { "name": "image", "width": 128, "height": 128 }, "output": { "activation": "none" } }""");
        AssertUserError(Cli.Run("video", _input, "-o", _dir.File("o.mkv"), "--model", path), "has 2 inputs");
    }

    [Fact]
    public void FrameLargerThanTheGlTextureLimit_IsAUserErrorForGl_TheCpuRendererTakesIt()
    {
        string wide = _dir.File("wide.avi");
        using (var w = new VideoWriter(wide, VideoCaptureAPIs.OPENCV_MJPEG, FourCC.FromString("MJPG"), 10, new Size(20000, 64)))
        {
            using var f = new Mat(64, 20000, MatType.CV_8UC3, Synthetic.Blue);
            w.Write(f);
            w.Write(f);
        }
        AssertUserError(Cli.Run("video", wide, "-o", _dir.File("o.avi"), "--model", _model, "--renderer", "gl"), "larger than this OpenGL renderer's largest texture");
        var r = Cli.Run("video", wide, "-o", _dir.File("o.avi"), "--model", _model, "--renderer", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, Synthetic.Probe(_dir.File("o.avi")).Frames);
        // Live mode shows frames through OpenGL whichever renderer composites: a one-line error, window or not.
        AssertUserError(Cli.Run("live", "--input", wide, "--no-window", "--screenshot", _dir.File("s.png"), "--frames", "2", "--model", _model, "--renderer", "cpu"), "largest texture");
    }

    [Fact]
    public void TruncatedInput_SaysHowManyFramesItHeld()
    {
        string input = _dir.File("cut.avi");
        Synthetic.WriteVideo(input, 40, Width, Height, 10);
        byte[] bytes = File.ReadAllBytes(input);
        File.WriteAllBytes(input, bytes[..(bytes.Length / 2)]);
        var r = Cli.Run("video", input, "-o", _dir.File("o.avi"), "--model", _model);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var m = Regex.Match(r.Stderr, @"held (\d+) decodable frames, but its container claims 40");
        Assert.True(m.Success, r.Stderr);
        Assert.Equal(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Synthetic.Probe(_dir.File("o.avi")).Frames);
    }

    [Fact]
    public void ImageNameCollisions_WriteBothResults()
    {
        string inputs = _dir.File("imgs");
        Directory.CreateDirectory(inputs);
        using (var red = Synthetic.Frame(0, 128, 128))
        {
            Cv2.ImWrite(Path.Combine(inputs, "a.jpg"), red);
            Cv2.ImWrite(Path.Combine(inputs, "a.png"), red);
        }
        string output = _dir.File("masks");
        var r = Cli.Run("image", inputs, "-o", output, "--model", _model);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.True(File.Exists(Path.Combine(output, "a.jpg-mask.png")) && File.Exists(Path.Combine(output, "a.png-mask.png")),
            string.Join(", ", Directory.GetFiles(output).Select(Path.GetFileName)));
        Assert.Equal(4, Directory.GetFiles(output).Length);
    }

    [Fact]
    public void ImageOutputFolderThatIsTheInputFolder_IsRefused()
    {
        string inputs = _dir.File("imgs2");
        Directory.CreateDirectory(inputs);
        using (var red = Synthetic.Frame(0, 128, 128))
            Cv2.ImWrite(Path.Combine(inputs, "a.png"), red);
        AssertUserError(Cli.Run("image", inputs, "-o", inputs + "/", "--model", _model), "is the input folder");
        Assert.Single(Directory.GetFiles(inputs));
    }

    [Fact]
    public void ImageOutputThatIsAFile_IsAUserError()
    {
        using (var red = Synthetic.Frame(0, 128, 128))
            Cv2.ImWrite(_dir.File("a.png"), red);
        AssertUserError(Cli.Run("image", _dir.File("a.png"), "-o", _input, "--model", _model), "exists and is not a folder");
    }

    [Fact]
    public void SplitCsvWithoutHeader_KeepsItsFirstRow_AndZeroOneMasksAreRead()
    {
        string data = _dir.File("ds");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        foreach (string id in new[] { "x1", "x2" })
        {
            using var img = Synthetic.Frame(0, 128, 128);
            Cv2.ImWrite(Path.Combine(data, "images", id + ".png"), img);
            using var mask = new Mat(128, 128, MatType.CV_8UC1, Scalar.All(0));
            Cv2.Rectangle(mask, Synthetic.SquareAt(0, 128, 128), Scalar.All(1), -1); // 0/1 mask
            Cv2.ImWrite(Path.Combine(data, "masks", id + ".png"), mask);
        }
        File.WriteAllText(Path.Combine(data, "split.csv"), "x1,test\nx2,test\n");
        Assert.Equal(["x1", "x2"], Ph2Dataset.Load(data, "test").Select(i => i.Id));
        File.WriteAllText(Path.Combine(data, "split.csv"), "id,split\nx1,test\nx2,test\n");
        Assert.Equal(2, Ph2Dataset.Load(data, "test").Count);

        var r = Cli.Run("eval", "--model", _model, "--data", data, "--split", "test", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("hold 0/1 values", r.Stderr);
        double dice = System.Text.Json.JsonDocument.Parse(r.Stdout).RootElement.GetProperty("dice").GetDouble();
        Assert.True(dice > 0.9, $"Dice {dice}: a 0/1 truth mask must be read as lesion, not background");
    }

    public void Dispose() => _dir.Dispose();
}
