using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary>Box decoding and weighted non-maximum suppression on hand-made raw tensors (short-range layout: 896 anchors, 128 px).</summary>
public class FaceDecoderTests
{
    private static readonly FaceModelSpec s_spec = FaceModels.Short;
    private static readonly float[] s_anchors = SsdAnchors.Centres(128, [8, 16, 16, 16], 1f);

    private static (float[] Regressors, float[] Scores) Empty()
    {
        var scores = new float[896];
        Array.Fill(scores, -10f); // sigmoid(−10) ≈ 4.5e-5: below any threshold
        return (new float[896 * 16], scores);
    }

    /// <summary>Anchor <paramref name="a"/> says: a box offset (dx, dy) input pixels from the anchor, w x h pixels, with this logit.</summary>
    private static void Put(float[] reg, float[] scores, int a, float dx, float dy, float w, float h, float logit)
    {
        reg[a * 16] = dx;
        reg[a * 16 + 1] = dy;
        reg[a * 16 + 2] = w;
        reg[a * 16 + 3] = h;
        scores[a] = logit;
    }

    private static float Sigmoid(float x) => 1 / (1 + MathF.Exp(-x));

    [Fact]
    public void Decode_OneConfidentAnchor_BoxIsAnchorPlusOffsetOverInputSide()
    {
        var (reg, scores) = Empty();
        int a = 512 + 6 * (8 * 3 + 4); // 8x8 grid, row 3, column 4: centre (4.5/8, 3.5/8)
        Put(reg, scores, a, 12.8f, -6.4f, 25.6f, 38.4f, 2f);
        var faces = new FaceDetection[4];
        int n = new FaceDecoder(s_spec).Decode(reg, scores, faces);
        Assert.Equal(1, n);
        float cx = 4.5f / 8 + 0.1f, cy = 3.5f / 8 - 0.05f;
        Assert.Equal(cx - 0.1f, faces[0].XMin, 5);
        Assert.Equal(cx + 0.1f, faces[0].XMax, 5);
        Assert.Equal(cy - 0.15f, faces[0].YMin, 5);
        Assert.Equal(cy + 0.15f, faces[0].YMax, 5);
        Assert.Equal(Sigmoid(2f), faces[0].Score, 6);
        Assert.Equal(4.5f / 8, s_anchors[2 * a], 6);
    }

    [Fact]
    public void Decode_ScoreBelowThreshold_IsDropped_AndHugeLogitsAreClipped()
    {
        var (reg, scores) = Empty();
        Put(reg, scores, 10, 0, 0, 20, 20, -0.01f);  // 0.4975 < 0.5
        Put(reg, scores, 700, 0, 0, 20, 20, 1e30f);  // clipped to 100: score 1, not NaN
        var faces = new FaceDetection[4];
        int n = new FaceDecoder(s_spec).Decode(reg, scores, faces);
        Assert.Equal(1, n);
        Assert.Equal(1f, faces[0].Score);
        Assert.Equal(s_anchors[1400], faces[0].CentreX, 5);
    }

    [Fact]
    public void Nms_OverlappingBoxesMergeWeightedByScore_KeepingTheBestScore_SeparateBoxStays()
    {
        var (reg, scores) = Empty();
        // Two anchors of the same cell (IoU of the boxes 0.67 > 0.3): logits 2 and 1, boxes 32 px wide, 4 px apart.
        Put(reg, scores, 512, 0, 0, 32, 32, 2f);
        Put(reg, scores, 513, 4, 0, 32, 32, 1f);
        // A box far away (bottom right) with a middling score.
        Put(reg, scores, 895, 0, 0, 16, 16, 1.5f);
        var faces = new FaceDetection[8];
        int n = new FaceDecoder(s_spec).Decode(reg, scores, faces);
        Assert.Equal(2, n);
        float s1 = Sigmoid(2f), s2 = Sigmoid(1f);
        float shift = s2 * (4 / 128f) / (s1 + s2);
        Assert.Equal(s1, faces[0].Score, 6);
        Assert.Equal(1 / 16f - 0.125f + shift, faces[0].XMin, 5);
        Assert.Equal(1 / 16f + 0.125f + shift, faces[0].XMax, 5);
        Assert.Equal(1 / 16f - 0.125f, faces[0].YMin, 5);
        Assert.Equal(Sigmoid(1.5f), faces[1].Score, 6);
        Assert.Equal(15 / 16f, faces[1].CentreX, 5);
    }

    [Fact]
    public void Nms_BoxesBelowTheOverlapThreshold_StaySeparate_BestFirst()
    {
        var (reg, scores) = Empty();
        // Same size 32 px, 24 px apart: IoU = 8/56 ≈ 0.14 < 0.3.
        Put(reg, scores, 512, 0, 0, 32, 32, 1f);
        Put(reg, scores, 513, 24, 0, 32, 32, 3f);
        var faces = new FaceDetection[8];
        int n = new FaceDecoder(s_spec).Decode(reg, scores, faces);
        Assert.Equal(2, n);
        Assert.Equal(Sigmoid(3f), faces[0].Score, 6);
        Assert.Equal(1 / 16f + 24 / 128f, faces[0].CentreX, 5);
        Assert.Equal(1 / 16f, faces[1].CentreX, 5);
    }

    [Fact]
    public void Decode_WritesNoMoreThanTheSpanHolds()
    {
        var (reg, scores) = Empty();
        for (int a = 0; a < 896; a += 40)
            Put(reg, scores, a, 0, 0, 4, 4, 3f);
        var faces = new FaceDetection[3];
        Assert.Equal(3, new FaceDecoder(s_spec).Decode(reg, scores, faces));
    }
}
