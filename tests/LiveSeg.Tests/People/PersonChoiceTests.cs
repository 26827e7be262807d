using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary><c>--person</c> values: every accepted form, and one-line errors for bad ones.</summary>
public class PersonChoiceTests
{
    [Theory]
    [InlineData("all", "All")]
    [InlineData("largest", "Largest")]
    [InlineData("Center", "Center")]
    [InlineData("centre", "Center")]
    [InlineData("left", "Left")]
    [InlineData(" right ", "Right")]
    public void Parse_Names(string text, string kind) => Assert.Equal(kind, PersonChoice.Parse(text).Kind.ToString());

    [Fact]
    public void Parse_Ids_KeepsTheirOrder()
    {
        var c = PersonChoice.Parse("3,1,12");
        Assert.Equal(PersonChoiceKind.Ids, c.Kind);
        Assert.Equal([3, 1, 12], c.Ids);
        Assert.Equal("3,1,12", c.ToString());
    }

    [Theory]
    [InlineData("", "'' is not a person")]
    [InlineData("biggest", "'biggest' is not a person")]
    [InlineData("0", "'0' is not a person")]
    [InlineData("1,,2", "'' is not a person")]
    [InlineData("-1", "'-1' is not a person")]
    [InlineData("1,x", "'x' is not a person")]
    [InlineData("10000", "'10000' is not a person")]
    [InlineData("2,2", "person 2 is named twice")]
    public void Parse_BadValue_OneLineErrorNamingIt(string text, string expected)
    {
        var e = Assert.Throws<LiveSegException>(() => PersonChoice.Parse(text));
        Assert.Contains(expected, e.Message);
        Assert.Contains($"--person '{text}'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(2, e.ExitCode);
    }
}
