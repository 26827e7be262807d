using LiveSeg.Effects;
using LiveSeg.Masks;
using LiveSeg.Rendering;

namespace LiveSeg.Tests;

public class MaskRefinerTests
{
    /// <summary>A frame dark left of column <paramref name="edge"/>, bright from it on; the mask (model size) a soft ramp around it.</summary>
    private static (float[] Rgb, Mask Mask) StepScene(int w, int h, int edge, int mw, int mh)
    {
        var rgb = new float[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
                rgb[(y * w + x) * 3] = rgb[(y * w + x) * 3 + 1] = rgb[(y * w + x) * 3 + 2] = x < edge ? 0.1f : 0.9f;
        }
        var mask = new float[mw * mh];
        for (int y = 0; y < mh; y++)
        {
            for (int x = 0; x < mw; x++)
                mask[y * mw + x] = Math.Clamp(((x + 0.5f) * w / mw - edge) / (2f * w / mw) + 0.5f, 0f, 1f); // soft, centred on the edge
        }
        return (rgb, new Mask(mask, mw, mh));
    }

    [Theory]
    [InlineData(RefineKind.Guided)]
    [InlineData(RefineKind.Bilateral)]
    public void Refined_EdgeFollowsTheFrame_SharperThanBilinear(RefineKind kind)
    {
        const int w = 96, h = 8, edge = 44, mw = 12, mh = 1;
        var (rgb, mask) = StepScene(w, h, edge, mw, mh);
        var refiner = new MaskRefiner(RefineChoice.Method(kind));
        float[] refined = refiner.RefineToFrame(rgb, w, h, mask).Data;
        var off = new MaskRefiner(RefineMethod.Off);
        int row = 4 * w;
        // The refined mask (made at half resolution, then bilinear) changes side within a pixel of the frame's edge ...
        Assert.True(refined[row + edge - 2] < 0.5f, $"left of the edge: {refined[row + edge - 2]}");
        Assert.True(refined[row + edge + 1] > 0.5f, $"right of the edge: {refined[row + edge + 1]}");
        // ... and is much sharper there than the bilinear ramp (which spends ~16 px between 0.25 and 0.75).
        int soft = 0;
        for (int x = 0; x < w; x++)
            soft += refined[row + x] is > 0.25f and < 0.75f ? 1 : 0;
        Assert.True(soft <= 4, $"{soft} pixels between 0.25 and 0.75");
        Assert.Equal(RefineMethod.Off, off.Kind);
    }

    [Theory]
    [InlineData(641, 64)]
    [InlineData(37, 50)]
    [InlineData(1, 1)]
    [InlineData(1280, 256)]
    public void Centre_IsThePixelAtTheTexelCentre_InsideTheFrame(int frame, int mask)
    {
        for (int t = 0; t < mask; t++)
        {
            var (centre, before) = MaskRefiner.Centre(t, frame, mask);
            Assert.InRange(centre, 0, frame - 1);
            Assert.Equal(Math.Max(centre - 1, 0), before);
            Assert.Equal(Math.Min((int)Math.Floor((t + 0.5) * frame / mask), frame - 1), centre);
        }
    }
}
