namespace LiveSeg.Tests;

/// <summary>The people options on the command line: bad values are one-line errors (exit 2) before any work.</summary>
public class PeopleCliTests
{
    [Theory]
    [InlineData("video", "--person", "tallest", "--person 'tallest': 'tallest' is not a person; use all, largest, center, left, right or person ids 1..9999 such as 1,3.")]
    [InlineData("video", "--person", "1,1", "--person '1,1': person 1 is named twice; name each id once.")]
    [InlineData("batch", "--person", "0", "--person '0': '0' is not a person")]
    [InlineData("video", "--face-model", "huge", "unknown face model 'huge': use short or full.")]
    [InlineData("video", "--detect-every", "0", "--detect-every")]
    public void BadPeopleValue_OneLineError_Exit2(string command, string option, string value, string expected)
    {
        string[] args = command == "batch"
            ? ["batch", "in.mp4", "-o", "/tmp/liveseg-no-such-out", option, value]
            : ["video", "in.mp4", "-o", "o.mp4", option, value];
        var r = Cli.Run(args);
        Assert.Equal(2, r.ExitCode);
        string line = r.Stderr.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith("liveseg: error: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void LiveMode_HasNoPersonOptionYet_SaysSoInOneLine()
    {
        var r = Cli.Run("live", "--person", "largest");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown option '--person'", r.Stderr);
    }
}
