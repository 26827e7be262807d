using LiveSeg.Masks;

namespace LiveSeg.People;

/// <summary>
/// One person to split out: their tracked id, face box (0..1; predicted when not seen), whether the detector saw the
/// face, their motion (0..1 of the frame per frame), and whether the box is this frame's detection (not moved on
/// from an earlier one: only then is their shape remembered, registered to a box the detector drew).
/// </summary>
internal readonly record struct PersonSeed(int Id, FaceDetection Face, bool FaceSeen, float Vx = 0, float Vy = 0, bool Detected = true);

/// <summary>
/// Person mask + people (face boxes, ids) → an instance map: which person each mask pixel belongs to. Contract: mask float
/// 0..1, W x H, top-left origin; faces in 0..1 of the same frame; labels byte, W x H: 0 = no person, k = seed k − 1.
/// <para>Geodesic assignment: every person pixel (mask ≥ <see cref="Threshold"/>) goes to the person it is nearest to
/// along paths inside the mask. Seeds: the pixels of each seen face, and the previous frame's instance map projected
/// by each person's motion (each person's region moved with them, its inside — eroded by <see cref="PriorErosion"/>
/// pixels — seeding them again, inside their own body column where no other seen face is nearer). Where two projected
/// regions land on the same pixel, the person whose face is seen is in front, else the pixel's previous owner. So a
/// person whose face is hidden or missed keeps their body, and one walking behind another keeps the part that shows.
/// A step costs 1 inside that person's expected body region (a column about <see cref="BodyHalfWidthFaces"/> face
/// widths either side of the face, from the face down) or projected region, and <see cref="OutsideCost"/> outside
/// both, so where two people touch the border follows the bodies below the faces, not the shortest way round. Person
/// pixels no path reaches (a part cut off from every seed) go to the face whose body column holds them, nearest first.
/// Dial's algorithm on integer costs; every buffer is made once for the mask size.</para>
/// </summary>
internal sealed class InstanceSplit
{
    public const float Threshold = 0.1f;
    // Measured on the generated clips (docs/benchmarks.md, People: "narrower columns"): half-widths 0.8–1.2 face widths
    // and outside costs 6–12 give the same figures within ±0.005; 1.6 and 4 (the first choice) lost 0.05 IoU with 4 people.
    // Checked on two sets of photos the clips had not used.
    public const float BodyHalfWidthFaces = 1.0f;
    public const int OutsideCost = 8;
    public const int PriorErosion = 2;
    public const int ShapeErosion = 2;
    private const int Buckets = OutsideCost + 1;
    private readonly int _w, _h;
    private readonly int[] _dist;
    private readonly int[][] _bucket = new int[Buckets][];
    private readonly int[] _bucketCount = new int[Buckets];
    private readonly bool[] _claims;
    private readonly (int X0, int X1, int Y0)[] _body = new (int, int, int)[PersonTracker.MaxTracks];
    private readonly byte[] _prior, _projected;
    private readonly ushort[] _home, _columnHome, _rowHome;
    private readonly int[] _priorIds = new int[PersonTracker.MaxTracks + 1];
    private readonly byte[] _priorToSeed = new byte[PersonTracker.MaxTracks + 1];
    private readonly (int Dx, int Dy)[] _shift = new (int, int)[PersonTracker.MaxTracks];
    private readonly int[] _residualId = new int[PersonTracker.MaxTracks];
    private readonly (float X, float Y)[] _residual = new (float, float)[PersonTracker.MaxTracks];
    private readonly (float X, float Y)[] _nextResidual = new (float, float)[PersonTracker.MaxTracks];
    private readonly PersonSeed[] _plain = new PersonSeed[PersonTracker.MaxTracks];
    private readonly ShapeMemory _shapes;

    public InstanceSplit(int width, int height)
    {
        (_w, _h) = (width, height);
        int n = width * height;
        _dist = new int[n];
        // A bucket holds one distance at a time (a step costs less than Buckets, and a bucket is emptied before the
        // distance Buckets further can be reached), and a pixel is pushed at most once per distance (only when its
        // distance strictly falls; a seed once): n entries each.
        for (int b = 0; b < Buckets; b++)
            _bucket[b] = new int[n];
        _claims = new bool[PersonTracker.MaxTracks * width];
        _prior = new byte[n];
        _projected = new byte[n];
        _home = new ushort[n];
        _columnHome = new ushort[width];
        _rowHome = new ushort[height];
        _shapes = new ShapeMemory(width, height);
        Labels = new byte[n];
    }

    public byte[] Labels { get; }

    /// <summary>Per pixel, the person whose remembered shape is in front there (k + 1; 0: none), for the last frame.</summary>
    public byte[] ShapeOwner => _shapes.Owner;

    /// <summary>Where seed k's hidden face is by their body this frame (<see cref="ShapeMemory.FoundByBody"/>).</summary>
    public bool FoundByBody(int k, out FaceDetection face) => _shapes.FoundByBody(k, out face);

    public int Width => _w;

    public int Height => _h;

    /// <summary>Forgets the previous frame (a new sequence of frames).</summary>
    public void Forget()
    {
        Array.Clear(_prior);
        Array.Clear(_priorIds);
        Array.Clear(_residualId);
        _shapes.Forget();
    }

    /// <summary>One frame on its own (no memory): <paramref name="faces"/> are seen faces, label k + 1 = face k.</summary>
    public void Run(Mask people, ReadOnlySpan<FaceDetection> faces)
    {
        Forget();
        int count = Math.Min(faces.Length, PersonTracker.MaxTracks);
        for (int k = 0; k < count; k++)
            _plain[k] = new PersonSeed(k + 1, faces[k], true);
        Next(people, _plain.AsSpan(0, count));
        Forget();
    }

    /// <summary>
    /// The next frame of a sequence: splits <paramref name="people"/> among <paramref name="seeds"/> (at most <see cref="PersonTracker.MaxTracks"/>, ids
    /// distinct and non-zero) into <see cref="Labels"/>, using the previous call's regions of the same ids.
    /// </summary>
    public void Next(Mask people, ReadOnlySpan<PersonSeed> seeds, ReadOnlySpan<byte> bgr = default)
    {
        if (!people.IsSize(_w, _h))
            throw new ArgumentException($"a {people.Width}x{people.Height} mask for a {_w}x{_h} split", nameof(people));
        ReadOnlySpan<float> mask = people.Data;
        seeds = seeds[..Math.Min(seeds.Length, PersonTracker.MaxTracks)];
        Array.Clear(Labels);
        if (bgr.IsEmpty)
            _shapes.Skip();
        Array.Fill(_dist, int.MaxValue);
        Array.Clear(_bucketCount);
        Shifts(seeds);
        if (seeds.Length > 0)
        {
            SeedFaces(mask, seeds);
            if (!bgr.IsEmpty)
            {
                _shapes.Place(mask, bgr, seeds);
                SeedShapes(mask);
            }
            Project(seeds);
            SeedProjected(mask, seeds);
            Propagate(mask, seeds.Length);
            AssignUnreached(mask, seeds.Length);
        }
        if (!bgr.IsEmpty)
            _shapes.Capture(Labels, bgr, seeds);
        Remember(seeds);
    }

    /// <summary>Each seed's whole-pixel motion since the last frame; the fractions carry over (per id) to the next.</summary>
    private void Shifts(ReadOnlySpan<PersonSeed> seeds)
    {
        for (int k = 0; k < seeds.Length; k++)
        {
            int slot = Array.IndexOf(_residualId, seeds[k].Id);
            var (rx, ry) = slot >= 0 ? _residual[slot] : (0f, 0f);
            float fx = rx + seeds[k].Vx * _w, fy = ry + seeds[k].Vy * _h;
            int dx = (int)MathF.Round(fx), dy = (int)MathF.Round(fy);
            _shift[k] = (dx, dy);
            _nextResidual[k] = (fx - dx, fy - dy);
        }
        Array.Clear(_residualId);
        for (int k = 0; k < seeds.Length; k++)
        {
            _residualId[k] = seeds[k].Id;
            _residual[k] = _nextResidual[k];
        }
    }

    private void SeedFaces(ReadOnlySpan<float> mask, ReadOnlySpan<PersonSeed> seeds)
    {
        for (int k = 0; k < seeds.Length; k++)
        {
            var f = seeds[k].Face;
            float half = BodyHalfWidthFaces * f.Width;
            _body[k] = ((int)MathF.Floor((f.CentreX - half) * _w), (int)MathF.Ceiling((f.CentreX + half) * _w), (int)MathF.Floor(f.YMin * _h));
            if (!seeds[k].FaceSeen)
                continue;
            int x0 = Math.Clamp((int)MathF.Floor(f.XMin * _w), 0, _w - 1), x1 = Math.Clamp((int)MathF.Ceiling(f.XMax * _w), x0 + 1, _w);
            int y0 = Math.Clamp((int)MathF.Floor(f.YMin * _h), 0, _h - 1), y1 = Math.Clamp((int)MathF.Ceiling(f.YMax * _h), y0 + 1, _h);
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    int p = y * _w + x;
                    if (mask[p] < Threshold || _dist[p] == 0)
                        continue; // a pixel in two face boxes stays with the first (better-scored) face
                    Settle(p, k + 1);
                }
            }
        }
    }

    /// <summary>
    /// The previous instance map moved by each person's motion into <see cref="_projected"/> (labels of this frame's
    /// seeds); where two people land on one pixel, the one in front (see the class remarks) keeps it.
    /// </summary>
    private void Project(ReadOnlySpan<PersonSeed> seeds)
    {
        Array.Clear(_projected);
        Array.Clear(_priorToSeed);
        bool any = false;
        for (int l = 1; l <= PersonTracker.MaxTracks; l++)
        {
            for (int k = 0; k < seeds.Length && _priorIds[l] != 0; k++)
            {
                if (seeds[k].Id == _priorIds[l])
                    (_priorToSeed[l], any) = ((byte)(k + 1), true);
            }
        }
        if (!any)
            return;
        for (int y = 0; y < _h; y++)
        {
            for (int x = 0; x < _w; x++)
            {
                int p = y * _w + x, label = _priorToSeed[_prior[p]];
                if (label == 0)
                    continue;
                var (dx, dy) = _shift[label - 1];
                int qx = x + dx, qy = y + dy;
                if ((uint)qx >= (uint)_w || (uint)qy >= (uint)_h)
                    continue;
                int q = qy * _w + qx;
                int other = _projected[q];
                if (other != 0 && other != label && !InFront(label, other, q, seeds))
                    continue;
                _projected[q] = (byte)label;
            }
        }
    }

    /// <summary>Whether person <paramref name="a"/>'s moved pixel wins pixel <paramref name="q"/> over <paramref name="b"/>'s.</summary>
    private bool InFront(int a, int b, int q, ReadOnlySpan<PersonSeed> seeds)
    {
        bool seenA = seeds[a - 1].FaceSeen, seenB = seeds[b - 1].FaceSeen;
        if (seenA != seenB)
            return seenA;
        return _priorToSeed[_prior[q]] == a;
    }

    /// <summary>The inside of each projected region (eroded), on the mask, seeds its person.</summary>
    private void SeedProjected(ReadOnlySpan<float> mask, ReadOnlySpan<PersonSeed> seeds)
    {
        for (int k = 0; k < seeds.Length; k++)
        {
            for (int x = 0; x < _w; x++)
                _claims[k * _w + x] = Claims(k + 1, x, seeds);
        }
        const int r = PriorErosion;
        for (int y = r; y < _h - r; y++)
        {
            for (int x = r; x < _w - r; x++)
            {
                int p = y * _w + x;
                byte l = _projected[p];
                if (l == 0 || mask[p] < Threshold || _dist[p] == 0)
                    continue;
                if (!Interior(_projected, p, l, r) || !_claims[(l - 1) * _w + x])
                    continue;
                byte shown = _shapes.InFront[p];
                if (shown != 0 && shown != l)
                    continue; // someone else's remembered shape is in front here
                Settle(p, l);
            }
        }
    }

    /// <summary>The inside of each person's placed shape (eroded) where they are in front, on the mask, seeds them.</summary>
    private void SeedShapes(ReadOnlySpan<float> mask)
    {
        byte[] owner = _shapes.Owner, front = _shapes.InFront;
        const int r = ShapeErosion;
        for (int y = r; y < _h - r; y++)
        {
            for (int x = r; x < _w - r; x++)
            {
                int p = y * _w + x;
                byte l = owner[p];
                if (l == 0 || mask[p] < Threshold || _dist[p] == 0)
                    continue;
                if (Interior(front, p, l, r))
                    Settle(p, l);
            }
        }
    }

    /// <summary>Whether <paramref name="map"/> holds <paramref name="label"/> <paramref name="r"/> pixels from p in all four directions (p is inside the region eroded by r).</summary>
    private bool Interior(byte[] map, int p, byte label, int r) =>
        map[p - r] == label && map[p + r] == label && map[p - r * _w] == label && map[p + r * _w] == label;

    /// <summary>
    /// Whether person <paramref name="label"/>'s projected region may seed column <paramref name="x"/>: inside their own body
    /// column, and no other person's seen face is nearer (so a region cannot outlive its person or hold on to someone
    /// else's body coming out from behind; there it is only a cheap way, and the faces decide).
    /// </summary>
    private bool Claims(int label, int x, ReadOnlySpan<PersonSeed> seeds)
    {
        var (x0, x1, _) = _body[label - 1];
        if (x < x0 || x >= x1)
            return false;
        int own = Math.Abs(2 * x - x0 - x1);
        for (int k = 0; k < seeds.Length; k++)
        {
            var (a, b, _) = _body[k];
            if (k != label - 1 && seeds[k].FaceSeen && Math.Abs(2 * x - a - b) < own)
                return false;
        }
        return true;
    }

    private void Settle(int p, int label)
    {
        _dist[p] = 0;
        Labels[p] = (byte)label;
        Push(0, p);
    }

    private void Push(int bucket, int p) => _bucket[bucket][_bucketCount[bucket]++] = p;

    /// <summary>
    /// Per person pixel, the people whose home it is (bit k: seed k), where a step costs 1 (else <see cref="OutsideCost"/>):
    /// the person whose placed shape is in front there and matches; where nobody owns it, the people whose body column
    /// holds it (inside their placed shape, when they have one) and the person whose projected region it is.
    /// </summary>
    private void Homes(ReadOnlySpan<float> mask, int count)
    {
        Array.Clear(_columnHome);
        Array.Clear(_rowHome);
        int unplaced = 0;
        for (int k = 0; k < count; k++)
        {
            var (x0, x1, y0) = _body[k];
            ushort bit = (ushort)(1 << k);
            for (int x = Math.Max(0, x0); x < Math.Min(_w, x1); x++)
                _columnHome[x] |= bit;
            for (int y = Math.Max(0, y0); y < _h; y++)
                _rowHome[y] |= bit;
            if (!_shapes.Placed(k + 1))
                unplaced |= bit;
        }
        ReadOnlySpan<ushort> cover = _shapes.CoverBits;
        byte[] owner = _shapes.Owner;
        for (int y = 0; y < _h; y++)
        {
            int row = _rowHome[y];
            for (int x = 0, p = y * _w; x < _w; x++, p++)
            {
                if (mask[p] < Threshold)
                    continue; // never stepped on
                int o = owner[p], l = _projected[p];
                _home[p] = (ushort)(o != 0 ? 1 << (o - 1) : (_columnHome[x] & row & (unplaced | cover[p])) | (l != 0 ? 1 << (l - 1) : 0));
            }
        }
    }

    /// <summary>Dial's algorithm from the settled seeds over the mask's pixels (4-connected), a step costing 1 at home, <see cref="OutsideCost"/> elsewhere.</summary>
    private unsafe void Propagate(ReadOnlySpan<float> mask, int count)
    {
        Homes(mask, count);
        int pending = _bucketCount[0], w = _w, last = _h - 1;
        fixed (float* m = mask)
        fixed (int* dist = _dist)
        fixed (byte* labels = Labels)
        fixed (ushort* home = _home)
        {
            for (int d = 0; pending > 0; d++)
            {
                int b = d % Buckets;
                int[] bucket = _bucket[b];
                // A step costs 1 or OutsideCost (< Buckets): nothing relaxed from distance d lands in d's own bucket.
                for (int i = 0, n = _bucketCount[b]; i < n; i++)
                {
                    int p = bucket[i];
                    pending--;
                    if (dist[p] != d)
                        continue; // a stale entry: reached more cheaply since
                    int label = labels[p], bit = 1 << (label - 1);
                    int y = p / w, x = p - y * w;
                    if (x > 0) pending += Relax(p - 1, d, label, bit, m, dist, labels, home);
                    if (x < w - 1) pending += Relax(p + 1, d, label, bit, m, dist, labels, home);
                    if (y > 0) pending += Relax(p - w, d, label, bit, m, dist, labels, home);
                    if (y < last) pending += Relax(p + w, d, label, bit, m, dist, labels, home);
                }
                _bucketCount[b] = 0;
            }
        }
    }

    private unsafe int Relax(int q, int d, int label, int bit, float* mask, int* dist, byte* labels, ushort* home)
    {
        if (mask[q] < Threshold)
            return 0;
        int nd = d + ((home[q] & bit) != 0 ? 1 : OutsideCost);
        if (nd >= dist[q])
            return 0;
        dist[q] = nd;
        labels[q] = (byte)label;
        Push(nd % Buckets, q);
        return 1;
    }

    /// <summary>Person pixels no path from a seed reached: the face whose body column holds them, nearest centre first.</summary>
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

    /// <summary>Keeps this frame's labels and ids for the next.</summary>
    private void Remember(ReadOnlySpan<PersonSeed> seeds)
    {
        Array.Copy(Labels, _prior, Labels.Length);
        Array.Clear(_priorIds);
        for (int k = 0; k < seeds.Length; k++)
            _priorIds[k + 1] = seeds[k].Id;
    }
}
