using LiveSeg.Cli;
using LiveSeg.Inference;
using LiveSeg.Masks;
using Xunit;

namespace LiveSeg.Tests;

/// <summary>The engine's messages name settings by property; the CLI renders them with its flags, word for word as before.</summary>
public sealed class SettingFlagsTests
{
    [Fact]
    public void The_engine_names_the_setting_and_the_cli_its_flag()
    {
        var e = Assert.Throws<LiveSegException>(() => new MaskSettings { Smoothing = 0.99f }.Validated());
        Assert.Equal("Smoothing 0.99 is out of range: use 0 (off) to 0.98.", e.Message);
        Assert.Equal("--smooth 0.99 is out of range: use 0 (off) to 0.98.", SettingFlags.Describe(e));
    }

    [Fact]
    public void A_message_naming_no_setting_is_rendered_as_it_is()
    {
        var e = new LiveSegException("input 'a.mp4' does not exist: check the path.");
        Assert.Equal(e.Message, SettingFlags.Describe(e));
        Assert.Equal("--crf", SettingFlags.Flag("Crf"));
        Assert.Equal("Unknown", SettingFlags.Flag("Unknown"));
    }
}
