using System.Globalization;
using System.Text.Json;
using LiveSeg.Batch;
using LiveSeg.Capture;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// `liveseg batch` (shards, chunks, sidecars, join), `video --range` and `liveseg concat`: every input processed exactly
/// once whatever the shard count, re-runs that touch nothing, chunks that join into the whole run frame for frame, and
/// bad input refused before any work. Clips are made by Debian's ffmpeg; the model is the colour-key test model.
/// </summary>
[Slow]
public sealed class BatchTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _model;

    public BatchTests()
    {
        Assert.True(FfmpegDecode.Available, "ffmpeg/ffprobe are missing: run scripts/install-deps");
        _model = Synthetic.ColorKeyModel(_dir);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>A red square moving over blue for <paramref name="frames"/> frames at 25 fps, with a tone when asked.</summary>
    private string Clip(string name, int frames, bool sound = false)
    {
        string path = _dir.File(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string d = (frames / 25.0).ToString(CultureInfo.InvariantCulture);
        string[] args = ["-v", "error", "-y", "-f", "lavfi", "-i",
            $"color=c=blue:s=96x64:r=25:d={d}[bg];color=c=red:s=30x30:r=25[fg];[bg][fg]overlay=x='4+t*20':y=16:shortest=1[out0]",
            .. sound ? new[] { "-f", "lavfi", "-i", $"sine=f=440:sample_rate=48000:d={d}", "-c:a", "aac", "-shortest" } : [],
            "-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p", path];
        var (code, _, err) = FfmpegDecode.Run("/usr/bin/ffmpeg", args);
        Assert.True(code == 0, $"test setup: ffmpeg could not make {name}: {err}");
        return path;
    }

    private Cli.Result Batch(params string[] args) => Cli.Run(["batch", .. args, "--model", _model, "--device", "cpu"]);

    private static void AssertSameFrames(string expected, string actual)
    {
        var a = FfmpegDecode.Frames(expected);
        var b = FfmpegDecode.Frames(actual);
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            using var diff = new Mat();
            Cv2.Absdiff(a[i], b[i], diff);
            Cv2.MinMaxLoc(diff.Reshape(1), out _, out double max);
            Assert.True(max == 0, $"frame {i} differs by up to {max}");
        }
    }

    private static Dictionary<string, (long Size, DateTime Time)> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => (new FileInfo(f).Length, File.GetLastWriteTimeUtc(f)));

    private static JsonElement Record(string outDir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, BatchRecords.SummaryName))).RootElement;

    private static string StatusOf(JsonElement record, string name) =>
        record.GetProperty("inputs").EnumerateArray().Single(i => i.GetProperty("name").GetString() == name).GetProperty("status").GetString()!;

    [Fact]
    public void Shards_TakeEveryItemExactlyOnce_AndLoadsDifferByAtMostTheLargestItem()
    {
        var random = new Random(7);
        for (int count = 1; count <= 7; count++)
        {
            for (int trial = 0; trial < 20; trial++)
            {
                long[] weights = [.. Enumerable.Range(0, random.Next(0, 30)).Select(_ => (long)random.Next(1, 5000))];
                int[] shard = Shards.Assign(weights, count);
                Assert.Equal(weights.Length, shard.Length);
                Assert.All(shard, s => Assert.InRange(s, 0, count - 1));
                var load = new long[count];
                for (int i = 0; i < weights.Length; i++)
                    load[shard[i]] += weights[i];
                if (weights.Length > 0)
                    Assert.True(load.Max() - load.Min() <= weights.Max(), $"{count} shards: loads {string.Join(", ", load)}, largest item {weights.Max()}");
            }
        }
    }

    [Fact]
    public void Shard_ComesFromTheOption_SlurmsArray_OrAKubernetesIndexedJob()
    {
        static Func<string, string?> Env(params (string, string)[] vars) => name => vars.FirstOrDefault(v => v.Item1 == name).Item2;
        Assert.Equal(new ShardSpec(2, 5, "--shard"), ShardSpec.Resolve("2/5", 0, Env()));
        var slurm = ShardSpec.Resolve(null, 0, Env(("SLURM_ARRAY_TASK_ID", "13"), ("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_MIN", "7"), ("SLURM_ARRAY_TASK_STEP", "2")));
        Assert.Equal((3, 4), (slurm.Index, slurm.Count));
        var k8s = ShardSpec.Resolve(null, 6, Env(("JOB_COMPLETION_INDEX", "5")));
        Assert.Equal((5, 6), (k8s.Index, k8s.Count));
        Assert.True(ShardSpec.Resolve(null, 0, Env()).IsWhole);
        foreach (var bad in new Action[]
        {
            () => ShardSpec.Resolve("3/2", 0, Env()),
            () => ShardSpec.Resolve("1/2", 3, Env()),
            () => ShardSpec.Resolve(null, 0, Env(("SLURM_ARRAY_TASK_ID", "1"))),
            () => ShardSpec.Resolve(null, 0, Env(("SLURM_ARRAY_TASK_ID", "8"), ("SLURM_ARRAY_TASK_COUNT", "4"))),
            () => ShardSpec.Resolve(null, 0, Env(("JOB_COMPLETION_INDEX", "0"))),
            () => ShardSpec.Resolve(null, 2, Env(("JOB_COMPLETION_INDEX", "2"))),
            () => ShardSpec.Resolve(null, 3, Env()),
        })
            Assert.Equal(ExitCodes.BadInput, Assert.Throws<LiveSegException>(bad).ExitCode);
    }

    [Theory]
    [InlineData("80..160", 80, 160)]
    [InlineData("80..", 80, int.MaxValue)]
    [InlineData("..40", 0, 40)]
    public void Range_Parses(string text, int start, int end) => Assert.Equal(new FrameRange(start, end), FrameRange.Parse(text));

    [Theory]
    [InlineData("50..10")]
    [InlineData("10..10")]
    [InlineData("-5..10")]
    [InlineData("a..b")]
    [InlineData("12")]
    public void BadRange_IsAOneLineError(string text) =>
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<LiveSegException>(() => FrameRange.Parse(text)).ExitCode);

    [Fact]
    public void ShardsThenJoin_ProcessEveryInputOnce_AndTheRecordSaysSo()
    {
        string a = Clip("in/a.mp4", 20), b = Clip("in/sub/b.mp4", 30), c = Clip("in/c.mp4", 10);
        string outDir = _dir.File("out");
        var first = Batch(_dir.File("in"), "-o", outDir, "--shard", "0/2");
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.False(File.Exists(Path.Combine(outDir, BatchRecords.SummaryName)), "a shard must not write the batch's record");
        var second = Batch(_dir.File("in"), "-o", outDir, "--shard", "1/2");
        Assert.True(second.ExitCode == 0, second.Stderr);
        var join = Batch(_dir.File("in"), "-o", outDir, "--join");
        Assert.True(join.ExitCode == 0, join.Stdout + join.Stderr);
        foreach (var (input, output, frames) in new[] { (a, "a.mp4", 20), (b, "sub/b.mp4", 30), (c, "c.mp4", 10) })
            Assert.Equal(frames, FfmpegDecode.VideoTimes(Path.Combine(outDir, output)).Length);
        // Each input is in exactly one shard's record.
        var names = Directory.EnumerateFiles(outDir, "liveseg-batch.shard-*-of-2.json")
            .SelectMany(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("name").GetString()).OrderBy(n => n).ToList();
        Assert.Equal(["a.mp4", "c.mp4", Path.Combine("sub", "b.mp4")], names);
        var record = Record(outDir);
        Assert.Equal(3, record.GetProperty("done").GetInt32());
        Assert.Equal(0, record.GetProperty("failed").GetInt32());
    }

    [Fact]
    public void ARerun_TouchesNothing_AndAChangedInputIsRedone_Alone()
    {
        Clip("in/a.mp4", 12);
        string b = Clip("in/b.mp4", 12);
        string outDir = _dir.File("out");
        var first = Batch(_dir.File("in"), "-o", outDir);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var before = Snapshot(outDir);
        var again = Batch(_dir.File("in"), "-o", outDir);
        Assert.True(again.ExitCode == 0, again.Stderr);
        var after = Snapshot(outDir);
        foreach (var (file, state) in before.Where(f => !f.Key.StartsWith("liveseg-batch", StringComparison.Ordinal)))
            Assert.True(after[file] == state, $"{file} was rewritten by a re-run");
        Assert.Equal(2, Record(outDir).GetProperty("skipped").GetInt32());

        // b changes (a longer clip): b alone is redone.
        File.Delete(b);
        Clip("in/b.mp4", 15);
        var changed = Batch(_dir.File("in"), "-o", outDir);
        Assert.True(changed.ExitCode == 0, changed.Stderr);
        var record = Record(outDir);
        Assert.Equal("skipped", StatusOf(record, "a.mp4"));
        Assert.Equal("done", StatusOf(record, "b.mp4"));
        Assert.Equal(15, FfmpegDecode.VideoTimes(Path.Combine(outDir, "b.mp4")).Length);
        Assert.True(Snapshot(outDir)["a.mp4"] == before["a.mp4"], "a.mp4 was rewritten");

        // A changed setting (the default effect is blur) redoes both.
        var blur = Batch(_dir.File("in"), "-o", outDir, "--effect", "tint");
        Assert.True(blur.ExitCode == 0, blur.Stderr);
        Assert.Equal(2, Record(outDir).GetProperty("done").GetInt32());
    }

    [Fact]
    public void Chunks_JoinIntoTheWholeRun_FrameForFrame()
    {
        string clip = Clip("in/long.mp4", 70);
        var whole = Cli.Run("video", clip, "-o", _dir.File("whole.mkv"), "--codec", "ffv1", "--effect", "blur", "--model", _model, "--device", "cpu");
        Assert.True(whole.ExitCode == 0, whole.Stderr);
        string outDir = _dir.File("out");
        var r = Batch(clip, "-o", outDir, "--ext", ".mkv", "--codec", "ffv1", "--effect", "blur", "--chunk-frames", "25");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        var chunks = Record(outDir).GetProperty("inputs")[0].GetProperty("chunks");
        Assert.Equal(3, chunks.GetArrayLength());
        AssertSameFrames(_dir.File("whole.mkv"), Path.Combine(outDir, "long.mkv"));
        double[] expected = FfmpegDecode.VideoTimes(_dir.File("whole.mkv")), actual = FfmpegDecode.VideoTimes(Path.Combine(outDir, "long.mkv"));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.001, $"frame {i}: {actual[i]} s joined, {expected[i]} s whole");
        Assert.False(Directory.Exists(Path.Combine(outDir, BatchPlan.PartsFolder)) && Directory.EnumerateFiles(Path.Combine(outDir, BatchPlan.PartsFolder), "*.mkv").Any(),
            "the joined parts were left behind");
    }

    [Fact]
    public void RangesConcatenated_AreTheWholeRun_WithTheInputsSound()
    {
        string clip = Clip("talk.mp4", 60, sound: true);
        string[] common = ["--codec", "ffv1", "--model", _model, "--device", "cpu"];
        Assert.Equal(0, Cli.Run(["video", clip, "-o", _dir.File("whole.mkv"), .. common]).ExitCode);
        foreach (var (range, part) in new[] { ("..20", "p1.mkv"), ("20..45", "p2.mkv"), ("45..", "p3.mkv") })
        {
            var r = Cli.Run(["video", clip, "-o", _dir.File(part), "--range", range, .. common]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Empty(FfmpegDecode.Streams(_dir.File(part), "audio"));
        }
        var concat = Cli.Run("concat", _dir.File("p1.mkv"), _dir.File("p2.mkv"), _dir.File("p3.mkv"), "-o", _dir.File("joined.mkv"));
        Assert.True(concat.ExitCode == 0, concat.Stdout + concat.Stderr);
        AssertSameFrames(_dir.File("whole.mkv"), _dir.File("joined.mkv"));
        var audio = FfmpegDecode.Streams(_dir.File("joined.mkv"), "audio");
        Assert.Single(audio);
        // The sound is the input's, cut at the last frame as a single run cuts it (-shortest: to within one audio packet).
        static int AudioPackets(string f) =>
            FfmpegDecode.Probe(f, packets: true).GetProperty("packets").EnumerateArray().Count(p => p.GetProperty("codec_type").GetString() == "audio");
        int whole = AudioPackets(_dir.File("whole.mkv")), joined = AudioPackets(_dir.File("joined.mkv"));
        Assert.True(Math.Abs(whole - joined) <= 1, $"{joined} audio packets joined, {whole} in the single run");
    }

    [Fact]
    public void ABadInput_FailsAlone_ExitThree_AndTheRecordNamesIt()
    {
        Clip("in/good.mp4", 10);
        File.WriteAllText(_dir.File("in/bad.mp4"), "not a video\n");
        string outDir = _dir.File("out");
        var r = Batch(_dir.File("in"), "-o", outDir);
        Assert.Equal(ExitCodes.SomeFailed, r.ExitCode);
        Assert.Contains("liveseg: failed: bad.mp4:", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal(10, FfmpegDecode.VideoTimes(Path.Combine(outDir, "good.mp4")).Length);
        var record = Record(outDir);
        Assert.Equal("done", StatusOf(record, "good.mp4"));
        Assert.Equal("failed", StatusOf(record, "bad.mp4"));
        Assert.False(File.Exists(Path.Combine(outDir, "bad.mp4")));
    }

    [Theory]
    [InlineData("--shard", "3/2")]
    [InlineData("--shard", "0/0")]
    [InlineData("--chunk-frames", "-4")]
    [InlineData("--ext", ".txt")]
    public void BadOptions_AreOneLineErrors_AndNothingIsWritten(string option, string value)
    {
        string clip = Clip("a.mp4", 5);
        string outDir = _dir.File("out");
        var r = Batch(clip, "-o", outDir, option, value);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(outDir), "an output folder was made for a refused run");
    }

    [Fact]
    public void AListNamingAMissingFile_IsRefused_NamingTheLine()
    {
        string clip = Clip("a.mp4", 5);
        File.WriteAllText(_dir.File("list.txt"), $"# inputs\n{clip}\n\nmissing.mp4\n");
        string outDir = _dir.File("out");
        var r = Batch("--list", _dir.File("list.txt"), "-o", outDir);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("line 4", r.Stderr);
        Assert.Contains("missing.mp4", r.Stderr);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void VideoRange_BadOrPastTheEnd_IsRefused_AndNoOutputIsLeft()
    {
        string clip = Clip("a.mp4", 10);
        foreach (string range in new[] { "50..10", "12.." })
        {
            var r = Cli.Run("video", clip, "-o", _dir.File("o.mp4"), "--range", range, "--model", _model, "--device", "cpu");
            Assert.Equal(ExitCodes.BadInput, r.ExitCode);
            Assert.DoesNotContain("   at ", r.Stderr);
            Assert.False(File.Exists(_dir.File("o.mp4")));
        }
    }
}
