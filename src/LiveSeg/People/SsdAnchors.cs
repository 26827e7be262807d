namespace LiveSeg.People;

/// <summary>
/// SSD anchor centres as MediaPipe's SsdAnchorsCalculator makes them with <c>fixed_anchor_size: true</c> (every anchor
/// is 1x1, so only the centre matters), anchor offset 0.5, aspect ratio 1. Layers of equal stride share one grid;
/// each layer puts one anchor per cell, plus one more when the interpolated scale is on. Order: layer group, then
/// row, then column, then anchor — the order of the model's output rows.
/// </summary>
internal static class SsdAnchors
{
    /// <summary>Anchors per cell of each group of equal strides, with the group's stride.</summary>
    private static IEnumerable<(int Stride, int PerCell)> Groups(int[] strides, float interpolatedAspect)
    {
        for (int layer = 0; layer < strides.Length;)
        {
            int last = layer;
            int perCell = 0;
            while (last < strides.Length && strides[last] == strides[layer])
            {
                perCell += interpolatedAspect > 0 ? 2 : 1;
                last++;
            }
            yield return (strides[layer], perCell);
            layer = last;
        }
    }

    public static int Count(int side, int[] strides, float interpolatedAspect) =>
        Groups(strides, interpolatedAspect).Sum(g => Cells(side, g.Stride) * Cells(side, g.Stride) * g.PerCell);

    private static int Cells(int side, int stride) => (side + stride - 1) / stride;

    /// <summary>Anchor centres, (x, y) pairs in 0..1 of the model input.</summary>
    public static float[] Centres(int side, int[] strides, float interpolatedAspect)
    {
        var centres = new float[2 * Count(side, strides, interpolatedAspect)];
        int k = 0;
        foreach (var (stride, perCell) in Groups(strides, interpolatedAspect))
        {
            int n = Cells(side, stride);
            for (int y = 0; y < n; y++)
            {
                for (int x = 0; x < n; x++)
                {
                    for (int a = 0; a < perCell; a++)
                    {
                        centres[k++] = (x + 0.5f) / n;
                        centres[k++] = (y + 0.5f) / n;
                    }
                }
            }
        }
        return centres;
    }
}
