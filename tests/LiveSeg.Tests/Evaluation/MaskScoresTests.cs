namespace LiveSeg.Tests;

public class MaskScoresTests
{
    private static byte[] Mask(string rows) => rows.Where(c => c is '#' or '.').Select(c => c == '#' ? (byte)255 : (byte)0).ToArray();

    [Fact]
    public void Of_HandMadeMasks_GivesDiceJaccardAccuracy()
    {
        byte[] truth = Mask("####.... ####.... ........ ........"); // 8 px
        byte[] pred = Mask("..####.. ..####.. ........ ........");  // 8 px, 4 overlap
        var s = LiveSeg.Evaluation.MaskScores.Of(pred, truth);
        Assert.Equal(2.0 * 4 / (8 + 8), s.Dice, 12);
        Assert.Equal(4.0 / 12, s.Jaccard, 12);
        Assert.Equal(24.0 / 32, s.Accuracy, 12);
        Assert.Equal((8L, 8L, 32L), (s.Predicted, s.Truth, s.Pixels));
    }

    [Fact]
    public void Of_IdenticalAndBothEmpty_ArePerfect_DisjointIsZero()
    {
        byte[] a = Mask("##.. ##..");
        Assert.Equal(1.0, LiveSeg.Evaluation.MaskScores.Of(a, a).Dice);
        byte[] empty = Mask(".... ....");
        var e = LiveSeg.Evaluation.MaskScores.Of(empty, empty);
        Assert.Equal((1.0, 1.0, 1.0), (e.Dice, e.Jaccard, e.Accuracy));
        var d = LiveSeg.Evaluation.MaskScores.Of(a, Mask("..## ..##"));
        Assert.Equal((0.0, 0.0, 0.0), (d.Dice, d.Jaccard, d.Accuracy));
    }
}
