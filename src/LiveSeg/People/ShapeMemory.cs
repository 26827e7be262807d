namespace LiveSeg.People;

/// <summary>
/// Each person's shape — the pixels and colours of their instance when last seen whole (face seen, their region touching
/// nobody else's) — kept with their face box, and placed again on later frames at their face (seen, or predicted by the
/// tracker while hidden), scaled with the face's width. Where the placed shapes of two people overlap, the one in front
/// is the one whose remembered colours match the frame better over the whole overlap (a layered scene: what shows
/// there is the front person). Contract: labels and colours at the mask's size (W x H; BGR bytes, 3 per pixel); face
/// boxes in 0..1 of the frame. <see cref="Place"/> writes <see cref="Owner"/>: per pixel, the seed (k + 1) whose
/// placed shape holds it and who is in front of every other shape holding it — or, where that shape's remembered colour
/// no longer fits the frame, the shape behind it whose colour does (the person behind showing through) — 0: no shape,
/// no one in front, or no colour fits.
/// Buffers are made once for the mask size (a shape per tracked person, reused as people come and go).
/// </summary>
internal sealed class ShapeMemory
{
    private readonly int _w, _h;
    private readonly Shape[] _shapes = new Shape[PersonTracker.MaxTracks];
    private readonly int[] _slotOfSeed = new int[PersonTracker.MaxTracks];
    private readonly (int X0, int Y0, int X1, int Y1)[] _land = new (int, int, int, int)[PersonTracker.MaxTracks];
    private readonly int[] _column, _row;
    private readonly (int Q, int X, int Y)[] _sample;
    private readonly ushort[] _cover;
    private readonly ushort[] _colourError; // [k * n + p]: seed k's remembered colour against the frame's, where k's shape covers p
    private readonly long[] _error = new long[PersonTracker.MaxTracks * PersonTracker.MaxTracks];
    private readonly bool[] _touching = new bool[PersonTracker.MaxTracks + 1];
    private readonly (int X0, int Y0, int X1, int Y1)[] _box = new (int, int, int, int)[PersonTracker.MaxTracks + 1];
    private readonly FaceDetection[] _found = new FaceDetection[PersonTracker.MaxTracks];
    private readonly bool[] _isFound = new bool[PersonTracker.MaxTracks];
    private long _clock;

    /// <summary>One remembered person: their id, the bounding box of their pixels, the face box then (mask pixels), and when last used.</summary>
    private sealed class Shape(int n)
    {
        public int Id;
        public long Used;
        public int X0, Y0, X1 = -1, Y1 = -1;
        public float FaceX, FaceY, FaceW;
        public readonly byte[] Bits = new byte[n];
        public readonly byte[] Colour = new byte[3 * n];
    }

    public ShapeMemory(int width, int height)
    {
        (_w, _h) = (width, height);
        int n = width * height;
        for (int i = 0; i < _shapes.Length; i++)
            _shapes[i] = new Shape(n);
        _cover = new ushort[n];
        _colourError = new ushort[PersonTracker.MaxTracks * n];
        _column = new int[PersonTracker.MaxTracks * width];
        _row = new int[PersonTracker.MaxTracks * height];
        _sample = new (int, int, int)[n / (AlignStep * AlignStep) + width + height + 1];
        Owner = new byte[n];
        InFront = new byte[n];
        Array.Fill(_slotOfSeed, -1);
    }

    /// <summary>
    /// Per person pixel (mask ≥ <see cref="InstanceSplit.Threshold"/>), the seed (k + 1) whose shape is in front there and
    /// whose colour matches the frame's, or where it does not, the seed behind it whose colour does (valid after
    /// <see cref="Place"/>; 0 off the mask, or where no colour matches).
    /// </summary>
    public byte[] Owner { get; }

    /// <summary>Per pixel, the seed (k + 1) whose shape is in front there, whatever the colour.</summary>
    public byte[] InFront { get; }

    /// <summary>Whether seed k (label k + 1) has a shape placed this frame.</summary>
    public bool Placed(int label) => _slotOfSeed[label - 1] >= 0;

    /// <summary>Per pixel, the seeds whose placed shape holds it (bit k: seed k; valid for the seeds <see cref="Placed"/>).</summary>
    public ReadOnlySpan<ushort> CoverBits => _cover;

    /// <summary>
    /// Where seed k's face is, found by their body this frame: their face was not seen, and their shape fitted the frame
    /// well near the prediction (on average within <see cref="FoundMisfit"/> a sample). False: not found so (seen, no
    /// shape, or hidden too much for the shape to fit anywhere).
    /// </summary>
    public bool FoundByBody(int k, out FaceDetection face)
    {
        face = _found[k];
        return _isFound[k];
    }

    /// <summary>The largest mean misfit per sample (colour difference, a miss counting <see cref="MissCost"/>) at which a hidden person's shape is taken to have found them.</summary>
    public const int FoundMisfit = MissCost * 3 / 4;

    /// <summary>A frame without colours: no shape is placed (nothing is owned, nobody has a shape).</summary>
    public void Skip()
    {
        Array.Clear(_isFound);
        Array.Clear(Owner);
        Array.Clear(InFront);
        Array.Fill(_slotOfSeed, -1);
    }

    /// <summary>Forgets every shape (a new sequence of frames).</summary>
    public void Forget()
    {
        foreach (var s in _shapes)
            s.Id = 0;
        Skip();
    }

    /// <summary>
    /// Places the remembered shape of each seed that has one at its face, decides who is in front where shapes overlap
    /// (colours against <paramref name="bgr"/>, on the mask's pixels ≥ 0.5), and writes <see cref="Owner"/>.
    /// </summary>
    public void Place(ReadOnlySpan<float> mask, ReadOnlySpan<byte> bgr, ReadOnlySpan<PersonSeed> seeds)
    {
        _clock++;
        Array.Clear(_cover);
        Array.Clear(Owner);
        Array.Clear(InFront);
        int count = seeds.Length;
        bool any = false;
        Array.Fill(_slotOfSeed, -1);
        Array.Clear(_isFound);
        var (ux0, uy0, ux1, uy1) = (_w, _h, -1, -1); // the union of the landed boxes
        for (int k = 0; k < count; k++)
        {
            _slotOfSeed[k] = SlotOf(seeds[k].Id);
            if (_slotOfSeed[k] < 0)
                continue;
            _shapes[_slotOfSeed[k]].Used = _clock;
            any = true;
            Land(k, seeds[k].FaceSeen ? seeds[k].Face : Align(k, _shapes[_slotOfSeed[k]], seeds[k].Face, mask, bgr));
            Cover(k, mask, bgr);
            var (x0, y0, x1, y1) = _land[k];
            (ux0, uy0, ux1, uy1) = (Math.Min(ux0, x0), Math.Min(uy0, y0), Math.Max(ux1, x1), Math.Max(uy1, y1));
        }
        if (!any)
            return;
        Array.Clear(_error);
        for (int k = 0; k < count; k++)
        {
            if (_slotOfSeed[k] >= 0)
                Compare(k, mask);
        }
        int n = _cover.Length;
        for (int y = uy0; y <= uy1; y++)
        {
            for (int p = y * _w + ux0, end = y * _w + ux1; p <= end; p++)
            {
                int cover = _cover[p];
                int front = cover == 0 ? -1 : Front(cover, count);
                if (front < 0)
                    continue;
                // Where the shape in front has a remembered colour far from the frame's (more than MaxColourError),
                // it is out of date there (a new pose, a part that was someone else's when it was remembered): a shape
                // behind it whose colour fits shows through; if none fits, nobody owns the pixel and the split decides
                // it from the mask alone.
                InFront[p] = (byte)(front + 1);
                Owner[p] = (byte)(_colourError[front * n + p] <= MaxColourError ? front + 1 : BehindShowing(cover & ~(1 << front), n, p) + 1);
            }
        }
    }

    /// <summary>
    /// Where the shape in front does not match: of the shapes behind it there (<paramref name="behind"/>, a bit per seed),
    /// the one whose remembered colour is nearest the frame's, within <see cref="MaxColourError"/> (the person behind
    /// showing through where the one in front has moved an arm, say), or −1.
    /// </summary>
    private int BehindShowing(int behind, int n, int p)
    {
        int best = -1, bestError = MaxColourError + 1;
        while (behind != 0)
        {
            int j = System.Numerics.BitOperations.TrailingZeroCount(behind);
            behind &= behind - 1;
            int e = _colourError[j * n + p];
            if (e < bestError)
                (best, bestError) = (j, e);
        }
        return best;
    }

    /// <summary>The largest colour difference (sum over B, G, R) at which a remembered shape still holds a pixel.</summary>
    public const int MaxColourError = 90;

    private static int ColourError(ReadOnlySpan<byte> bgr, int p, byte[] colour, int q) =>
        AbsDiff(bgr[3 * p], colour[3 * q]) + AbsDiff(bgr[3 * p + 1], colour[3 * q + 1]) + AbsDiff(bgr[3 * p + 2], colour[3 * q + 2]);

    /// <summary>|a − b| without a branch: the sign of a colour difference is a coin toss, and Math.Abs's mispredicted branches made it the stage's hottest line.</summary>
    private static int AbsDiff(int a, int b)
    {
        int d = a - b, sign = d >> 31;
        return (d ^ sign) - sign;
    }

    /// <summary>
    /// Remembers the shape of every seed whose face the detector found this frame and whose region in <paramref name="labels"/> (k + 1 = seed k)
    /// touches no other person's: their pixels and colours now, with their face box.
    /// </summary>
    public void Capture(byte[] labels, ReadOnlySpan<byte> bgr, ReadOnlySpan<PersonSeed> seeds)
    {
        int count = seeds.Length;
        bool any = false;
        foreach (var seed in seeds)
            any |= seed.FaceSeen && seed.Detected;
        if (!any)
            return; // a frame between detections
        Array.Clear(_touching);
        for (int l = 0; l <= count; l++)
            _box[l] = (_w, _h, -1, -1);
        for (int y = 0; y < _h; y++)
        {
            for (int x = 0; x < _w; x++)
            {
                int p = y * _w + x, l = labels[p];
                if (l == 0)
                    continue;
                var (x0, y0, x1, y1) = _box[l];
                _box[l] = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                if (x + 1 < _w && labels[p + 1] != 0 && labels[p + 1] != l)
                    _touching[l] = _touching[labels[p + 1]] = true;
                if (y + 1 < _h && labels[p + _w] != 0 && labels[p + _w] != l)
                    _touching[l] = _touching[labels[p + _w]] = true;
            }
        }
        for (int k = 0; k < count; k++)
        {
            int l = k + 1;
            var f = seeds[k].Face;
            if (!seeds[k].FaceSeen || !seeds[k].Detected || _box[l].X1 < 0 || f.Width <= 0)
                continue;
            if (_touching[l] && SlotOf(seeds[k].Id) >= 0)
                continue;
            var s = _shapes[SlotFor(seeds[k].Id)];
            ClearBits(s); // the arrays are the frame's size: the old box is cleared before the new one is written
            (s.X0, s.Y0, s.X1, s.Y1) = _box[l];
            (s.FaceX, s.FaceY, s.FaceW) = (f.CentreX * _w, f.CentreY * _h, f.Width * _w);
            s.Used = _clock;
            for (int y = s.Y0; y <= s.Y1; y++)
            {
                for (int x = s.X0; x <= s.X1; x++)
                {
                    int p = y * _w + x;
                    if (labels[p] != l)
                        continue;
                    s.Bits[p] = 1;
                    s.Colour[3 * p] = bgr[3 * p];
                    s.Colour[3 * p + 1] = bgr[3 * p + 1];
                    s.Colour[3 * p + 2] = bgr[3 * p + 2];
                }
            }
        }
    }

    /// <summary>
    /// Where the shape fits the frame best near where the face box puts it: the face box moved by the shift (up to
    /// <see cref="AlignFaceWidths"/> face widths across, <see cref="AlignRows"/> rows up or down) whose remembered
    /// colours differ least from the frame's on the mask (every <see cref="AlignStep"/>th pixel of the shape each way; a
    /// pixel off the mask or the frame — hidden by someone in front, say — counts as a full miss), a little in favour of
    /// small shifts; searched every other column, then around the best. A person whose face is hidden is tracked by
    /// their body this way, and a seen face's box error (it is predicted between detections) is corrected.
    /// </summary>
    private FaceDetection Align(int k, Shape s, in FaceDetection face, ReadOnlySpan<float> mask, ReadOnlySpan<byte> bgr)
    {
        float scale = face.Width * _w / s.FaceW, fx = face.CentreX * _w, fy = face.CentreY * _h;
        int samples = 0;
        for (int sy = s.Y0; sy <= s.Y1; sy += AlignStep)
        {
            int y = (int)MathF.Floor(fy + (sy + 0.5f - s.FaceY) * scale);
            for (int sx = s.X0; sx <= s.X1; sx += AlignStep)
            {
                int q = sy * _w + sx;
                if (s.Bits[q] != 0)
                    _sample[samples++] = (q, (int)MathF.Floor(fx + (sx + 0.5f - s.FaceX) * scale), y);
            }
        }
        if (samples == 0)
            return face;
        int reach = Math.Max(2, (int)MathF.Ceiling(AlignFaceWidths * face.Width * _w));
        var (best, bestDx, bestDy) = (long.MaxValue, 0, 0);
        for (int dy = -AlignRows; dy <= AlignRows; dy++)
        {
            for (int dx = -reach; dx <= reach; dx += 2)
            {
                long cost = Misfit(s, samples, dx, dy, mask, bgr);
                if (cost < best)
                    (best, bestDx, bestDy) = (cost, dx, dy);
            }
        }
        var (cx, cy) = (bestDx, bestDy);
        for (int dy = cy - 1; dy <= cy + 1; dy++)
        {
            for (int dx = cx - 1; dx <= cx + 1; dx++)
            {
                if (dx == cx || Math.Abs(dy) > AlignRows || Math.Abs(dx) > reach)
                    continue; // outside the reach, or measured in the first pass
                long cost = Misfit(s, samples, dx, dy, mask, bgr);
                if (cost < best)
                    (best, bestDx, bestDy) = (cost, dx, dy);
            }
        }
        float ox = (float)bestDx / _w, oy = (float)bestDy / _h;
        var found = new FaceDetection(face.XMin + ox, face.YMin + oy, face.XMax + ox, face.YMax + oy, face.Score);
        long shiftCost = (long)samples * ShiftCost * (Math.Abs(bestDx) + Math.Abs(bestDy));
        if (best - shiftCost <= (long)FoundMisfit * samples)
            (_found[k], _isFound[k]) = (found, true);
        return found;
    }

    /// <summary>How badly the shape's samples fit the frame moved by (dx, dy), with the small-shift preference.</summary>
    private long Misfit(Shape s, int samples, int dx, int dy, ReadOnlySpan<float> mask, ReadOnlySpan<byte> bgr)
    {
        long cost = (long)samples * ShiftCost * (Math.Abs(dx) + Math.Abs(dy));
        for (int i = 0; i < samples; i++)
        {
            var (q, x0, y0) = _sample[i];
            int x = x0 + dx, y = y0 + dy, p = y * _w + x;
            cost += (uint)x >= (uint)_w || (uint)y >= (uint)_h || mask[p] < 0.5f ? MissCost : Math.Min(MissCost, ColourError(bgr, p, s.Colour, q));
        }
        return cost;
    }

    public const float AlignFaceWidths = 0.4f;
    public const int AlignRows = 1, AlignStep = 4, MissCost = 120, ShiftCost = 1;

    /// <summary>
    /// Where seed k's shape lands with its face at <paramref name="face"/> (scaled with the face's width): the frame box
    /// it covers, and for each of the box's columns and rows the shape's column and row under it (−1: outside the shape's box).
    /// </summary>
    private void Land(int k, in FaceDetection face)
    {
        var s = _shapes[_slotOfSeed[k]];
        float scale = face.Width * _w / s.FaceW, fx = face.CentreX * _w, fy = face.CentreY * _h;
        int x0 = Math.Max(0, (int)MathF.Floor(fx + (s.X0 - s.FaceX) * scale)), x1 = Math.Min(_w - 1, (int)MathF.Ceiling(fx + (s.X1 + 1 - s.FaceX) * scale));
        int y0 = Math.Max(0, (int)MathF.Floor(fy + (s.Y0 - s.FaceY) * scale)), y1 = Math.Min(_h - 1, (int)MathF.Ceiling(fy + (s.Y1 + 1 - s.FaceY) * scale));
        _land[k] = (x0, y0, x1, y1);
        for (int x = x0; x <= x1; x++)
        {
            int sx = (int)MathF.Floor(s.FaceX + (x + 0.5f - fx) / scale);
            _column[k * _w + x] = sx < s.X0 || sx > s.X1 ? -1 : sx;
        }
        for (int y = y0; y <= y1; y++)
        {
            int sy = (int)MathF.Floor(s.FaceY + (y + 0.5f - fy) / scale);
            _row[k * _h + y] = sy < s.Y0 || sy > s.Y1 ? -1 : sy;
        }
    }

    /// <summary>The start (index) of seed k's shape row under frame row y, or −1 when the shape has no row there.</summary>
    private int SourceRow(int k, int y)
    {
        int sy = _row[k * _h + y];
        return sy < 0 ? -1 : sy * _w;
    }

    /// <summary>Marks the pixels seed k's placed shape holds in <see cref="_cover"/>, with how far its remembered colour is from the frame's there.</summary>
    private unsafe void Cover(int k, ReadOnlySpan<float> mask, ReadOnlySpan<byte> bgr)
    {
        var s = _shapes[_slotOfSeed[k]];
        var (x0, y0, x1, y1) = _land[k];
        if (x0 > x1 || bgr.Length < 3 * _cover.Length || mask.Length < _cover.Length)
            return;
        ushort bit = (ushort)(1 << k);
        // The hot loop of the people stage's shapes (every landed pixel of every person, each frame): pointers, no
        // bounds checks; every index is inside the frame (the landed box is clamped to it; the columns map into the shape's box).
        fixed (float* people = mask)
        fixed (byte* frame = bgr, bits = s.Bits, colour = s.Colour)
        fixed (ushort* cover = _cover, error = &_colourError[k * _cover.Length])
        fixed (int* column = &_column[k * _w])
        {
            for (int y = y0; y <= y1; y++)
            {
                int row = SourceRow(k, y);
                if (row < 0)
                    continue;
                for (int x = x0; x <= x1; x++)
                {
                    int sx = column[x];
                    if (sx < 0 || bits[row + sx] == 0)
                        continue;
                    int p = y * _w + x;
                    cover[p] |= bit;
                    if (people[p] < InstanceSplit.Threshold)
                    {
                        error[p] = ushort.MaxValue; // off the mask: nobody is split there, the shape owns nothing
                        continue;
                    }
                    byte* a = frame + 3 * p, b = colour + 3 * (row + sx);
                    error[p] = (ushort)(AbsDiff(a[0], b[0]) + AbsDiff(a[1], b[1]) + AbsDiff(a[2], b[2]));
                }
            }
        }
    }

    /// <summary>Adds, for every pixel where seed k's shape overlaps others, how far its remembered colour is from the frame's.</summary>
    private void Compare(int k, ReadOnlySpan<float> mask)
    {
        var (x0, y0, x1, y1) = _land[k];
        int n = _slotOfSeed.Length, errors = k * _cover.Length, bit = 1 << k;
        for (int y = y0; y <= y1; y++)
        {
            for (int p = y * _w + x0, end = y * _w + x1; p <= end; p++)
            {
                int cover = _cover[p], others = cover & ~bit;
                if ((cover & bit) == 0 || others == 0 || mask[p] < 0.5f)
                    continue;
                int e = _colourError[errors + p];
                for (int j = 0; j < n && others != 0; j++, others >>= 1)
                {
                    if ((others & 1) != 0)
                        _error[k * n + j] += e;
                }
            }
        }
    }

    /// <summary>The seed among <paramref name="cover"/> in front of all the others there (its colours fit better), or −1.</summary>
    private int Front(int cover, int count)
    {
        if ((cover & (cover - 1)) == 0)
            return System.Numerics.BitOperations.TrailingZeroCount(cover);
        int n = _slotOfSeed.Length;
        for (int k = 0; k < count; k++)
        {
            if ((cover & (1 << k)) == 0)
                continue;
            bool front = true;
            for (int j = 0; j < count && front; j++)
                front = j == k || (cover & (1 << j)) == 0 || _error[k * n + j] < _error[j * n + k];
            if (front)
                return k;
        }
        return -1;
    }

    private int SlotOf(int id)
    {
        for (int i = 0; i < _shapes.Length; i++)
        {
            if (_shapes[i].Id == id)
                return i;
        }
        return -1;
    }

    /// <summary>The slot that holds (or will hold) <paramref name="id"/>'s shape: its own, else a free one, else the least recently used.</summary>
    private int SlotFor(int id)
    {
        int slot = SlotOf(id);
        if (slot >= 0)
            return slot;
        int best = 0;
        for (int i = 0; i < _shapes.Length; i++)
        {
            if (_shapes[i].Id == 0)
                return Claim(i, id);
            if (_shapes[i].Used < _shapes[best].Used)
                best = i;
        }
        return Claim(best, id);
    }

    /// <summary>Clears the shape's pixels (the rows of its box only).</summary>
    private void ClearBits(Shape s)
    {
        for (int y = s.Y0; y <= s.Y1 && s.X1 >= 0; y++)
            Array.Clear(s.Bits, y * _w + s.X0, s.X1 - s.X0 + 1);
    }

    private int Claim(int slot, int id)
    {
        var s = _shapes[slot];
        ClearBits(s);
        s.Id = id;
        (s.X0, s.Y0, s.X1, s.Y1) = (0, 0, -1, -1);
        return slot;
    }
}
