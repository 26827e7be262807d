using LiveSeg.Masks;

namespace LiveSeg.People;

/// <summary>
/// Person mask + face boxes → an instance map: which person each mask pixel belongs to. Contract: mask float 0..1,
/// W x H, top-left origin; faces in 0..1 of the same frame; labels byte, W x H: 0 = no person, k = face k − 1.
/// <para>Geodesic assignment: every person pixel (mask ≥ <see cref="Threshold"/>) goes to the face it is nearest to
/// along paths inside the mask, seeded at each face's pixels. A step costs 1 inside that person's expected body region
/// (a column about <see cref="BodyHalfWidthFaces"/> face widths either side of the face, from the face down) and
/// <see cref="OutsideCost"/> outside it, so where two people touch the border follows the bodies below the faces, not
/// the shortest way round. Person pixels no path reaches (a part cut off from its face) go to the face whose body
/// column holds them, nearest first. Dial's algorithm on integer costs; every buffer is made once for the mask size.</para>
/// </summary>
internal sealed class InstanceSplit
{
    public const float Threshold = 0.1f;
    public const float BodyHalfWidthFaces = 1.6f;
    public const int OutsideCost = 4;
    private const int Buckets = OutsideCost + 1;
    private readonly int _w, _h;
    private readonly int[] _dist;
    private readonly int[][] _bucket = new int[Buckets][];
    private readonly int[] _bucketCount = new int[Buckets];
    private readonly (int X0, int X1, int Y0)[] _body = new (int, int, int)[PersonTracker.MaxTracks];

    public InstanceSplit(int width, int height)
    {
        (_w, _h) = (width, height);
        _dist = new int[width * height];
        // Each pixel is pushed at most once per improvement from one of its 4 neighbours, plus once as a seed.
        for (int b = 0; b < Buckets; b++)
            _bucket[b] = new int[5 * width * height];
        Labels = new byte[width * height];
    }

    public byte[] Labels { get; }

    public int Width => _w;

    public int Height => _h;

    /// <summary>Splits <paramref name="people"/> among <paramref name="faces"/> (at most <see cref="PersonTracker.MaxTracks"/>) into <see cref="Labels"/>.</summary>
    public void Run(Mask people, ReadOnlySpan<FaceDetection> faces)
    {
        if (!people.IsSize(_w, _h))
            throw new ArgumentException($"a {people.Width}x{people.Height} mask for a {_w}x{_h} split", nameof(people));
        ReadOnlySpan<float> mask = people.Data;
        int n = _w * _h, count = Math.Min(faces.Length, PersonTracker.MaxTracks);
        Array.Clear(Labels);
        if (count == 0)
            return;
        Array.Fill(_dist, int.MaxValue);
        Array.Clear(_bucketCount);
        for (int k = 0; k < count; k++)
        {
            var f = faces[k];
            float half = BodyHalfWidthFaces * f.Width;
            _body[k] = ((int)MathF.Floor((f.CentreX - half) * _w), (int)MathF.Ceiling((f.CentreX + half) * _w), (int)MathF.Floor(f.YMin * _h));
            int x0 = Math.Clamp((int)MathF.Floor(f.XMin * _w), 0, _w - 1), x1 = Math.Clamp((int)MathF.Ceiling(f.XMax * _w), x0 + 1, _w);
            int y0 = Math.Clamp((int)MathF.Floor(f.YMin * _h), 0, _h - 1), y1 = Math.Clamp((int)MathF.Ceiling(f.YMax * _h), y0 + 1, _h);
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    int p = y * _w + x;
                    if (mask[p] < Threshold || _dist[p] == 0)
                        continue; // a pixel in two face boxes stays with the first (better-scored) face
                    _dist[p] = 0;
                    Labels[p] = (byte)(k + 1);
                    _bucket[0][_bucketCount[0]++] = p;
                }
            }
        }
        Propagate(mask, n);
        AssignUnreached(mask, count);
    }

    private void Propagate(ReadOnlySpan<float> mask, int n)
    {
        int pending = _bucketCount[0];
        for (int d = 0; pending > 0; d++)
        {
            int b = d % Buckets;
            for (int i = 0; i < _bucketCount[b]; i++)
            {
                int p = _bucket[b][i];
                pending--;
                if (_dist[p] != d)
                    continue; // a stale entry: reached more cheaply since
                int label = Labels[p];
                int x = p % _w, y = p / _w;
                if (x > 0) pending += Relax(p - 1, x - 1, y, d, label, mask);
                if (x < _w - 1) pending += Relax(p + 1, x + 1, y, d, label, mask);
                if (y > 0) pending += Relax(p - _w, x, y - 1, d, label, mask);
                if (y < _h - 1) pending += Relax(p + _w, x, y + 1, d, label, mask);
            }
            _bucketCount[b] = 0;
        }
    }

    private int Relax(int q, int x, int y, int d, int label, ReadOnlySpan<float> mask)
    {
        if (mask[q] < Threshold)
            return 0;
        var (x0, x1, y0) = _body[label - 1];
        int nd = d + (x >= x0 && x < x1 && y >= y0 ? 1 : OutsideCost);
        if (nd >= _dist[q])
            return 0;
        _dist[q] = nd;
        Labels[q] = (byte)label;
        int b = nd % Buckets;
        _bucket[b][_bucketCount[b]++] = q;
        return 1;
    }

    /// <summary>Person pixels no path from a face reached: the face whose body column holds them, nearest centre first.</summary>
    private void AssignUnreached(ReadOnlySpan<float> mask, int count)
    {
        for (int y = 0; y < _h; y++)
        {
            for (int x = 0; x < _w; x++)
            {
                int p = y * _w + x;
                if (Labels[p] != 0 || mask[p] < Threshold)
                    continue;
                int best = 0, bestDist = int.MaxValue;
                for (int k = 0; k < count; k++)
                {
                    var (x0, x1, y0) = _body[k];
                    int dist = Math.Abs(2 * x - (x0 + x1));
                    if (x >= x0 && x < x1 && y >= y0 && dist < bestDist)
                        (best, bestDist) = (k + 1, dist);
                }
                Labels[p] = (byte)best;
            }
        }
    }
}
