namespace LiveSeg.Tests;

/// <summary>Issue 27, item 2: response files are bounded and their errors are one line (exit 2), as docs/cli.md says.</summary>
public sealed class ResponseFilesTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Tokenize_SpacesQuotesAndComments_AsReadmeSays()
    {
        var tokens = ResponseFiles.Tokenize("video \"in put.mp4\" -o out.mkv # a comment\n# a line\n--blur 7 a#b \"say \\\"hi\\\"\"\r\n");
        Assert.Equal(["video", "in put.mp4", "-o", "out.mkv", "--blur", "7", "a#b", "say \"hi\""], tokens);
    }

    [Fact]
    public void Expand_NestedFiles_AreReplacedInPlace()
    {
        var files = new Dictionary<string, string> { ["a.rsp"] = "video @b.rsp --frames 3", ["b.rsp"] = "in.mp4 -o out.mp4" };
        Assert.Equal(["video", "in.mp4", "-o", "out.mp4", "--frames", "3", "-v"], ResponseFiles.Expand(["@a.rsp", "-v"], p => files[p]));
    }

    [Fact]
    public void Expand_AChainThatComesBack_IsAnError()
    {
        var files = new Dictionary<string, string> { ["a.rsp"] = "@b.rsp", ["b.rsp"] = "x @a.rsp" };
        var e = Assert.Throws<LiveSegException>(() => ResponseFiles.Expand(["@a.rsp"], p => files[p]));
        Assert.Equal("response file 'a.rsp' includes itself (a.rsp → b.rsp → a.rsp): remove the @ line that names it.", e.Message);
    }

    [Fact]
    public void Expand_DeeperThanTheLimit_IsAnError()
    {
        var e = Assert.Throws<LiveSegException>(() => ResponseFiles.Expand(["@0"], p => $"@{int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) + 1}"));
        Assert.Contains($"nested more than {ResponseFiles.MaxDepth} deep", e.Message);
    }

    [Fact]
    public void Expand_TooManyArguments_IsAnError()
    {
        string many = string.Join(' ', Enumerable.Repeat("x", ResponseFiles.MaxArguments / 4 + 1));
        var e = Assert.Throws<LiveSegException>(() => ResponseFiles.Expand(["@a", "@a", "@a", "@a"], _ => many));
        Assert.Contains($"more than {ResponseFiles.MaxArguments} arguments", e.Message);
    }

    [Fact]
    public void Cli_AFileThatIncludesItself_IsOneLineExit2()
    {
        File.WriteAllText(_dir.File("self.rsp"), $"video @{_dir.File("self.rsp")}\n");
        AssertOneLineError(Cli.Run($"@{_dir.File("self.rsp")}"), $"liveseg: error: response file '{_dir.File("self.rsp")}' includes itself (self.rsp → self.rsp)");
    }

    [Fact]
    public void Cli_AMissingFile_SaysItIsMissing()
    {
        AssertOneLineError(Cli.Run($"@{_dir.File("missing.rsp")}"), $"liveseg: error: response file '{_dir.File("missing.rsp")}' does not exist: check the path.");
    }

    [Fact]
    public void Cli_DevZero_IsRefusedBySize()
    {
        AssertOneLineError(Cli.Run("@/dev/zero"), "liveseg: error: response file '/dev/zero' is larger than 1 MiB");
    }

    [Fact]
    public void Cli_CommentsInAResponseFile_AreSkipped()
    {
        File.WriteAllLines(_dir.File("help.rsp"), ["# the video command's help", "video --help  # every option"]);
        var r = Cli.Run($"@{_dir.File("help.rsp")}");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("--blur", r.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[suggest:-5]")]
    [InlineData("[suggest:x]")]
    [InlineData("[suggest:5")]
    public void Cli_ABadSuggestDirective_IsOneLineExit2(string directive)
    {
        AssertOneLineError(Cli.Run(directive, "video", "in.mp4"), $"liveseg: error: directive '{directive}' is not [suggest] or [suggest:N]");
    }

    [Fact]
    public void Cli_ASuggestPositionPastTheEnd_CompletesAtTheEnd()
    {
        var r = Cli.Run("[suggest:99999]", "vi");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("video", r.Stdout.Trim());
    }

    private static void AssertOneLineError(Cli.Result r, string start)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(start, r.Stderr, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
