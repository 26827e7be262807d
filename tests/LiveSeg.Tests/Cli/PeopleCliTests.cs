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
        var r = Cli.Run(args);
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
