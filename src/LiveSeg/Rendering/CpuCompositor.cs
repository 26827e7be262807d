using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// The CPU reference of the GL path: the same formulas as the shaders (mask.glsl, blur_*.frag, effect_*.frag), in the
/// same order, in float. Tests compare
/// the GL output with it (within 1 LSB); it is also a fallback compositor where no OpenGL is available. Slow (scalar),
/// but allocation-free per frame.
/// </summary>
internal sealed unsafe class CpuCompositor : ICompositor
{
    private readonly int _w;
    private readonly int _h;
    private int _mw;                     // the mask in use: the model's, or the refined one (half the frame's size)
    private int _mh;
    private readonly int _modelMaskWidth;
    private readonly int _modelMaskHeight;
    private readonly EffectSettings _s;
    private float[] _mask = [];           // the slot's mask (model size) while compositing it
    private readonly float[] _frame;      // frame size x 3, RGB 0..1
    private readonly float[] _sums1;      // blur: reduced size x 4
    private readonly float[] _sums2;      // blur: reduced size x 4 (result)
    private float[] _background;          // frame size x 3, RGB 0..1
    private readonly float[] _weights;
    private readonly int _bw;             // blur: reduced size
    private readonly int _bh;
    private readonly MaskRefiner _refiner;
    private int _pending;

    public CpuCompositor(int width, int height, int maskWidth, int maskHeight, EffectSettings settings, Mat? backgroundBgr = null)
    {
        (_w, _h, _modelMaskWidth, _modelMaskHeight, _s) = (width, height, maskWidth, maskHeight, settings);
        _frame = new float[width * height * 3];
        _weights = settings.BlurWeights();
        _refiner = new MaskRefiner(RefineChoice.ForCpuRenderer(settings.Refine));
        int f = settings.BlurFactor;
        (_bw, _bh) = ((width + f - 1) / f, (height + f - 1) / f);
        _sums1 = settings.Effect == EffectKind.Blur ? new float[_bw * _bh * 4] : [];
        _sums2 = settings.Effect == EffectKind.Blur ? new float[_bw * _bh * 4] : [];
        _background = [];
        if (settings.Effect == EffectKind.Replace)
        {
            using Mat bg = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
            _background = new float[width * height * 3];
            ToRgbFloat(bg, _background);
        }
    }

    public int MaxPending => 1;

    /// <summary>A new background (BGR, frame size), as the GL and fast CPU compositors take it (made on first use).</summary>
    public void SetBackground(Mat coverBgr)
    {
        if (coverBgr.Width != _w || coverBgr.Height != _h || coverBgr.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"background must be an 8-bit BGR image of {_w}x{_h}", nameof(coverBgr));
        if (_background.Length == 0)
            _background = new float[_w * _h * 3];
        ToRgbFloat(coverBgr, _background);
    }

    public void Submit(FrameSlot slot)
    {
        long t = Stopwatch.GetTimestamp();
        ToRgbFloat(slot.Image, _frame);
        t = slot.Timing.Add(Stage.Upload, t);
        (_mask, _mw, _mh) = (slot.Mask, _modelMaskWidth, _modelMaskHeight);
        if (_refiner.Kind != RefineKind.Off)
        {
            _mask = _refiner.Refine(_frame, _w, _h, slot.Mask, _mw, _mh);
            (_mw, _mh) = MaskRefiner.RefinedSize(_w, _h);
        }
        t = slot.Timing.Add(Stage.Refine, t);
        if (_s.Effect == EffectKind.Blur)
            Blur();
        if (slot.Output.Width != _w || slot.Output.Height != _h || slot.Output.Type() != MatType.CV_8UC3)
            slot.Output.Create(_h, _w, MatType.CV_8UC3);
        Rgb color = _s.EffectiveColor;
        for (int y = 0; y < _h; y++)
        {
            byte* row = (byte*)slot.Output.Ptr(y);
            for (int x = 0; x < _w; x++)
            {
                int i = y * _w + x;
                float m = MaskAt(x + 0.5f, y + 0.5f);
                float r = _frame[i * 3], g = _frame[i * 3 + 1], b = _frame[i * 3 + 2];
                switch (_s.Effect)
                {
                    case EffectKind.Mask:
                        r = g = b = m;
                        break;
                    case EffectKind.Tint:
                        float a = m * _s.TintStrength;
                        (r, g, b) = (Mix(r, color.R, a), Mix(g, color.G, a), Mix(b, color.B, a));
                        break;
                    case EffectKind.Blur:
                        float wsum = BlurredAt(x, y, 3) + 1e-3f;
                        float br = (BlurredAt(x, y, 0) + r * 1e-3f) / wsum;
                        float bgc = (BlurredAt(x, y, 1) + g * 1e-3f) / wsum;
                        float bb = (BlurredAt(x, y, 2) + b * 1e-3f) / wsum;
                        float alpha = Matte(m);
                        (r, g, b) = (Mix(br, r, alpha), Mix(bgc, g, alpha), Mix(bb, b, alpha));
                        break;
                    case EffectKind.Replace:
                        float wrap = _s.LightWrap * (1 - m), matte = Matte(m);
                        float cr = _background[i * 3], cg = _background[i * 3 + 1], cb = _background[i * 3 + 2];
                        (r, g, b) = (Mix(cr, Screen(r, cr * wrap), matte), Mix(cg, Screen(g, cg * wrap), matte), Mix(cb, Screen(b, cb * wrap), matte));
                        break;
                    case EffectKind.Outline:
                        float edge = OutlineEdge(x, y);
                        (r, g, b) = (Mix(r, color.R, edge), Mix(g, color.G, edge), Mix(b, color.B, edge));
                        break;
                }
                row[x * 3] = ToByte(b);
                row[x * 3 + 1] = ToByte(g);
                row[x * 3 + 2] = ToByte(r);
            }
        }
        _pending++;
        slot.Timing.Add(Stage.Composite, t);
    }

    public void Complete(FrameSlot slot)
    {
        if (_pending == 0)
            throw new InvalidOperationException("no frame submitted");
        _pending--;
    }

    /// <summary>GLSL mix(x, y, a) = x·(1−a) + y·a.</summary>
    public static float Mix(float x, float y, float a) => x * (1 - a) + y * a;

    /// <summary>Screen blend of <paramref name="light"/> over <paramref name="c"/>: 1 − (1 − c)(1 − light) (effect_replace.frag's light wrap).</summary>
    public static float Screen(float c, float light) => 1 - (1 - c) * (1 - light);

    /// <summary>mask.glsl matte: the feathered edge of blur and replace.</summary>
    private float Matte(float m) => _s.Feather > 0 ? SmoothStep(0.5f - _s.Feather, 0.5f + _s.Feather, m) : m;

    /// <summary>GLSL smoothstep.</summary>
    public static float SmoothStep(float e0, float e1, float x)
    {
        float t = Math.Clamp((x - e0) / (e1 - e0), 0f, 1f);
        return t * t * (3 - 2 * t);
    }

    /// <summary>Unsigned-normalised 8-bit conversion as GL does it: round(clamp(v) · 255).</summary>
    public static byte ToByte(float v) => (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.AwayFromZero);

    /// <summary>mask.glsl maskAt: the mask in use (model or refined), bilinear, pixel centres aligned, edges repeated; pos in frame pixel-centre coordinates.</summary>
    private float MaskAt(float px, float py) => SampleBilinear(_mask, _mw, _mh, _w, _h, px, py);

    /// <summary>
    /// mask.glsl's bilinear sample of a <paramref name="mw"/> x <paramref name="mh"/> mask at frame position (px, py) of a
    /// <paramref name="w"/> x <paramref name="h"/> frame: pixel centres aligned (as OpenCV INTER_LINEAR), edges repeated.
    /// </summary>
    public static float SampleBilinear(float[] mask, int mw, int mh, int w, int h, float px, float py)
    {
        float srcX = px * ((float)mw / w) - 0.5f, srcY = py * ((float)mh / h) - 0.5f;
        float fx = MathF.Floor(srcX), fy = MathF.Floor(srcY);
        float wx = srcX - fx, wy = srcY - fy;
        int x0 = Math.Clamp((int)fx, 0, mw - 1), x1 = Math.Clamp((int)fx + 1, 0, mw - 1);
        int y0 = Math.Clamp((int)fy, 0, mh - 1), y1 = Math.Clamp((int)fy + 1, 0, mh - 1);
        float top = Mix(mask[y0 * mw + x0], mask[y0 * mw + x1], wx);
        float bottom = Mix(mask[y1 * mw + x0], mask[y1 * mw + x1], wx);
        return Mix(top, bottom, wy);
    }

    /// <summary>mask.glsl maskNearest: the mask texel covering frame pixel (x, y).</summary>
    private float MaskNearest(int x, int y)
    {
        int mx = Math.Clamp((int)MathF.Floor((x + 0.5f) * ((float)_mw / _w)), 0, _mw - 1);
        int my = Math.Clamp((int)MathF.Floor((y + 0.5f) * ((float)_mh / _h)), 0, _mh - 1);
        return _mask[my * _mw + mx];
    }

    /// <summary>blur_downsample.frag then blur_gaussian.frag twice, into _sums2 (reduced size x 4).</summary>
    private void Blur()
    {
        int f = _s.BlurFactor, r = _s.ReducedBlurRadius;
        for (int y = 0; y < _bh; y++)
        {
            for (int x = 0; x < _bw; x++)
            {
                float sr = 0, sg = 0, sb = 0, sa = 0;
                for (int dy = 0; dy < f; dy++)
                {
                    for (int dx = 0; dx < f; dx++)
                    {
                        int qx = Math.Min(x * f + dx, _w - 1), qy = Math.Min(y * f + dy, _h - 1);
                        int q = qy * _w + qx;
                        float wt = 1 - MaskNearest(qx, qy);
                        sr += _frame[q * 3] * wt;
                        sg += _frame[q * 3 + 1] * wt;
                        sb += _frame[q * 3 + 2] * wt;
                        sa += wt;
                    }
                }
                float n = f * f;
                int o = (y * _bw + x) * 4;
                (_sums2[o], _sums2[o + 1], _sums2[o + 2], _sums2[o + 3]) = (sr / n, sg / n, sb / n, sa / n);
            }
        }
        Gaussian(_sums2, _sums1, 1, 0, r);
        Gaussian(_sums1, _sums2, 0, 1, r);
    }

    private void Gaussian(float[] src, float[] dst, int dx, int dy, int r)
    {
        for (int y = 0; y < _bh; y++)
        {
            for (int x = 0; x < _bw; x++)
            {
                float sr = 0, sg = 0, sb = 0, sa = 0;
                for (int k = -r; k <= r; k++)
                {
                    int q = (Math.Clamp(y + dy * k, 0, _bh - 1) * _bw + Math.Clamp(x + dx * k, 0, _bw - 1)) * 4;
                    float wt = _weights[Math.Abs(k)];
                    sr += wt * src[q];
                    sg += wt * src[q + 1];
                    sb += wt * src[q + 2];
                    sa += wt * src[q + 3];
                }
                int o = (y * _bw + x) * 4;
                (dst[o], dst[o + 1], dst[o + 2], dst[o + 3]) = (sr, sg, sb, sa);
            }
        }
    }

    /// <summary>Bilinear sample of the blurred sums at frame pixel (x, y), as effect_blur.frag; channel c.</summary>
    private float BlurredAt(int x, int y, int c)
    {
        float srcX = (x + 0.5f) * ((float)_bw / _w) - 0.5f, srcY = (y + 0.5f) * ((float)_bh / _h) - 0.5f;
        float fx = MathF.Floor(srcX), fy = MathF.Floor(srcY);
        float wx = srcX - fx, wy = srcY - fy;
        int x0 = Math.Clamp((int)fx, 0, _bw - 1), x1 = Math.Clamp((int)fx + 1, 0, _bw - 1);
        int y0 = Math.Clamp((int)fy, 0, _bh - 1), y1 = Math.Clamp((int)fy + 1, 0, _bh - 1);
        float top = Mix(_sums2[(y0 * _bw + x0) * 4 + c], _sums2[(y0 * _bw + x1) * 4 + c], wx);
        float bottom = Mix(_sums2[(y1 * _bw + x0) * 4 + c], _sums2[(y1 * _bw + x1) * 4 + c], wx);
        return Mix(top, bottom, wy);
    }

    private float OutlineEdge(int x, int y)
    {
        float lo = 1, hi = 0;
        int d = _s.OutlineWidth;
        for (int dy = -1; dy <= 1; dy++)
        {
            for (int dx = -1; dx <= 1; dx++)
            {
                float qx = Math.Clamp(x + dx * d, 0, _w - 1) + 0.5f, qy = Math.Clamp(y + dy * d, 0, _h - 1) + 0.5f;
                float v = SmoothStep(0.4f, 0.6f, MaskAt(qx, qy));
                lo = MathF.Min(lo, v);
                hi = MathF.Max(hi, v);
            }
        }
        return hi - lo;
    }

    /// <summary>BGR bytes → RGB floats 0..1 (frame size x 3), as the GL texture unit reads RGBA8.</summary>
    public static void ToRgbFloat(Mat bgr, float[] rgb)
    {
        int height = bgr.Height, width = bgr.Width;
        for (int y = 0; y < height; y++)
        {
            byte* row = (byte*)bgr.Ptr(y);
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                rgb[i] = row[x * 3 + 2] / 255f;
                rgb[i + 1] = row[x * 3 + 1] / 255f;
                rgb[i + 2] = row[x * 3] / 255f;
            }
        }
    }

    public void Dispose()
    {
    }
}
