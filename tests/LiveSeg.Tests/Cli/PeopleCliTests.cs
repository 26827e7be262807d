using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The people options on the command line: bad values are one-line errors (exit 2) before any work, in every command
/// that has them; and the chosen people are all that the matte and --effect alpha hold.
/// </summary>
public sealed class PeopleCliTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Theory]
    [InlineData("video", "--person", "tallest", "--person 'tallest': 'tallest' is not a person; use all, largest, center, left, right or person ids 1..9999 such as 1,3.")]
    [InlineData("video", "--person", "1,1", "--person '1,1': person 1 is named twice; name each id once.")]
    [InlineData("batch", "--person", "0", "--person '0': '0' is not a person")]
    [InlineData("video", "--face-model", "huge", "unknown face model 'huge': use short or full.")]
    [InlineData("video", "--detect-every", "0", "--detect-every")]
    [InlineData("live", "--person", "tallest", "--person 'tallest': 'tallest' is not a person; use all, largest, center, left, right or person ids 1..9999 such as 1,3.")]
    [InlineData("live", "--person", "2,x", "--person '2,x': 'x' is not a person")]
    [InlineData("live", "--face-model", "huge", "unknown face model 'huge': use short or full.")]
    [InlineData("live", "--detect-every", "31", "--detect-every")]
    public void BadPeopleValue_OneLineError_Exit2(string command, string option, string value, string expected)
    {
        string[] args = command switch
        {
            "batch" => ["batch", "in.mp4", "-o", "/tmp/liveseg-no-such-out", option, value],
            "live" => ["live", "--input", "in.mp4", option, value],
            _ => ["video", "in.mp4", "-o", "o.mp4", option, value],
        };
        AssertOneLineUserError(Cli.Run(args), expected);
    }

    [Theory]
    [InlineData("2,x", "--people '2,x': 'x' is not a number of people; give counts 1..8 such as 2,3,4.")]
    [InlineData("0", "--people '0': '0' is not a number of people")]
    [InlineData("9", "--people '9': '9' is not a number of people")]
    public void QualityPeople_BadCount_OneLineError_Exit2(string value, string expected)
    {
        var r = Cli.Run("quality", "--people", value);
        AssertOneLineUserError(r, expected);
    }

    [Fact]
    public void QualityPeople_WithARealVideo_SaysItHasNoPerPersonTruth_Exit2()
    {
        var r = Cli.Run("quality", "--people", "2", "talk.mp4");
        AssertOneLineUserError(r, "quality --people measures generated clips only: 'talk.mp4' has no per-person ground truth");
    }

    [Theory]
    [InlineData("video", "--detect-every", "3")]
    [InlineData("video", "--face-model", "short")]
    [InlineData("batch", "--detect-every", "2")]
    [InlineData("live", "--face-model", "short")]
    public void DetectorOption_WithoutPeople_SaysItNeedsThem_Exit2(string command, string option, string value)
    {
        // Before: accepted and ignored (no people stage runs without --person or --autoframe). Checked before the model
        // is resolved (a fresh machine fetched the body model first and said so): a missing model file is not reached.
        var clip = _dir.File("in.mp4");
        Synthetic.WriteVideo(clip, 3, 64, 48, 25);
        string[] args = command switch
        {
            "batch" => ["batch", clip, "-o", _dir.File("out"), option, value],
            "live" => ["live", "--input", clip, "--no-window", "--screenshot", _dir.File("s.png"), option, value], // no display needed
            _ => ["video", clip, "-o", _dir.File("o.mp4"), option, value],
        };
        AssertOneLineUserError(Cli.Run([.. args, "--model", _dir.File("missing.onnx")]), $"{option} {value}: only when people are found: add --person");
    }

    [Fact]
    public void QualityAutoframe_WithoutPeople_SaysItNeedsThem_Exit2()
    {
        var clip = _dir.File("in.mp4");
        Synthetic.WriteVideo(clip, 3, 64, 48, 25);
        AssertOneLineUserError(Cli.Run("quality", "--autoframe", clip), "--autoframe: only with --people");
    }

    [Fact]
    public void QualityPeople_DatasetWithoutMasks_NamesTheMissingFolder_BeforeAnyOutput_Exit2()
    {
        // Before: the table's header, then "has only 0 photos … whose face the detector finds; ask for at most 0 people".
        Directory.CreateDirectory(Path.Combine(_dir.Path, "ds", "images"));
        var r = Cli.Run("quality", "--people", "2", "--people-dataset", Path.Combine(_dir.Path, "ds"));
        AssertOneLineUserError(r, "has no masks/ folder");
        Assert.Equal("", r.Stdout.Trim());
    }

    [Fact]
    public void Quality_WithoutClipOrPeople_SaysWhatItNeeds_Exit2()
    {
        var r = Cli.Run("quality");
        AssertOneLineUserError(r, "quality needs a CLIP to measure (a video file), or --people N[,N…]");
    }

    /// <summary>The table has its columns and one row per count; --json one object per clip with the same figures (and, with --autoframe, the camera's).</summary>
    [Fact]
    [Slow]
    public void QualityPeople_GeneratedClips_TableAndJson()
    {
        string dataset = Repo.Shared("datasets", "person"), scene = Repo.Shared("datasets", "videos", "one-by-one-person-detection.mp4");
        Assert.True(Directory.Exists(dataset) && File.Exists(scene), $"this test needs {dataset} and {scene} (../shared)");
        string[] common = ["quality", "--people", "2,3", "--frames", "8", "--people-dataset", dataset, "--people-scene", scene];
        var table = Cli.Run(common);
        Assert.True(table.ExitCode == 0, table.Stdout + table.Stderr);
        string[] lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("matched IoU") && l.Contains("switches") && l.Contains("per min") && l.Contains("locked kept") && l.Contains("people ms p50"));
        Assert.Single(lines, l => l.TrimStart().StartsWith("2 "));
        Assert.Single(lines, l => l.TrimStart().StartsWith("3 "));
        var json = Cli.Run([.. common, "--json", "--autoframe"]);
        Assert.True(json.ExitCode == 0, json.Stdout + json.Stderr);
        var objects = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2, 3], objects.Select(o => o.GetProperty("people").GetInt32()));
        foreach (var o in objects)
        {
            Assert.Equal(8, o.GetProperty("frames").GetInt32());
            Assert.InRange(o.GetProperty("matched_iou").GetDouble(), 0.5, 1);
            Assert.Equal(o.GetProperty("people").GetInt32(), o.GetProperty("photos").GetArrayLength());
            Assert.True(o.TryGetProperty("id_switches_per_minute", out _) && o.TryGetProperty("locked_kept", out _) && o.TryGetProperty("people_ms_p50", out _));
            // --autoframe: the camera's jitter within its bounds (0.002 a frame² per axis), the person's offsets as shares of the frame.
            var frame = o.GetProperty("autoframe");
            Assert.InRange(frame.GetProperty("centre_accel_max").GetDouble(), 0, 0.002 * Math.Sqrt(2) + 1e-6);
            Assert.InRange(frame.GetProperty("size_accel_max").GetDouble(), 0, 0.002 + 1e-6);
            Assert.InRange(frame.GetProperty("off_centre_mean").GetDouble(), 0, 0.71);
            Assert.InRange(frame.GetProperty("input_off_centre_mean").GetDouble(), 0, 0.71);
        }
    }

    private static void AssertOneLineUserError(Cli.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        string line = r.Stderr.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("liveseg: error: ", line);
        Assert.Contains(expected, line);
    }

    /// <summary>
    /// --person ID in 'liveseg video': the people stage filters the mask before the matte and the alpha are written, so
    /// each holds the one person chosen (ids 1 and 2 are the two people in some order: each id keeps one, not the same).
    /// </summary>
    [Slow]
    [Fact]
    public void MatteAndAlpha_HoldOnlyThePersonChosen()
    {
        using var scene = TwoPeopleScene.Make();
        string clip = _dir.File("two.mkv");
        scene.WriteClip(clip, 4);
        var kept = new Dictionary<string, (double Left, double Right)>();
        foreach (string id in new[] { "1", "2" })
        {
            string output = _dir.File($"out{id}.mp4"), matte = _dir.File($"matte{id}.mkv"), alpha = _dir.File($"alpha{id}.mkv");
            var r = Cli.Run("video", clip, "-o", output, "--matte", matte, "--person", id, "--model", TwoPeopleScene.BodyModel, "--device", "cpu", "--detect-every", "1");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            r = Cli.Run("video", clip, "-o", alpha, "--effect", "alpha", "--person", id, "--model", TwoPeopleScene.BodyModel, "--device", "cpu", "--detect-every", "1");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            using var last = FfmpegDecode.Frames(matte)[^1];
            var fromMatte = (Shown(scene, last, 1), Shown(scene, last, 2));
            using var lastAlpha = FfmpegDecode.Frames(alpha, alpha: true)[^1];
            using var a = lastAlpha.ExtractChannel(3);
            using var alphaAsBgr = a.CvtColor(ColorConversionCodes.GRAY2BGR);
            var fromAlpha = (Shown(scene, alphaAsBgr, 1), Shown(scene, alphaAsBgr, 2));
            Assert.True(Math.Abs(fromMatte.Item1 - fromAlpha.Item1) < 0.05 && Math.Abs(fromMatte.Item2 - fromAlpha.Item2) < 0.05,
                $"--person {id}: the alpha {fromAlpha} holds what the matte {fromMatte} holds");
            kept[id] = fromMatte;
            var (one, other) = Math.Max(fromMatte.Item1, fromMatte.Item2) == fromMatte.Item1 ? fromMatte : (fromMatte.Item2, fromMatte.Item1);
            Assert.True(one > 0.8 && other < 0.02, $"--person {id}: the matte holds one person ({one:P0}) and not the other ({other:P0})");
        }
        Assert.True((kept["1"].Left > 0.5) != (kept["2"].Left > 0.5), "ids 1 and 2 keep different people");
    }

    /// <summary>The share of a person's pixels where a matte (BGR, grey) is over half.</summary>
    private static double Shown(TwoPeopleScene scene, Mat matte, int person) => scene.Shown(matte, person, (m, _) => m.Item0 > 127);

    public void Dispose() => _dir.Dispose();
}
