using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// The CPU renderer (<c>--renderer cpu</c>, and <c>auto</c> where OpenGL is software): the GL path's formulas
/// (mask.glsl, blur_*.frag, effect_*.frag; <see cref="CpuCompositor"/> is their one-pixel-at-a-time reference and this
/// class's test oracle) computed row by row, for speed:
/// <list type="bullet">
/// <item>every bilinear lookup is separable: the texel indices and weights of each frame column and row are tabled
/// once, and each output row first blends the two mask rows (and blurred-sum rows) it lies between, so a pixel costs
/// one horizontal blend per value instead of a floor, four clamps and three blends;</item>
/// <item>the frame is read as bytes (a 256-entry table gives the same floats as the GL texture unit) and written as
/// bytes, with no float copy of the frame;</item>
/// <item>rows are split into bands run on a few long-lived threads (<see cref="RowBands"/>).</item>
/// </list>
/// Everything is made once; a frame allocates nothing. Floating-point sums are taken in a different order than the
/// reference's, so a channel may differ from it by 1 (of 255) where a value lies on a rounding boundary.
/// </summary>
internal sealed unsafe class FastCpuCompositor : ICompositor
{
    private static readonly float[] s_unit = MakeUnitTable();

    private readonly int _w;
    private readonly int _h;
    private readonly EffectSettings _s;
    private readonly RowBands _bands;
    private readonly Action<int, int, int> _composeRows;
    private readonly Action<int, int, int> _reduceRows;
    private readonly Action<int, int, int> _verticalRows;
    private readonly Action<int, int, int> _insideRows;
    private readonly MaskRefiner _refiner;
    private readonly float[] _rgb;             // refine only: the frame as RGB floats
    private readonly byte[] _background;       // replace only: the cover image, BGR bytes, frame size
    private readonly Rgb _color;

    // The mask in use (model's, or refined at half the frame's size) and its sampling tables.
    private float[] _mask = [];
    private int _mw, _mh;
    private int[] _mx0 = [], _mx1 = [], _nearestX = [];
    private float[] _mwx = [];
    private int[] _my0 = [], _my1 = [], _nearestY = [];
    private float[] _mwy = [];
    private readonly float[][] _maskRow;       // per band: the mask blended between its two rows, mask width

    // Blur: the reduced weighted sums (RGBA per reduced texel) and their upsampling tables.
    private readonly int _f, _bw, _bh, _radius;
    private readonly float[] _weights;
    private readonly float[] _sums = [];       // reduced size x 4: downsampled, then the horizontal pass
    private readonly float[] _blurred = [];    // reduced size x 4: after the vertical pass
    private readonly int[] _bx0 = [], _bx1 = [];
    private readonly float[] _bwx = [];
    private readonly int[] _by0 = [], _by1 = [];
    private readonly float[] _bwy = [];
    private readonly float[][] _blurRow;       // per band: blurred sums blended between two rows, reduced width x 4
    private readonly float[][] _reduceRow;     // per band: one downsampled row before the horizontal pass

    // Outline: inside(q) = smoothstep(0.4, 0.6, mask) at every frame pixel.
    private readonly float[] _inside = [];

    private Mat? _image;
    private Mat? _output;
    private int _pending;

    public FastCpuCompositor(int width, int height, int maskWidth, int maskHeight, EffectSettings settings, Mat? backgroundBgr = null, int threads = 1)
    {
        (_w, _h, _s) = (width, height, settings);
        _bands = new RowBands(Math.Clamp(threads, 1, 64), "liveseg-cpu-render");
        _composeRows = ComposeRows;
        _reduceRows = ReduceRows;
        _verticalRows = VerticalRows;
        _insideRows = InsideRows;
        _color = settings.EffectiveColor;
        _refiner = new MaskRefiner(RefineChoice.ForCpuRenderer(settings.Refine));
        _rgb = _refiner.Kind != RefineKind.Off ? new float[width * height * 3] : [];
        _maskRow = new float[_bands.Count][];
        _blurRow = new float[_bands.Count][];
        _reduceRow = new float[_bands.Count][];
        SetMaskSize(maskWidth, maskHeight);
        if (_refiner.Kind != RefineKind.Off)
        {
            var (rw, rh) = MaskRefiner.RefinedSize(width, height);
            SetMaskSize(rw, rh); // the mask in use is the refined one; only its size is needed now
        }
        _weights = settings.BlurWeights();
        _f = settings.BlurFactor;
        _radius = settings.ReducedBlurRadius;
        (_bw, _bh) = ((width + _f - 1) / _f, (height + _f - 1) / _f);
        if (settings.Effect == EffectKind.Blur)
        {
            _sums = new float[_bw * _bh * 4];
            _blurred = new float[_bw * _bh * 4];
            (_bx0, _bx1, _bwx) = Axis(_bw, width);
            (_by0, _by1, _bwy) = Axis(_bh, height);
            for (int b = 0; b < _bands.Count; b++)
            {
                _blurRow[b] = new float[_bw * 4];
                _reduceRow[b] = new float[_bw * 4];
            }
        }
        if (settings.Effect == EffectKind.Outline)
            _inside = new float[width * height];
        _background = [];
        if (settings.Effect == EffectKind.Replace)
        {
            using Mat bg = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
            _background = new byte[width * height * 3];
            for (int y = 0; y < height; y++)
                new ReadOnlySpan<byte>((void*)bg.Ptr(y), width * 3).CopyTo(_background.AsSpan(y * width * 3));
        }
    }

    public int MaxPending => 1;

    /// <summary>Threads the renderer uses (the caller's included).</summary>
    public int Threads => _bands.Count;

    public void Submit(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        Mat image = slot.Image;
        if (image.Width != _w || image.Height != _h || image.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"need an 8-bit BGR frame of {_w}x{_h}, got {image.Width}x{image.Height} {image.Type()}", nameof(slot));
        if (slot.Output.Width != _w || slot.Output.Height != _h || slot.Output.Type() != MatType.CV_8UC3)
            slot.Output.Create(_h, _w, MatType.CV_8UC3);
        _image = image;
        _output = slot.Output;
        float[] mask = slot.Mask;
        int mw = slot.MaskWidth, mh = slot.MaskHeight;
        if (_refiner.Kind != RefineKind.Off)
        {
            CpuCompositor.ToRgbFloat(image, _rgb);
            mask = _refiner.Refine(_rgb, _w, _h, slot.Mask, mw, mh);
            (mw, mh) = MaskRefiner.RefinedSize(_w, _h);
        }
        if (mw != _mw || mh != _mh)
            SetMaskSize(mw, mh);
        _mask = mask;
        t = slot.Timing.Add(Stage.Refine, t);
        switch (_s.Effect)
        {
            case EffectKind.Blur:
                _bands.Run(_bh, _reduceRows);
                _bands.Run(_bh, _verticalRows);
                break;
            case EffectKind.Outline:
                _bands.Run(_h, _insideRows);
                break;
        }
        _bands.Run(_h, _composeRows);
        _image = _output = null;
        _pending++;
        slot.Timing.Add(Stage.Composite, t);
    }

    public void Complete(FrameSlot slot)
    {
        if (_pending == 0)
            throw new InvalidOperationException("no frame submitted");
        _pending--;
    }

    /// <summary>A new mask size: its sampling tables (made only when the size changes).</summary>
    private void SetMaskSize(int mw, int mh)
    {
        (_mw, _mh) = (mw, mh);
        (_mx0, _mx1, _mwx) = Axis(mw, _w);
        (_my0, _my1, _mwy) = Axis(mh, _h);
        _nearestX = Nearest(mw, _w);
        _nearestY = Nearest(mh, _h);
        for (int b = 0; b < _maskRow.Length; b++)
            _maskRow[b] = new float[mw];
    }

    /// <summary>
    /// mask.glsl's bilinear lookup along one axis, per frame pixel: source texels and weight, as
    /// <see cref="CpuCompositor.SampleBilinear"/> computes them (pixel centres aligned, edges repeated).
    /// </summary>
    private static (int[] I0, int[] I1, float[] W) Axis(int source, int frame)
    {
        var (i0, i1, w) = (new int[frame], new int[frame], new float[frame]);
        for (int x = 0; x < frame; x++)
        {
            float src = (x + 0.5f) * ((float)source / frame) - 0.5f;
            float fl = MathF.Floor(src);
            w[x] = src - fl;
            i0[x] = Math.Clamp((int)fl, 0, source - 1);
            i1[x] = Math.Clamp((int)fl + 1, 0, source - 1);
        }
        return (i0, i1, w);
    }

    /// <summary>mask.glsl's maskNearest along one axis: the texel covering each frame pixel.</summary>
    private static int[] Nearest(int source, int frame)
    {
        var n = new int[frame];
        for (int x = 0; x < frame; x++)
            n[x] = Math.Clamp((int)MathF.Floor((x + 0.5f) * ((float)source / frame)), 0, source - 1);
        return n;
    }

    /// <summary>The mask blended between the two rows frame row <paramref name="y"/> lies between (mask width).</summary>
    private float[] MaskRow(int band, int y)
    {
        float[] row = _maskRow[band];
        int a = _my0[y] * _mw, b = _my1[y] * _mw;
        float wy = _mwy[y], wa = 1 - wy;
        float[] mask = _mask;
        for (int i = 0; i < row.Length; i++)
            row[i] = mask[a + i] * wa + mask[b + i] * wy;
        return row;
    }

    /// <summary>blur_downsample.frag then the horizontal blur_gaussian.frag pass, for reduced rows first..end.</summary>
    private void ReduceRows(int band, int first, int end)
    {
        float[] reduced = _reduceRow[band];
        int f = _f, w = _w, bw = _bw, r = _radius;
        float inv = 1f / (f * f);
        float[] unit = s_unit, mask = _mask, weights = _weights, sums = _sums;
        int[] nearestX = _nearestX;
        byte* image = (byte*)_image!.Data;
        long step = _image.Step();
        for (int y = first; y < end; y++)
        {
            Array.Clear(reduced);
            for (int dy = 0; dy < f; dy++)
            {
                int qy = Math.Min(y * f + dy, _h - 1);
                byte* row = image + qy * step;
                int maskRow = _nearestY[qy] * _mw;
                for (int x = 0; x < bw; x++)
                {
                    float sr = 0, sg = 0, sb = 0, sa = 0;
                    int x0 = x * f;
                    for (int dx = 0; dx < f; dx++)
                    {
                        int qx = Math.Min(x0 + dx, w - 1);
                        float wt = 1 - mask[maskRow + nearestX[qx]];
                        byte* p = row + qx * 3;
                        sr += unit[p[2]] * wt;
                        sg += unit[p[1]] * wt;
                        sb += unit[p[0]] * wt;
                        sa += wt;
                    }
                    int o = x * 4;
                    reduced[o] += sr;
                    reduced[o + 1] += sg;
                    reduced[o + 2] += sb;
                    reduced[o + 3] += sa;
                }
            }
            for (int i = 0; i < reduced.Length; i++)
                reduced[i] *= inv;
            // Horizontal Gaussian of this row, edges repeated.
            int outRow = y * bw * 4;
            for (int x = 0; x < bw; x++)
            {
                float sr = 0, sg = 0, sb = 0, sa = 0;
                for (int k = -r; k <= r; k++)
                {
                    int q = Math.Clamp(x + k, 0, bw - 1) * 4;
                    float wt = weights[Math.Abs(k)];
                    sr += wt * reduced[q];
                    sg += wt * reduced[q + 1];
                    sb += wt * reduced[q + 2];
                    sa += wt * reduced[q + 3];
                }
                int o = outRow + x * 4;
                sums[o] = sr;
                sums[o + 1] = sg;
                sums[o + 2] = sb;
                sums[o + 3] = sa;
            }
        }
    }

    /// <summary>The vertical blur_gaussian.frag pass, for reduced rows first..end.</summary>
    private void VerticalRows(int band, int first, int end)
    {
        int bw4 = _bw * 4, r = _radius, last = _bh - 1;
        float[] weights = _weights, sums = _sums, blurred = _blurred;
        for (int y = first; y < end; y++)
        {
            int o = y * bw4;
            blurred.AsSpan(o, bw4).Clear();
            for (int k = -r; k <= r; k++)
            {
                int q = Math.Clamp(y + k, 0, last) * bw4;
                float wt = weights[Math.Abs(k)];
                for (int i = 0; i < bw4; i++)
                    blurred[o + i] += wt * sums[q + i];
            }
        }
    }

    /// <summary>Outline: smoothstep(0.4, 0.6, mask) at every frame pixel of rows first..end.</summary>
    private void InsideRows(int band, int first, int end)
    {
        int w = _w;
        int[] x0 = _mx0, x1 = _mx1;
        float[] wx = _mwx, inside = _inside;
        for (int y = first; y < end; y++)
        {
            float[] m = MaskRow(band, y);
            int o = y * w;
            for (int x = 0; x < w; x++)
                inside[o + x] = CpuCompositor.SmoothStep(0.4f, 0.6f, m[x0[x]] * (1 - wx[x]) + m[x1[x]] * wx[x]);
        }
    }

    /// <summary>The effect pass (effect_*.frag) for frame rows first..end, BGR bytes in and out.</summary>
    private void ComposeRows(int band, int first, int end)
    {
        int w = _w;
        int[] x0 = _mx0, x1 = _mx1;
        float[] wx = _mwx, unit = s_unit;
        byte* image = (byte*)_image!.Data, output = (byte*)_output!.Data;
        long inStep = _image.Step(), outStep = _output.Step();
        EffectSettings s = _s;
        for (int y = first; y < end; y++)
        {
            byte* src = image + y * inStep;
            byte* dst = output + y * outStep;
            float[] m = MaskRow(band, y);
            switch (s.Effect)
            {
                case EffectKind.Mask:
                    for (int x = 0; x < w; x++)
                    {
                        byte v = ToByte(m[x0[x]] * (1 - wx[x]) + m[x1[x]] * wx[x]);
                        dst[x * 3] = dst[x * 3 + 1] = dst[x * 3 + 2] = v;
                    }
                    break;
                case EffectKind.Tint:
                {
                    float strength = s.TintStrength, cr = _color.R, cg = _color.G, cb = _color.B;
                    for (int x = 0; x < w; x++)
                    {
                        float a = (m[x0[x]] * (1 - wx[x]) + m[x1[x]] * wx[x]) * strength, ia = 1 - a;
                        byte* p = src + x * 3;
                        dst[x * 3] = ToByte(unit[p[0]] * ia + cb * a);
                        dst[x * 3 + 1] = ToByte(unit[p[1]] * ia + cg * a);
                        dst[x * 3 + 2] = ToByte(unit[p[2]] * ia + cr * a);
                    }
                    break;
                }
                case EffectKind.Blur:
                    BlurRow(band, y, m, src, dst);
                    break;
                case EffectKind.Replace:
                {
                    float lightWrap = s.LightWrap;
                    fixed (byte* background = &_background[y * w * 3])
                    {
                        for (int x = 0; x < w; x++)
                        {
                            float mv = m[x0[x]] * (1 - wx[x]) + m[x1[x]] * wx[x];
                            float wrap = lightWrap * (1 - mv), matte = Matte(mv), im = 1 - matte;
                            byte* p = src + x * 3;
                            byte* q = background + x * 3;
                            for (int c = 0; c < 3; c++)
                            {
                                float bg = unit[q[c]];
                                float wrapped = 1 - (1 - unit[p[c]]) * (1 - bg * wrap);
                                dst[x * 3 + c] = ToByte(bg * im + wrapped * matte);
                            }
                        }
                    }
                    break;
                }
                case EffectKind.Outline:
                    OutlineRow(y, src, dst);
                    break;
            }
        }
    }

    /// <summary>effect_blur.frag for one frame row: the blurred background (normalised sums), mixed by the matte.</summary>
    private void BlurRow(int band, int y, float[] m, byte* src, byte* dst)
    {
        float[] row = _blurRow[band], blurred = _blurred, unit = s_unit, wx = _mwx, bwx = _bwx;
        int[] x0 = _mx0, x1 = _mx1, bx0 = _bx0, bx1 = _bx1;
        int a = _by0[y] * _bw * 4, b = _by1[y] * _bw * 4;
        float wy = _bwy[y], wa = 1 - wy;
        for (int i = 0; i < row.Length; i++)
            row[i] = blurred[a + i] * wa + blurred[b + i] * wy;
        for (int x = 0; x < _w; x++)
        {
            float mv = m[x0[x]] * (1 - wx[x]) + m[x1[x]] * wx[x];
            float alpha = Matte(mv), ia = 1 - alpha;
            int p0 = bx0[x] * 4, p1 = bx1[x] * 4;
            float w1 = bwx[x], w0 = 1 - w1;
            float wsum = row[p0 + 3] * w0 + row[p1 + 3] * w1 + 1e-3f;
            byte* p = src + x * 3;
            float r = unit[p[2]], g = unit[p[1]], bl = unit[p[0]];
            float br = (row[p0] * w0 + row[p1] * w1 + r * 1e-3f) / wsum;
            float bg = (row[p0 + 1] * w0 + row[p1 + 1] * w1 + g * 1e-3f) / wsum;
            float bb = (row[p0 + 2] * w0 + row[p1 + 2] * w1 + bl * 1e-3f) / wsum;
            dst[x * 3] = ToByte(bb * ia + bl * alpha);
            dst[x * 3 + 1] = ToByte(bg * ia + g * alpha);
            dst[x * 3 + 2] = ToByte(br * ia + r * alpha);
        }
    }

    /// <summary>effect_outline.frag for one frame row: max − min of inside() over the 3x3 ring, as the line's strength.</summary>
    private void OutlineRow(int y, byte* src, byte* dst)
    {
        int w = _w, d = _s.OutlineWidth;
        float[] inside = _inside, unit = s_unit;
        int up = Math.Max(y - d, 0) * w, mid = y * w, down = Math.Min(y + d, _h - 1) * w;
        float cr = _color.R, cg = _color.G, cb = _color.B;
        for (int x = 0; x < w; x++)
        {
            int l = Math.Max(x - d, 0), r = Math.Min(x + d, w - 1);
            float lo = 1, hi = 0;
            Ring(inside, up, l, x, r, ref lo, ref hi);
            Ring(inside, mid, l, x, r, ref lo, ref hi);
            Ring(inside, down, l, x, r, ref lo, ref hi);
            float edge = hi - lo, ie = 1 - edge;
            byte* p = src + x * 3;
            dst[x * 3] = ToByte(unit[p[0]] * ie + cb * edge);
            dst[x * 3 + 1] = ToByte(unit[p[1]] * ie + cg * edge);
            dst[x * 3 + 2] = ToByte(unit[p[2]] * ie + cr * edge);
        }
    }

    private static void Ring(float[] inside, int row, int l, int c, int r, ref float lo, ref float hi)
    {
        float a = inside[row + l], b = inside[row + c], e = inside[row + r];
        lo = MathF.Min(lo, MathF.Min(a, MathF.Min(b, e)));
        hi = MathF.Max(hi, MathF.Max(a, MathF.Max(b, e)));
    }

    private float Matte(float m) => _s.Feather > 0 ? CpuCompositor.SmoothStep(0.5f - _s.Feather, 0.5f + _s.Feather, m) : m;

    /// <summary>round(clamp(v) · 255), as GL's unsigned-normalised conversion (<see cref="CpuCompositor.ToByte"/>).</summary>
    private static byte ToByte(float v) => (byte)(int)(Math.Clamp(v, 0f, 1f) * 255f + 0.5f);

    private static float[] MakeUnitTable()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++)
            t[i] = i / 255f;
        return t;
    }

    public void Dispose() => _bands.Dispose();
}
