using LiveSeg.Masks;
using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary>
/// The people's remembered shapes on hand-made frames (masks, colours, faces): a person in front keeps their outline
/// where two overlap (not the straight cut between body columns), who is in front follows the colours, a person whose
/// face is hidden is found by their body, and a shape that no longer matches the frame seeds nobody.
/// </summary>
public class ShapeMemoryTests
{
    private const int W = 40, H = 30;
    private static readonly byte[] Red = [40, 40, 210], Blue = [210, 60, 40];

    /// <summary>A frame: mask 1 and the person's colour inside each (x0, x1) body (rows 6..29) and its face box (rows 0..5), back to front.</summary>
    private sealed class Frame
    {
        public readonly Mask Mask = new(W, H);
        public readonly byte[] Bgr = new byte[3 * W * H];

        public Frame Person(int x0, int x1, byte[] colour, bool stripes = false)
        {
            int c = (x0 + x1) / 2;
            for (int y = 0; y < H; y++)
            {
                int a = y < 6 ? c - 3 : x0, b = y < 6 ? c + 3 : x1;
                for (int x = Math.Max(0, a); x < Math.Min(W, b); x++)
                {
                    Mask[x, y] = 1;
                    // Stripes: every third column darker (texture that tells one placement from a shifted one).
                    byte shade = (byte)(stripes && (x - x0) % 3 == 0 ? 2 : 1);
                    for (int ch = 0; ch < 3; ch++)
                        Bgr[3 * (y * W + x) + ch] = (byte)(colour[ch] / shade);
                }
            }
            return this;
        }
    }

    private static FaceDetection FaceOf(int x0, int x1, int offset = 0)
    {
        int c = (x0 + x1) / 2 + offset;
        return new((float)(c - 3) / W, 0, (float)(c + 3) / W, 6f / H, 0.9f);
    }

    private static byte At(InstanceSplit s, int x, int y) => s.Labels[y * W + x];

    /// <summary>Remembers the one person of <paramref name="frame"/> (every mask pixel theirs) as <paramref name="seed"/>.</summary>
    private static void Remember(ShapeMemory memory, Frame frame, PersonSeed seed)
    {
        var labels = new byte[W * H];
        for (int p = 0; p < labels.Length; p++)
            labels[p] = frame.Mask.Data[p] > 0 ? (byte)1 : (byte)0;
        memory.Capture(labels, frame.Bgr, [seed]);
    }

    /// <summary>Frame 1: the two people apart (both remembered whole); frame 2: they overlap, the one in front drawn last.</summary>
    private static InstanceSplit Crossing(bool redInFront)
    {
        var split = new InstanceSplit(W, H);
        var apart = new Frame().Person(4, 14, Red).Person(24, 34, Blue);
        split.Next(apart.Mask, [new(1, FaceOf(4, 14), true), new(2, FaceOf(24, 34), true)], apart.Bgr);
        // Red moves 8 px right (body 12..22), blue 6 px left (18..28): columns 18..21 are both's.
        var over = redInFront ? new Frame().Person(18, 28, Blue).Person(12, 22, Red) : new Frame().Person(12, 22, Red).Person(18, 28, Blue);
        split.Next(over.Mask, [new(1, FaceOf(12, 22), true, 8f / W), new(2, FaceOf(18, 28), true, -6f / W)], over.Bgr);
        return split;
    }

    [Fact]
    public void Overlap_GoesToThePersonInFront_AlongTheirOutline()
    {
        // The body columns alone cut at x = 20 (midway between the faces): columns 20 and 21 are red's body, in front.
        var split = Crossing(redInFront: true);
        for (int y = 8; y < H; y++)
        {
            for (int x = 12; x < 22; x++)
                Assert.True(At(split, x, y) == 1, $"({x}, {y}) is {At(split, x, y)}, red (1) is in front there");
            for (int x = 22; x < 28; x++)
                Assert.True(At(split, x, y) == 2, $"({x}, {y}) is {At(split, x, y)}, blue (2) shows there");
        }
    }

    [Fact]
    public void WhoIsInFront_FollowsTheColours()
    {
        // The same places, blue drawn over red: the overlap (columns 18..21) is blue's, red keeps 12..17. (Without the
        // colours, the last frame's regions moved along each person's motion decide, and red's lands there first.)
        var split = Crossing(redInFront: false);
        for (int y = 8; y < H; y++)
        {
            for (int x = 12; x < 18; x++)
                Assert.True(At(split, x, y) == 1, $"({x}, {y}) is {At(split, x, y)}, only red shows there");
            for (int x = 18; x < 28; x++)
                Assert.True(At(split, x, y) == 2, $"({x}, {y}) is {At(split, x, y)}, blue (2) is in front there");
        }
    }

    [Fact]
    public void WhereTheShapeInFrontNoLongerFits_ThePersonBehindShowsThrough()
    {
        // Red (in front) and blue overlap on columns 18..21; red's shape there fits down to row 19, but below it blue
        // shows (red has moved a leg): those pixels are blue's, not nobody's.
        var memory = new ShapeMemory(W, H);
        Remember(memory, new Frame().Person(4, 14, Red), new(1, FaceOf(4, 14), true));
        Remember(memory, new Frame().Person(24, 34, Blue), new(2, FaceOf(24, 34), true));
        var over = new Frame().Person(18, 28, Blue).Person(12, 22, Red);
        for (int y = 20; y < H; y++)
        {
            for (int x = 18; x < 22; x++)
                Blue.CopyTo(over.Bgr, 3 * (y * W + x));
        }
        memory.Place(over.Mask.Data, over.Bgr, [new(1, FaceOf(12, 22), true), new(2, FaceOf(18, 28), true)]);
        Assert.Equal(1, memory.InFront[25 * W + 19]);
        Assert.Equal(1, memory.Owner[10 * W + 19]);
        Assert.Equal(2, memory.Owner[25 * W + 19]);
        Assert.Equal(2, memory.Owner[25 * W + 24]);
    }

    /// <summary>
    /// Blue (striped) is remembered at 24..34; next frame they are at 20..30 (<paramref name="moved"/>) with their face
    /// hidden and predicted 3 px too far right, and their shape is placed.
    /// </summary>
    private static ShapeMemory BlueMovedWithTheirFaceHidden(out Frame moved)
    {
        var memory = new ShapeMemory(W, H);
        Remember(memory, new Frame().Person(24, 34, Blue, stripes: true), new(5, FaceOf(24, 34), true));
        moved = new Frame().Person(20, 30, Blue, stripes: true);
        memory.Place(moved.Mask.Data, moved.Bgr, [new(5, FaceOf(20, 30, offset: 3), false)]);
        return memory;
    }

    [Fact]
    public void HiddenFace_ShapeLandsWhereTheBodyIs_NotWhereThePredictionSays()
    {
        // Their shape is aligned on the stripes: it covers 20..29 and nothing right of it.
        var memory = BlueMovedWithTheirFaceHidden(out _);
        for (int y = 8; y < H; y++)
        {
            for (int x = 20; x < 30; x++)
                Assert.True(memory.InFront[y * W + x] == 1, $"({x}, {y}) is not covered by the shape");
            for (int x = 30; x < 34; x++)
                Assert.True(memory.InFront[y * W + x] == 0, $"({x}, {y}) is covered: the shape stayed where the prediction put it");
        }
    }

    [Fact]
    public void HiddenFace_FoundByBody_WhereTheShapeFits_NotWhereNothingFits()
    {
        // The hidden face predicted 3 px too far right is found where the body puts it (the face of 20..30).
        var memory = BlueMovedWithTheirFaceHidden(out var moved);
        Assert.True(memory.FoundByBody(0, out var found));
        Assert.Equal(FaceOf(20, 30).CentreX * W, found.CentreX * W, 0.5);
        // Someone else (red) where blue was predicted, and no blue anywhere: blue is not found.
        var other = new Frame().Person(20, 30, Red);
        memory.Place(other.Mask.Data, other.Bgr, [new(5, FaceOf(20, 30, offset: 3), false)]);
        Assert.False(memory.FoundByBody(0, out _));
        // A seen face is not searched for.
        memory.Place(moved.Mask.Data, moved.Bgr, [new(5, FaceOf(20, 30), true)]);
        Assert.False(memory.FoundByBody(0, out _));
    }

    [Fact]
    public void ShapeThatNoLongerMatches_SeedsNobody()
    {
        // Red is remembered at 4..14; next frame a blue person stands exactly there (red's face box predicted on them):
        // the shape lands but its colours do not fit, so it owns nothing.
        var memory = new ShapeMemory(W, H);
        var frame = new Frame().Person(4, 14, Red);
        Remember(memory, frame, new(3, FaceOf(4, 14), true));
        var other = new Frame().Person(4, 14, Blue);
        memory.Place(other.Mask.Data, other.Bgr, [new(3, FaceOf(4, 14), true)]);
        Assert.Equal(1, memory.InFront[20 * W + 8]);
        Assert.All(memory.Owner, o => Assert.Equal(0, o));
        // The same person again: it owns their pixels.
        memory.Place(frame.Mask.Data, frame.Bgr, [new(3, FaceOf(4, 14), true)]);
        Assert.Equal(1, memory.Owner[20 * W + 8]);
    }

    [Fact]
    public void TouchingPeople_AreRememberedOnlyOnce_UntilSeenApart()
    {
        // Two people touching at first sight are remembered as split; later, still touching but split differently,
        // they are not re-remembered (a cut is not an outline); apart, they are.
        var memory = new ShapeMemory(W, H);
        var labels = new byte[W * H];
        void Label(int cut, int gap)
        {
            Array.Clear(labels);
            for (int y = 6; y < H; y++)
                for (int x = 4; x < 34; x++)
                    labels[y * W + x] = x < cut ? (byte)1 : x >= cut + gap ? (byte)2 : (byte)0;
        }
        var bgr = new Frame().Person(4, 19, Red).Person(19, 34, Blue).Bgr;
        PersonSeed[] seeds = [new(1, FaceOf(4, 19), true), new(2, FaceOf(19, 34), true)];
        Label(cut: 19, gap: 0);
        memory.Capture(labels, bgr, seeds);
        var mask = new Mask(W, H);
        Array.Fill(mask.Data, 1f);
        memory.Place(mask.Data, bgr, seeds);
        Assert.Equal(1, memory.InFront[20 * W + 18]);
        Label(cut: 17, gap: 0);
        memory.Capture(labels, bgr, seeds);
        memory.Place(mask.Data, bgr, seeds);
        Assert.Equal(1, memory.InFront[20 * W + 18]); // still the first cut
        Label(cut: 17, gap: 2);
        memory.Capture(labels, bgr, seeds);
        memory.Place(mask.Data, bgr, seeds);
        Assert.Equal(0, memory.InFront[20 * W + 18]); // seen apart: the gap is nobody's
    }

    [Fact]
    public void Next_WithColours_AllocatesNothingPerFrame()
    {
        var split = new InstanceSplit(W, H);
        var apart = new Frame().Person(4, 14, Red).Person(24, 34, Blue);
        var over = new Frame().Person(18, 28, Blue).Person(12, 22, Red);
        PersonSeed[] a = [new(1, FaceOf(4, 14), true), new(2, FaceOf(24, 34), true)];
        PersonSeed[] b = [new(1, FaceOf(12, 22), true, 0.01f), new(2, FaceOf(18, 28), false, -0.01f)];
        split.Next(apart.Mask, a, apart.Bgr);
        split.Next(over.Mask, b, over.Bgr);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int f = 0; f < 5; f++)
        {
            split.Next(apart.Mask, a, apart.Bgr);
            split.Next(over.Mask, b, over.Bgr);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
