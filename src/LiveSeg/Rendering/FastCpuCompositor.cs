using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// The CPU renderer (<c>--renderer cpu</c>, and <c>auto</c> where OpenGL is software): the GL path's formulas
/// (mask.glsl, blur_*.frag, effect_*.frag; <see cref="CpuCompositor"/> is their one-pixel-at-a-time reference and this
/// class's test oracle), arranged for speed:
/// <list type="bullet">
/// <item>every bilinear upsampling is separable: each source row (mask, blurred sums) is upsampled horizontally once
/// per frame to the frame's width through tables of texel indices and weights made once; a frame row is then the blend
/// of two such rows — contiguous, vectorised;</item>
/// <item>the per-pixel work runs 8 pixels at a time (AVX2, <see cref="CpuSimd"/>) on the frame's BGR bytes directly,
/// with a per-pixel value (mask, matte) spread over its three channels; a row's last pixels, and CPUs without AVX2,
/// take the scalar loop with the same formulas;</item>
/// <item>the blur's downsampling accumulates whole weighted rows (vectorised) before summing each block;</item>
/// <item>rows are split into bands run on a few long-lived threads (<see cref="RowBands"/>).</item>
/// </list>
/// Everything is made once; a frame allocates nothing. Sums are taken in another order than the reference's, so a
/// channel may differ from it by 1 (of 255) where a value lies on a rounding boundary.
/// </summary>
internal sealed unsafe class FastCpuCompositor : ICompositor
{
    private const float Prior = 1e-3f; // effect_blur.frag's weight of the pixel's own colour

    private readonly int _w;
    private readonly int _h;
    private EffectSettings _s;
    private readonly RowBands _bands;
    private readonly Action<int, int, int> _maskRows, _reduceRows, _verticalRows, _upsampleRows, _insideRows, _composeRows;
    private readonly MaskRefiner _refiner;
    private readonly float[] _rgb;             // refine only: the frame as RGB floats
    private byte[] _background = [];           // replace: the cover image, BGR bytes, frame size
    private readonly float[] _colour = new float[24]; // tint/outline colour repeated as B, G, R over 24 channel values
    private readonly bool _simd;

    // The mask in use (model's, or refined at half the frame's size), upsampled horizontally: mask rows x frame width.
    private float[] _mask = [];
    private int _mw, _mh;
    private int[] _mx0 = [], _mx1 = [], _my0 = [], _my1 = [], _nearestX = [], _nearestY = [];
    private float[] _mwx = [], _mwy = [];
    private float[] _maskH = [];

    // Blur: reduced weighted sums (B, G, R, A per reduced texel), blurred, then upsampled horizontally per reduced row.
    private int _f, _bw, _bh, _radius;
    private float[] _weights = [];
    private float[] _sums = [];                // reduced size x 4: downsampled + horizontal pass
    private float[] _blurred = [];             // reduced size x 4: + vertical pass
    private float[] _blurH3 = [];              // reduced rows x frame width x 3 (B, G, R)
    private float[] _blurHA = [];              // reduced rows x frame width (A)
    private int[] _bx0 = [], _bx1 = [], _by0 = [], _by1 = [];
    private float[] _bwx = [], _bwy = [];

    private float[] _inside = [];              // outline: smoothstep(0.4, 0.6, mask) per frame pixel

    // Per band scratch rows.
    private readonly float[][] _m, _s3, _sa, _acc3, _accA, _wt;
    private float[][] _reduced;

    private Mat? _image;
    private Mat? _output;
    private int _pending;

    /// <param name="useSimd">False: the scalar loops only (what a CPU without AVX2 runs; tests compare both).</param>
    public FastCpuCompositor(int width, int height, int maskWidth, int maskHeight, EffectSettings settings, Mat? backgroundBgr = null, int threads = 1, bool useSimd = true)
    {
        (_w, _h) = (width, height);
        _simd = useSimd && CpuSimd.IsSupported;
        _bands = new RowBands(Math.Clamp(threads, 1, 64), "liveseg-cpu-render");
        (_maskRows, _reduceRows, _verticalRows, _upsampleRows, _insideRows, _composeRows) =
            (MaskRows, ReduceRows, VerticalRows, UpsampleRows, InsideRows, ComposeRows);
        try
        {
            _refiner = new MaskRefiner(RefineChoice.ForCpuRenderer(settings.Refine));
            _rgb = _refiner.Kind != RefineKind.Off ? new float[width * height * 3] : [];
            var (mw, mh) = _refiner.Kind != RefineKind.Off ? MaskRefiner.RefinedSize(width, height) : (maskWidth, maskHeight);
            SetMaskSize(mw, mh);
            int bands = _bands.Count;
            _m = Rows(bands, width);
            (_s3, _sa, _acc3, _accA, _wt, _reduced) = (Rows(bands, 0), Rows(bands, 0), Rows(bands, 0), Rows(bands, 0), Rows(bands, 0), Rows(bands, 0));
            if (backgroundBgr is not null || settings.Effect == EffectKind.Replace)
            {
                using Mat bg = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
                SetBackground(bg);
            }
            _s = settings;
            Apply(settings);
        }
        catch
        {
            _bands.Dispose(); // its threads
            throw;
        }
    }

    /// <summary>The effect and its settings in use (the refine mode is the run's).</summary>
    public EffectSettings Settings => _s;

    /// <summary>The refine mode asked for (maybe auto) and the one in use, for the header line.</summary>
    public string RefineDescription => RefineChoice.Describe(_s.Refine, _refiner.Kind);

    /// <summary>For the header line: "CPU renderer, 2 threads (why); edges …".</summary>
    public string Describe(string why)
    {
        string threads = Threads == 1 ? "1 thread" : $"{Threads} threads";
        return why.Length > 0 ? $"CPU renderer, {threads} ({why}); {RefineDescription}" : $"CPU renderer, {threads}; {RefineDescription}";
    }

    /// <summary>
    /// New effect settings (live keys). What the effect needs and was not made yet — the blur's buffers for another
    /// reduction factor, the outline's, the default background — is made now, so a key press may allocate; frames do not.
    /// </summary>
    public void Apply(EffectSettings settings)
    {
        settings = settings.Validated() with { Refine = _s.Refine }; // ranges matter here: the outline reads ± its width
        Rgb c = settings.EffectiveColor;
        for (int i = 0; i < 24; i += 3)
            (_colour[i], _colour[i + 1], _colour[i + 2]) = (c.B, c.G, c.R);
        _weights = settings.BlurWeights();
        _radius = settings.ReducedBlurRadius;
        if (settings.Effect == EffectKind.Blur && (settings.BlurFactor != _f || _sums.Length == 0))
        {
            _f = settings.BlurFactor;
            (_bw, _bh) = ((_w + _f - 1) / _f, (_h + _f - 1) / _f);
            _sums = new float[_bw * _bh * 4];
            _blurred = new float[_bw * _bh * 4];
            _blurH3 = new float[_bh * _w * 3];
            _blurHA = new float[_bh * _w];
            (_bx0, _bx1, _bwx) = Axis(_bw, _w);
            (_by0, _by1, _bwy) = Axis(_bh, _h);
            int bands = _bands.Count;
            for (int b = 0; b < bands; b++)
            {
                if (_s3[b].Length == 0)
                    (_s3[b], _sa[b], _acc3[b], _accA[b], _wt[b]) = (new float[_w * 3], new float[_w], new float[_w * 3], new float[_w], new float[_w]);
            }
            _reduced = Rows(bands, _bw * 4);
        }
        if (settings.Effect == EffectKind.Outline && _inside.Length == 0)
            _inside = new float[_w * _h];
        if (settings.Effect == EffectKind.Replace && _background.Length == 0)
        {
            using Mat gradient = BackgroundImage.DefaultGradient(_w, _h);
            SetBackground(gradient);
        }
        _s = settings;
    }

    /// <summary>A new background for <c>replace</c> (BGR, the frame's size: already scaled to cover it).</summary>
    public void SetBackground(Mat coverBgr)
    {
        if (coverBgr.Width != _w || coverBgr.Height != _h || coverBgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"background must be an 8-bit BGR image of {_w}x{_h}", nameof(coverBgr));
        if (_background.Length == 0)
            _background = new byte[_w * _h * 3];
        for (int y = 0; y < _h; y++)
            new ReadOnlySpan<byte>((void*)coverBgr.Ptr(y), _w * 3).CopyTo(_background.AsSpan(y * _w * 3));
    }

    private static float[][] Rows(int bands, int length)
    {
        var rows = new float[bands][];
        for (int b = 0; b < bands; b++)
            rows[b] = new float[length];
        return rows;
    }

    public int MaxPending => 1;

    /// <summary>Threads the renderer uses (the caller's included).</summary>
    public int Threads => _bands.Count;

    public long WorkerAllocatedBytes => _bands.WorkerAllocatedBytes;

    public void Submit(FrameSlot slot)
    {
        Render(slot.Image, slot.Mask, slot.MaskWidth, slot.MaskHeight, slot.Output, ref slot.Timing);
        _pending++;
    }

    /// <summary>
    /// Composites <paramref name="image"/> (8-bit BGR, frame size) with <paramref name="mask"/> (maskWidth x maskHeight
    /// probabilities) into <paramref name="output"/> (made or resized as needed). Adds refine and composite times.
    /// </summary>
    public void Render(Mat image, float[] mask, int maskWidth, int maskHeight, Mat output, ref FrameTiming timing)
    {
        long t = Stopwatch.GetTimestamp();
        if (image.Width != _w || image.Height != _h || image.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"need an 8-bit BGR frame of {_w}x{_h}, got {image.Width}x{image.Height} {image.Type()}", nameof(image));
        if (output.Width != _w || output.Height != _h || output.Type() != MatType.CV_8UC3)
            output.Create(_h, _w, MatType.CV_8UC3);
        (_image, _output) = (image, output);
        int mw = maskWidth, mh = maskHeight;
        if (_refiner.Kind != RefineKind.Off)
        {
            CpuCompositor.ToRgbFloat(image, _rgb);
            mask = _refiner.Refine(_rgb, _w, _h, mask, mw, mh);
            (mw, mh) = MaskRefiner.RefinedSize(_w, _h);
        }
        if (mw != _mw || mh != _mh)
            SetMaskSize(mw, mh);
        _mask = mask;
        t = timing.Add(Stage.Refine, t);
        _bands.Run(_mh, _maskRows);
        switch (_s.Effect)
        {
            case EffectKind.Blur:
                _bands.Run(_bh, _reduceRows);
                _bands.Run(_bh, _verticalRows);
                _bands.Run(_bh, _upsampleRows);
                break;
            case EffectKind.Outline:
                _bands.Run(_h, _insideRows);
                break;
        }
        _bands.Run(_h, _composeRows);
        (_image, _output) = (null, null);
        timing.Add(Stage.Composite, t);
    }

    public void Complete(FrameSlot slot)
    {
        if (_pending == 0)
            throw new InvalidOperationException("no frame submitted");
        _pending--;
    }

    /// <summary>A new mask size: its sampling tables and horizontally upsampled rows (made only when the size changes).</summary>
    private void SetMaskSize(int mw, int mh)
    {
        (_mw, _mh) = (mw, mh);
        (_mx0, _mx1, _mwx) = Axis(mw, _w);
        (_my0, _my1, _mwy) = Axis(mh, _h);
        _nearestX = Nearest(mw, _w);
        _nearestY = Nearest(mh, _h);
        _maskH = new float[mh * _w];
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

    /// <summary>Mask rows first..end upsampled horizontally to the frame's width.</summary>
    private void MaskRows(int band, int first, int end)
    {
        int w = _w, mw = _mw;
        int[] x0 = _mx0, x1 = _mx1;
        float[] wx = _mwx, mask = _mask, maskH = _maskH;
        for (int y = first; y < end; y++)
        {
            int src = y * mw, dst = y * w;
            for (int x = 0; x < w; x++)
                maskH[dst + x] = mask[src + x0[x]] * (1 - wx[x]) + mask[src + x1[x]] * wx[x];
        }
    }

    /// <summary>The mask at frame row <paramref name="y"/> (frame width): the blend of two upsampled mask rows.</summary>
    private float[] MaskRow(int band, int y)
    {
        float[] m = _m[band];
        int w = _w;
        CpuSimd.BlendRows(_maskH.AsSpan(_my0[y] * w, w), _maskH.AsSpan(_my1[y] * w, w), _mwy[y], m, _simd);
        return m;
    }

    /// <summary>
    /// blur_downsample.frag then the horizontal blur_gaussian.frag pass, for reduced rows first..end: each frame row of
    /// a block is added whole, weighted by background-ness (1 − nearest mask texel), before each block is summed.
    /// </summary>
    private void ReduceRows(int band, int first, int end)
    {
        float[] acc3 = _acc3[band], accA = _accA[band], wt = _wt[band], reduced = _reduced[band];
        int f = _f, w = _w, bw = _bw, r = _radius, mw = _mw;
        float inv = 1f / (f * f);
        float[] mask = _mask, weights = _weights, sums = _sums;
        int[] nearestX = _nearestX;
        byte* image = (byte*)_image!.Data;
        long step = _image.Step();
        int weightsOf = -1; // the mask row wt holds: consecutive frame rows mostly share their nearest mask row
        for (int y = first; y < end; y++)
        {
            for (int dy = 0; dy < f; dy++)
            {
                int qy = Math.Min(y * f + dy, _h - 1);
                if (_nearestY[qy] != weightsOf)
                {
                    weightsOf = _nearestY[qy];
                    int maskRow = weightsOf * mw;
                    for (int x = 0; x < w; x++)
                        wt[x] = 1 - mask[maskRow + nearestX[x]];
                }
                AccumulateRow(image + qy * step, wt, acc3, accA, first: dy == 0);
            }
            // Each block's sum: its f columns (past the frame's edge, the edge column again).
            fixed (float* p3 = acc3, pA = accA, pr = reduced)
            {
                for (int x = 0; x < bw; x++)
                {
                    float sb = 0, sg = 0, sr = 0, sa = 0;
                    int q = x * f;
                    if (q + f <= w)
                    {
                        for (int dx = 0; dx < f; dx++, q++)
                        {
                            sb += p3[q * 3];
                            sg += p3[q * 3 + 1];
                            sr += p3[q * 3 + 2];
                            sa += pA[q];
                        }
                    }
                    else
                    {
                        for (int dx = 0; dx < f; dx++)
                        {
                            int e = Math.Min(x * f + dx, w - 1);
                            sb += p3[e * 3];
                            sg += p3[e * 3 + 1];
                            sr += p3[e * 3 + 2];
                            sa += pA[e];
                        }
                    }
                    float* o = pr + x * 4;
                    (o[0], o[1], o[2], o[3]) = (sb * inv, sg * inv, sr * inv, sa * inv);
                }
            }
            // Horizontal Gaussian of this row, edges repeated.
            int outRow = y * bw * 4;
            for (int x = 0; x < bw; x++)
            {
                float sb = 0, sg = 0, sr = 0, sa = 0;
                for (int k = -r; k <= r; k++)
                {
                    int q = Math.Clamp(x + k, 0, bw - 1) * 4;
                    float g = weights[Math.Abs(k)];
                    sb += g * reduced[q];
                    sg += g * reduced[q + 1];
                    sr += g * reduced[q + 2];
                    sa += g * reduced[q + 3];
                }
                int o = outRow + x * 4;
                (sums[o], sums[o + 1], sums[o + 2], sums[o + 3]) = (sb, sg, sr, sa);
            }
        }
    }

    /// <summary>acc3 (+)= colour · weight (per channel value), accA (+)= weight, over one frame row (the first of a block: =).</summary>
    private void AccumulateRow(byte* row, float[] wt, float[] acc3, float[] accA, bool first)
    {
        int x = 0, w = _w;
        fixed (float* pw = wt, pa = acc3, pA = accA)
        {
            // The first row of a block stores (never acc · 0 + …: a NaN left from an earlier frame would stay forever).
            if (_simd)
            {
                for (; x <= w - 8; x += 8)
                {
                    Vector256<float> weight = Avx.LoadVector256(pw + x);
                    CpuSimd.Load24(row + x * 3, out var c0, out var c1, out var c2);
                    CpuSimd.Spread(weight, out var w0, out var w1, out var w2);
                    float* a = pa + x * 3;
                    (c0, c1, c2) = (Avx.Multiply(c0, w0), Avx.Multiply(c1, w1), Avx.Multiply(c2, w2));
                    if (first)
                    {
                        Avx.Store(a, c0);
                        Avx.Store(a + 8, c1);
                        Avx.Store(a + 16, c2);
                        Avx.Store(pA + x, weight);
                    }
                    else
                    {
                        Avx.Store(a, Avx.Add(Avx.LoadVector256(a), c0));
                        Avx.Store(a + 8, Avx.Add(Avx.LoadVector256(a + 8), c1));
                        Avx.Store(a + 16, Avx.Add(Avx.LoadVector256(a + 16), c2));
                        Avx.Store(pA + x, Avx.Add(Avx.LoadVector256(pA + x), weight));
                    }
                }
            }
            for (; x < w; x++)
            {
                byte* p = row + x * 3;
                float wx = pw[x];
                float b = p[0] / 255f * wx, g = p[1] / 255f * wx, r = p[2] / 255f * wx;
                if (first)
                    (pa[x * 3], pa[x * 3 + 1], pa[x * 3 + 2], pA[x]) = (b, g, r, wx);
                else
                    (pa[x * 3], pa[x * 3 + 1], pa[x * 3 + 2], pA[x]) = (pa[x * 3] + b, pa[x * 3 + 1] + g, pa[x * 3 + 2] + r, pA[x] + wx);
            }
        }
    }

    /// <summary>The vertical blur_gaussian.frag pass, for reduced rows first..end.</summary>
    private void VerticalRows(int band, int first, int end)
    {
        int bw4 = _bw * 4, r = _radius, last = _bh - 1;
        for (int y = first; y < end; y++)
        {
            Span<float> row = _blurred.AsSpan(y * bw4, bw4);
            row.Clear();
            for (int k = -r; k <= r; k++)
                CpuSimd.AddScaled(_sums.AsSpan(Math.Clamp(y + k, 0, last) * bw4, bw4), _weights[Math.Abs(k)], row, _simd);
        }
    }

    /// <summary>Blurred rows first..end upsampled horizontally to the frame's width (B, G, R interleaved; A apart).</summary>
    private void UpsampleRows(int band, int first, int end)
    {
        int w = _w, bw4 = _bw * 4;
        fixed (float* blurred = _blurred, h3 = _blurH3, hA = _blurHA, wx = _bwx)
        fixed (int* x0 = _bx0, x1 = _bx1)
        {
            for (int y = first; y < end; y++)
            {
                float* src = blurred + y * bw4, d3 = h3 + (long)y * w * 3, dA = hA + (long)y * w;
                for (int x = 0; x < w; x++)
                {
                    float* p0 = src + x0[x] * 4, p1 = src + x1[x] * 4;
                    float b = wx[x], a = 1 - b;
                    d3[x * 3] = p0[0] * a + p1[0] * b;
                    d3[x * 3 + 1] = p0[1] * a + p1[1] * b;
                    d3[x * 3 + 2] = p0[2] * a + p1[2] * b;
                    dA[x] = p0[3] * a + p1[3] * b;
                }
            }
        }
    }

    /// <summary>Outline: smoothstep(0.4, 0.6, mask) at every frame pixel of rows first..end.</summary>
    private void InsideRows(int band, int first, int end)
    {
        int w = _w;
        for (int y = first; y < end; y++)
        {
            float[] m = MaskRow(band, y);
            int x = 0, o = y * w;
            fixed (float* pm = m, pi = _inside)
            {
                if (_simd)
                {
                    for (; x <= w - 8; x += 8)
                        Avx.Store(pi + o + x, CpuSimd.SmoothStep(0.4f, 0.6f, Avx.LoadVector256(pm + x)));
                }
                for (; x < w; x++)
                    pi[o + x] = CpuCompositor.SmoothStep(0.4f, 0.6f, pm[x]);
            }
        }
    }

    /// <summary>The effect pass (effect_*.frag) for frame rows first..end, BGR bytes in and out.</summary>
    private void ComposeRows(int band, int first, int end)
    {
        byte* image = (byte*)_image!.Data, output = (byte*)_output!.Data;
        long inStep = _image.Step(), outStep = _output.Step();
        for (int y = first; y < end; y++)
        {
            byte* src = image + y * inStep, dst = output + y * outStep;
            float[] m = _s.Effect == EffectKind.Outline ? _m[band] : MaskRow(band, y); // the outline reads _inside
            fixed (float* pm = m)
            {
                switch (_s.Effect)
                {
                    case EffectKind.Mask:
                        MaskEffect(pm, dst);
                        break;
                    case EffectKind.Tint:
                        TintEffect(pm, src, dst);
                        break;
                    case EffectKind.Blur:
                        BlurEffect(band, y, pm, src, dst);
                        break;
                    case EffectKind.Replace:
                        fixed (byte* background = &_background[y * _w * 3])
                            ReplaceEffect(pm, src, background, dst);
                        break;
                    case EffectKind.Outline:
                        OutlineEffect(y, src, dst);
                        break;
                }
            }
        }
    }

    /// <summary>effect_mask.frag: the mask as grey.</summary>
    private void MaskEffect(float* m, byte* dst)
    {
        int x = 0, w = _w;
        if (_simd)
        {
            for (; x <= w - 8; x += 8)
            {
                CpuSimd.Spread(Avx.LoadVector256(m + x), out var a, out var b, out var c);
                CpuSimd.Store24(dst + x * 3, a, b, c);
            }
        }
        for (; x < w; x++)
            dst[x * 3] = dst[x * 3 + 1] = dst[x * 3 + 2] = CpuCompositor.ToByte(m[x]);
    }

    /// <summary>effect_tint.frag: mix(frame, colour, mask · strength).</summary>
    private void TintEffect(float* m, byte* src, byte* dst)
    {
        int x = 0, w = _w;
        float strength = _s.TintStrength;
        fixed (float* col = _colour)
        {
            if (_simd)
            {
                Vector256<float> k0 = Avx.LoadVector256(col), k1 = Avx.LoadVector256(col + 8), k2 = Avx.LoadVector256(col + 16);
                Vector256<float> vs = Vector256.Create(strength);
                for (; x <= w - 8; x += 8)
                {
                    CpuSimd.Spread(Avx.Multiply(Avx.LoadVector256(m + x), vs), out var a0, out var a1, out var a2);
                    CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                    CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(c0, k0, a0), CpuSimd.Mix(c1, k1, a1), CpuSimd.Mix(c2, k2, a2));
                }
            }
            for (; x < w; x++)
            {
                float a = m[x] * strength;
                for (int c = 0; c < 3; c++)
                    dst[x * 3 + c] = CpuCompositor.ToByte(CpuCompositor.Mix(src[x * 3 + c] / 255f, col[c], a));
            }
        }
    }

    /// <summary>effect_blur.frag: the blurred background (normalised sums, with the pixel's own colour as a small prior) under the person.</summary>
    private void BlurEffect(int band, int y, float* m, byte* src, byte* dst)
    {
        int w = _w, x = 0;
        float[] s3 = _s3[band], sa = _sa[band];
        int r0 = _by0[y], r1 = _by1[y];
        CpuSimd.BlendRows(_blurH3.AsSpan(r0 * w * 3, w * 3), _blurH3.AsSpan(r1 * w * 3, w * 3), _bwy[y], s3, _simd);
        CpuSimd.BlendRows(_blurHA.AsSpan(r0 * w, w), _blurHA.AsSpan(r1 * w, w), _bwy[y], sa, _simd);
        fixed (float* ps = s3, pa = sa)
        {
            if (_simd)
            {
                Vector256<float> prior = Vector256.Create(Prior);
                for (; x <= w - 8; x += 8)
                {
                    Vector256<float> inv = Avx.Divide(Vector256<float>.One, Avx.Add(Avx.LoadVector256(pa + x), prior));
                    CpuSimd.Spread(inv, out var i0, out var i1, out var i2);
                    CpuSimd.Spread(Matte(Avx.LoadVector256(m + x)), out var a0, out var a1, out var a2);
                    CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                    float* s = ps + x * 3;
                    Vector256<float> b0 = Avx.Multiply(Avx.Add(Avx.LoadVector256(s), Avx.Multiply(c0, prior)), i0);
                    Vector256<float> b1 = Avx.Multiply(Avx.Add(Avx.LoadVector256(s + 8), Avx.Multiply(c1, prior)), i1);
                    Vector256<float> b2 = Avx.Multiply(Avx.Add(Avx.LoadVector256(s + 16), Avx.Multiply(c2, prior)), i2);
                    CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(b0, c0, a0), CpuSimd.Mix(b1, c1, a1), CpuSimd.Mix(b2, c2, a2));
                }
            }
            for (; x < w; x++)
            {
                float inv = 1 / (pa[x] + Prior), alpha = Matte(m[x]);
                for (int c = 0; c < 3; c++)
                {
                    float v = src[x * 3 + c] / 255f;
                    dst[x * 3 + c] = CpuCompositor.ToByte(CpuCompositor.Mix((ps[x * 3 + c] + v * Prior) * inv, v, alpha));
                }
            }
        }
    }

    /// <summary>effect_replace.frag: the new background, with its light wrapped over the person's edge.</summary>
    private void ReplaceEffect(float* m, byte* src, byte* background, byte* dst)
    {
        int x = 0, w = _w;
        float lightWrap = _s.LightWrap;
        if (_simd)
        {
            Vector256<float> one = Vector256<float>.One, vw = Vector256.Create(lightWrap);
            for (; x <= w - 8; x += 8)
            {
                Vector256<float> mv = Avx.LoadVector256(m + x);
                CpuSimd.Spread(Avx.Multiply(vw, Avx.Subtract(one, mv)), out var w0, out var w1, out var w2);
                CpuSimd.Spread(Matte(mv), out var a0, out var a1, out var a2);
                CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                CpuSimd.Load24(background + x * 3, out var g0, out var g1, out var g2);
                CpuSimd.Store24(dst + x * 3,
                    CpuSimd.Mix(g0, Wrapped(c0, g0, w0), a0), CpuSimd.Mix(g1, Wrapped(c1, g1, w1), a1), CpuSimd.Mix(g2, Wrapped(c2, g2, w2), a2));
            }
        }
        for (; x < w; x++)
        {
            float wrap = lightWrap * (1 - m[x]), matte = Matte(m[x]);
            for (int c = 0; c < 3; c++)
            {
                float bg = background[x * 3 + c] / 255f;
                dst[x * 3 + c] = CpuCompositor.ToByte(CpuCompositor.Mix(bg, CpuCompositor.Screen(src[x * 3 + c] / 255f, bg * wrap), matte));
            }
        }
    }

    /// <summary>1 − (1 − c)(1 − bg · wrap): the background's light screened over the frame.</summary>
    private static Vector256<float> Wrapped(Vector256<float> c, Vector256<float> bg, Vector256<float> wrap)
    {
        Vector256<float> one = Vector256<float>.One;
        return Avx.Subtract(one, Avx.Multiply(Avx.Subtract(one, c), Avx.Subtract(one, Avx.Multiply(bg, wrap))));
    }

    /// <summary>effect_outline.frag: max − min of inside() over the 3x3 ring u_width apart, as the line's strength.</summary>
    private void OutlineEffect(int y, byte* src, byte* dst)
    {
        int w = _w, d = _s.OutlineWidth, x = 0;
        int up = Math.Max(y - d, 0) * w, mid = y * w, down = Math.Min(y + d, _h - 1) * w;
        fixed (float* inside = _inside, col = _colour)
        {
            // Vectors where the whole ring lies inside the row; clamped columns at the row's ends, scalar.
            for (; x < w && x < d; x++)
                OutlinePixel(inside, up, mid, down, x, d, src, dst, col);
            if (_simd)
            {
                Vector256<float> k0 = Avx.LoadVector256(col), k1 = Avx.LoadVector256(col + 8), k2 = Avx.LoadVector256(col + 16);
                for (; x + d + 8 <= w; x += 8)
                {
                    Vector256<float> lo = Vector256<float>.One, hi = Vector256<float>.Zero;
                    Ring(inside + up + x, d, ref lo, ref hi);
                    Ring(inside + mid + x, d, ref lo, ref hi);
                    Ring(inside + down + x, d, ref lo, ref hi);
                    CpuSimd.Spread(Avx.Subtract(hi, lo), out var e0, out var e1, out var e2);
                    CpuSimd.Load24(src + x * 3, out var c0, out var c1, out var c2);
                    CpuSimd.Store24(dst + x * 3, CpuSimd.Mix(c0, k0, e0), CpuSimd.Mix(c1, k1, e1), CpuSimd.Mix(c2, k2, e2));
                }
            }
            for (; x < w; x++)
                OutlinePixel(inside, up, mid, down, x, d, src, dst, col);
        }
    }

    private void OutlinePixel(float* inside, int up, int mid, int down, int x, int d, byte* src, byte* dst, float* col)
    {
        int l = Math.Max(x - d, 0), r = Math.Min(x + d, _w - 1);
        float lo = 1, hi = 0;
        Ring(inside + up, l, x, r, ref lo, ref hi);
        Ring(inside + mid, l, x, r, ref lo, ref hi);
        Ring(inside + down, l, x, r, ref lo, ref hi);
        float edge = hi - lo;
        for (int c = 0; c < 3; c++)
            dst[x * 3 + c] = CpuCompositor.ToByte(CpuCompositor.Mix(src[x * 3 + c] / 255f, col[c], edge));
    }

    /// <summary>Min and max of one row of the ring, 8 pixels at a time: the samples d to the left, at, and d to the right.</summary>
    private static void Ring(float* p, int d, ref Vector256<float> lo, ref Vector256<float> hi)
    {
        Vector256<float> a = Avx.LoadVector256(p - d), b = Avx.LoadVector256(p), c = Avx.LoadVector256(p + d);
        lo = Avx.Min(lo, Avx.Min(a, Avx.Min(b, c)));
        hi = Avx.Max(hi, Avx.Max(a, Avx.Max(b, c)));
    }

    private static void Ring(float* row, int l, int x, int r, ref float lo, ref float hi)
    {
        float a = row[l], b = row[x], c = row[r];
        lo = MathF.Min(lo, MathF.Min(a, MathF.Min(b, c)));
        hi = MathF.Max(hi, MathF.Max(a, MathF.Max(b, c)));
    }

    private float Matte(float m) => _s.Feather > 0 ? CpuCompositor.SmoothStep(0.5f - _s.Feather, 0.5f + _s.Feather, m) : m;

    private Vector256<float> Matte(Vector256<float> m) => _s.Feather > 0 ? CpuSimd.SmoothStep(0.5f - _s.Feather, 0.5f + _s.Feather, m) : m;

    public void Dispose() => _bands.Dispose();
}
