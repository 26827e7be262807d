using LiveSeg.Inference;
using LiveSeg.IO;
using LiveSeg.Models;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>Issue 27, item 5: exit codes and messages that say what happened.</summary>
[Slow]
public sealed class TruthfulExitTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ColorKey() => Synthetic.ColorKeyModel(_dir);

    private void WriteFrames(string folder, params int[] indices)
    {
        Directory.CreateDirectory(_dir.File(folder));
        foreach (int i in indices)
        {
            using var frame = Synthetic.Frame(i, 64, 48);
            Cv2.ImWrite(_dir.File($"{folder}/f{i:0000}.png"), frame);
        }
    }

    [Fact]
    public void LiveRecord_IntoAFolderThatCannotBeWritten_IsExit2BeforeTheFirstFrame()
    {
        string input = _dir.File("in.avi");
        Synthetic.WriteVideo(input, 5, 64, 48, 10);
        // /proc exists and refuses new files, even to root (the tests may run as root, for whom chmod does not count).
        var r = Cli.Run("live", "--input", input, "--no-window", "--record", "--frames", "5", "--output-folder", "/proc", "--model", ColorKey());
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("liveseg: error: --record: recording folder '/proc' cannot be written", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("end_to_end", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void StaleTempFiles_OfDeadProcesses_AreRemovedByTheNextWrite()
    {
        using var dead = System.Diagnostics.Process.Start("true")!;
        dead.WaitForExit();
        string stale = _dir.File($".out.mp4.liveseg-{dead.Id}-0123abcd.tmp.mp4");
        string alive = _dir.File(".out.mp4.liveseg-1-89abcdef.tmp.mp4");      // PID 1 always runs
        string own = _dir.File($".x.txt.liveseg-{Environment.ProcessId}-00000000.tmp.txt");
        string other = _dir.File(".notes.liveseg-backup.tmp");                   // not an AtomicFile name
        foreach (string f in new[] { stale, alive, own, other })
            File.WriteAllText(f, "partial");
        AtomicFile.WriteAllText(_dir.File("result.txt"), "result", "done");
        Assert.False(File.Exists(stale), "a dead process's temp file is removed");
        Assert.True(File.Exists(alive) && File.Exists(own) && File.Exists(other), "a live process's (or a foreign) file is kept");
        Assert.Equal("done", File.ReadAllText(_dir.File("result.txt")));
    }

    [Fact]
    public void ModelsList_ATamperedModel_IsShownDamaged()
    {
        Directory.CreateDirectory(_dir.File("models"));
        string body = _dir.File("models/body.onnx");
        SyntheticModels.Write("colorkey", body);
        string manifest = File.ReadAllText(_dir.File("models/body.json"));
        File.WriteAllText(_dir.File("models/body.json"), manifest.Insert(manifest.IndexOf('{', StringComparison.Ordinal) + 1, $"\"sha256\": \"{ModelManifest.HashFile(body)}\","));
        File.AppendAllText(body, "tampered");
        using var cli = Cli.Start(new Dictionary<string, string> { ["LIVESEG_MODELS"] = _dir.File("models") }, "models", "list");
        var r = cli.WaitForExit();
        Assert.Equal(0, r.ExitCode);
        string line = r.Stdout.Split('\n').First(l => l.TrimStart().StartsWith("body ", StringComparison.Ordinal));
        Assert.Contains("damaged: model", line, StringComparison.Ordinal);
        Assert.Contains("does not match the SHA-256", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageSequence_StartingAtIndex5_Opens()
    {
        WriteFrames("frames", 5, 6, 7, 8);
        var r = Cli.Run("video", _dir.File("frames/f%04d.png"), "-o", _dir.File("out.avi"), "--model", ColorKey(), "--renderer", "cpu");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(4, Synthetic.Probe(_dir.File("out.avi")).Frames);
    }

    [Fact]
    public void ImageSequence_WithAGap_IsAnErrorNamingTheMissingIndex()
    {
        WriteFrames("frames", 1, 2, 3, 5, 6);
        var r = Cli.Run("video", _dir.File("frames/f%04d.png"), "-o", _dir.File("out.avi"), "--model", ColorKey(), "--renderer", "cpu");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("has a gap: 'f0004.png' (index 4) is missing after 3 frame(s) from index 1, and 2 file(s) follow it", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("out.avi")));
    }

    [Fact]
    public void ImageSequence_WithAGap_AndAllowGaps_WarnsAndWritesTheFramesBeforeIt()
    {
        WriteFrames("frames", 1, 2, 3, 5, 6);
        var r = Cli.Run("video", _dir.File("frames/f%04d.png"), "-o", _dir.File("out.avi"), "--model", ColorKey(), "--renderer", "cpu", "--allow-gaps");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("liveseg: warning: image sequence", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("index 4", r.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, Synthetic.Probe(_dir.File("out.avi")).Frames);
    }

    [Fact]
    public void ATextFile_IsNotAVideo()
    {
        File.Copy(Path.Combine(Repo.Root, "README.md"), _dir.File("readme.mp4"));
        var r = Cli.Run("video", _dir.File("readme.mp4"), "-o", _dir.File("out.avi"), "--model", ColorKey());
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"liveseg: error: input video '{_dir.File("readme.mp4")}' is a text file, not a video: give an .mp4/.mkv/.avi/.mov file or an image-sequence pattern such as frames/%04d.png.", r.Stderr.Trim());
    }

    [Fact]
    public void TextSniff_RealContainersAreNotText()
    {
        foreach (string ext in new[] { ".avi", ".mkv", ".mp4" })
        {
            string path = _dir.File("v" + ext);
            try
            {
                Synthetic.WriteVideo(path, 2, 64, 48, 10);
            }
            catch (Exception e) when (e is OpenCVException or Xunit.Sdk.XunitException)
            {
                continue; // a codec this OpenCV lacks: nothing to sniff
            }
            if (File.Exists(path))
                Assert.False(LiveSeg.Capture.TextSniff.LooksLikeText(path), ext);
        }
    }
}
