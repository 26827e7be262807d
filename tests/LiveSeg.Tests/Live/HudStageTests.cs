using LiveSeg.Capture;
using LiveSeg.Live;

namespace LiveSeg.Tests;

/// <summary>The HUD's people line: the ids in view, the kept ones bracketed when some are locked.</summary>
public sealed class HudStageTests
{
    private static PersonMark Mark(int id, bool kept) => new(id, new CropBox(0, 0, 0.1f, 0.1f), kept);

    [Fact]
    public void PeopleLine_Everyone_ListsTheIds_AndSaysHowToLock() =>
        Assert.Equal("people: 1 2 3  click one to lock", HudStage.PeopleLine([Mark(1, true), Mark(2, true), Mark(3, true)], locked: false));

    [Fact]
    public void PeopleLine_Locked_BracketsTheKeptOnes() =>
        Assert.Equal("people: 1 [2] 3  locked, A: all", HudStage.PeopleLine([Mark(1, false), Mark(2, true), Mark(3, false)], locked: true));

    [Fact]
    public void PeopleLine_NobodyInView_SaysSo() =>
        Assert.Equal("people: none in view  locked, A: all", HudStage.PeopleLine([], locked: true));
}
