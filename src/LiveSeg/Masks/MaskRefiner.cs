namespace LiveSeg.Masks;

/// <summary>How <see cref="MaskRefiner"/> brings a mask to the frame's resolution (Effects' RefineKind, once chosen).</summary>
internal enum RefineMethod
{
    /// <summary>No refinement: bilinear upsampling only.</summary>
    Off,

    /// <summary>Fast guided filter, the frame's luma as guide.</summary>
    Guided,

    /// <summary>Joint bilateral upsampling.</summary>
    Bilateral,
}

/// <summary>
/// Frame-guided mask refinement on the CPU: the reference for shaders/refine_*.frag (same formulas, same order, in
/// float), used by the CPU compositor and by <c>liveseg image</c> / <c>eval</c> / <c>quality</c>.
/// <para>The refined mask is made at half the frame's resolution (<see cref="RefinedSize"/>: ⌈w/2⌉ x ⌈h/2⌉, each texel
/// a 2x2 block of frame pixels) and then upsampled bilinearly like any mask (mask.glsl): edges land within a pixel of
/// the frame's while the per-pixel work, the costly part on software OpenGL, is a quarter of the frame's.</para>
/// <para>Guide: luma Y = 0.299 R + 0.587 G + 0.114 B of the frame (0..1). Step 1, at the mask's size: each mask texel
/// gets the mean Y of the 2x2 frame pixels at its centre (<see cref="Centre"/>) → I', with the mask value p'. Each
/// refined texel's own guide Y is the mean luma of its 2x2 block (clamped at the frame's edge), its position the
/// block's centre (2t + 1 in frame pixel-centre coordinates).</para>
/// <para>Guided: box means (radius <see cref="Radius"/> texels, the window cut at the borders) of I', p', I'², I'p'; per
/// texel a = cov(I',p') / (var(I') + ε), b = mean p' − a·mean I'; box means of a and b → A, B; refined
/// q = clamp(A·Y + B, 0, 1), A and B sampled bilinearly at the texel's position.</para>
/// <para>Bilateral: the 2x2 mask texels of the position's bilinear footprint, each weighted by its bilinear weight ·
/// (exp(−(Y − I'(t))² / (2σ²)) + 10⁻⁴); q = Σ w·p' / Σ w.</para>
/// Allocation-free after construction; buffers grow only when the mask size does.
/// </summary>
internal sealed class MaskRefiner
{
    /// <summary>Box radius of the guided filter, in mask texels.</summary>
    public const int Radius = 2;

    /// <summary>Guided filter regulariser ε (on luma variance, 0..1 scale).</summary>
    public const float Epsilon = 1e-3f;

    /// <summary>Bilateral range σ (luma, 0..1).</summary>
    public const float RangeSigma = 0.08f;

    /// <summary>Added to every bilateral range weight, so that a texel unlike all its mask texels still gets their spatial mean.</summary>
    public const float RangeFloor = 1e-4f;

    private float[] _moments = [];      // mask size x 4: I', p', I'², I'p'
    private float[] _scratch = [];      // mask size x 4
    private float[] _coefficients = []; // mask size x 4: A, B (guided)
    private readonly Mask _refined = new(0, 0, MaskKind.Alpha); // refined size
    private readonly Mask _full = new(0, 0, MaskKind.Alpha);    // frame size (still images)
    private int _mw;
    private int _mh;
    private int _w;
    private int _h;

    public MaskRefiner(RefineMethod kind) => Kind = kind;

    public RefineMethod Kind { get; }

    /// <summary>GLSL's luma weights, on 0..1 channels.</summary>
    public static float Luma(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    /// <summary>The refined mask's size for a frame: ⌈w/2⌉ x ⌈h/2⌉.</summary>
    public static (int Width, int Height) RefinedSize(int width, int height) => ((width + 1) / 2, (height + 1) / 2);

    /// <summary>
    /// The refined mask of one frame at <see cref="RefinedSize"/> (valid until the next call): <paramref name="rgb"/>
    /// is the frame, RGB 0..1, frame size x 3; <paramref name="mask"/> the model's mask.
    /// </summary>
    public Mask Refine(ReadOnlySpan<float> rgb, int width, int height, Mask mask)
    {
        if (Kind == RefineMethod.Off)
            throw new InvalidOperationException("refinement is off");
        Prepare(rgb, width, height, mask);
        var (rw, rh) = RefinedSize(width, height);
        _refined.Resize(rw, rh);
        float[] refined = _refined.Data;
        for (int ty = 0; ty < rh; ty++)
        {
            int y0 = Math.Min(2 * ty, height - 1), y1 = Math.Min(2 * ty + 1, height - 1);
            for (int tx = 0; tx < rw; tx++)
            {
                int x0 = Math.Min(2 * tx, width - 1), x1 = Math.Min(2 * tx + 1, width - 1);
                float y = (LumaAt(rgb, width, x0, y0) + LumaAt(rgb, width, x1, y0) + LumaAt(rgb, width, x0, y1) + LumaAt(rgb, width, x1, y1)) * 0.25f;
                refined[ty * rw + tx] = At(2 * tx + 1, 2 * ty + 1, y);
            }
        }
        return _refined;
    }

    /// <summary>Still images: the refined mask upsampled bilinearly to the frame's size (valid until the next call).</summary>
    public Mask RefineToFrame(ReadOnlySpan<float> rgb, int width, int height, Mask mask)
    {
        Mask refined = Refine(rgb, width, height, mask);
        _full.Resize(width, height);
        float[] full = _full.Data;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
                full[y * width + x] = refined.SampleBilinear(width, height, x + 0.5f, y + 0.5f);
        }
        return _full;
    }

    private void Prepare(ReadOnlySpan<float> rgb, int width, int height, Mask source)
    {
        float[] mask = source.Data;
        int mw = source.Width, mh = source.Height;
        (_w, _h) = (width, height);
        if (mw * mh * 4 > _moments.Length)
        {
            _moments = new float[mw * mh * 4];
            _scratch = new float[mw * mh * 4];
            _coefficients = new float[mw * mh * 4];
        }
        (_mw, _mh) = (mw, mh);
        for (int ty = 0; ty < mh; ty++)
        {
            var (cy, dy) = Centre(ty, height, mh);
            for (int tx = 0; tx < mw; tx++)
            {
                var (cx, dx) = Centre(tx, width, mw);
                float guide = (LumaAt(rgb, width, cx, cy) + LumaAt(rgb, width, dx, cy) + LumaAt(rgb, width, cx, dy) + LumaAt(rgb, width, dx, dy)) * 0.25f;
                float p = mask[ty * mw + tx];
                int o = (ty * mw + tx) * 4;
                (_moments[o], _moments[o + 1], _moments[o + 2], _moments[o + 3]) = (guide, p, guide * guide, guide * p);
            }
        }
        if (Kind != RefineMethod.Guided)
            return;
        BoxMean(_moments, _scratch, 1, 0);
        BoxMean(_scratch, _coefficients, 0, 1);
        for (int t = 0; t < mw * mh; t++)
        {
            int o = t * 4;
            float meanI = _coefficients[o], meanP = _coefficients[o + 1], corrII = _coefficients[o + 2], corrIp = _coefficients[o + 3];
            float a = (corrIp - meanI * meanP) / (corrII - meanI * meanI + Epsilon);
            float b = meanP - a * meanI;
            (_moments[o], _moments[o + 1], _moments[o + 2], _moments[o + 3]) = (a, b, 0, 0);
        }
        BoxMean(_moments, _scratch, 1, 0);
        BoxMean(_scratch, _coefficients, 0, 1);
    }

    /// <summary>
    /// The frame column (or row) at mask texel <paramref name="t"/>'s centre, ⌊(2t + 1)·frame / (2·mask)⌋ clamped, and
    /// the one before it (clamped at 0): the guide reads the 2x2 pixels there.
    /// </summary>
    public static (int Centre, int Before) Centre(int t, int frameSize, int maskSize)
    {
        int c = Math.Min((int)((2L * t + 1) * frameSize / (2L * maskSize)), frameSize - 1);
        return (c, Math.Max(c - 1, 0));
    }

    private static float LumaAt(ReadOnlySpan<float> rgb, int width, int x, int y)
    {
        int i = (y * width + x) * 3;
        return Luma(rgb[i], rgb[i + 1], rgb[i + 2]);
    }

    /// <summary>refine_box.frag: the mean over the 2·Radius+1 texels along (dx, dy) that lie inside the mask, 4 channels.</summary>
    private void BoxMean(float[] src, float[] dst, int dx, int dy)
    {
        for (int y = 0; y < _mh; y++)
        {
            for (int x = 0; x < _mw; x++)
            {
                float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                int n = 0;
                for (int k = -Radius; k <= Radius; k++)
                {
                    int qx = x + dx * k, qy = y + dy * k;
                    if (qx < 0 || qy < 0 || qx >= _mw || qy >= _mh)
                        continue;
                    int q = (qy * _mw + qx) * 4;
                    s0 += src[q];
                    s1 += src[q + 1];
                    s2 += src[q + 2];
                    s3 += src[q + 3];
                    n++;
                }
                int o = (y * _mw + x) * 4;
                float inv = 1f / n;
                (dst[o], dst[o + 1], dst[o + 2], dst[o + 3]) = (s0 * inv, s1 * inv, s2 * inv, s3 * inv);
            }
        }
    }

    /// <summary>The refined mask at frame position (px, py) whose guide luma is <paramref name="luma"/> (after <see cref="Prepare"/>).</summary>
    private float At(float px, float py, float luma)
    {
        float srcX = px * ((float)_mw / _w) - 0.5f, srcY = py * ((float)_mh / _h) - 0.5f;
        float fx = MathF.Floor(srcX), fy = MathF.Floor(srcY);
        if (Kind == RefineMethod.Guided)
        {
            float wx = srcX - fx, wy = srcY - fy;
            int x0 = Math.Clamp((int)fx, 0, _mw - 1), x1 = Math.Clamp((int)fx + 1, 0, _mw - 1);
            int y0 = Math.Clamp((int)fy, 0, _mh - 1), y1 = Math.Clamp((int)fy + 1, 0, _mh - 1);
            float a = Bilinear(0, x0, x1, y0, y1, wx, wy), b = Bilinear(1, x0, x1, y0, y1, wx, wy);
            return Math.Clamp(a * luma + b, 0f, 1f);
        }
        {
            int x0 = Math.Clamp((int)fx, 0, _mw - 1), y0 = Math.Clamp((int)fy, 0, _mh - 1);
            int a = (y0 * _mw + x0) * 4;
            float wx = srcX - fx, wy = srcY - fy, k = 0.5f / (RangeSigma * RangeSigma);
            int x1 = Math.Clamp((int)fx + 1, 0, _mw - 1), y1 = Math.Clamp((int)fy + 1, 0, _mh - 1);
            int b = (y0 * _mw + x1) * 4, c = (y1 * _mw + x0) * 4, d = (y1 * _mw + x1) * 4;
            float wa = (1 - wx) * (1 - wy) * Range(luma, _moments[a], k);
            float wb = wx * (1 - wy) * Range(luma, _moments[b], k);
            float wc = (1 - wx) * wy * Range(luma, _moments[c], k);
            float wd = wx * wy * Range(luma, _moments[d], k);
            return (wa * _moments[a + 1] + wb * _moments[b + 1] + wc * _moments[c + 1] + wd * _moments[d + 1]) / (wa + wb + wc + wd);
        }
    }

    private static float Range(float luma, float guide, float k) => MathF.Exp(-(luma - guide) * (luma - guide) * k) + RangeFloor;

    private float Bilinear(int c, int x0, int x1, int y0, int y1, float wx, float wy)
    {
        float top = Mask.Mix(_coefficients[(y0 * _mw + x0) * 4 + c], _coefficients[(y0 * _mw + x1) * 4 + c], wx);
        float bottom = Mask.Mix(_coefficients[(y1 * _mw + x0) * 4 + c], _coefficients[(y1 * _mw + x1) * 4 + c], wx);
        return Mask.Mix(top, bottom, wy);
    }
}
