using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// The CPU reference of the GL path: the same formulas as the shaders (mask.glsl, blur_*.frag, effect_*.frag), in the
/// same order, in float; each effect's formula is its <see cref="ReferencePass"/> (Effects/NAME.cs). Tests compare
/// the GL output with it (within 1 LSB); it is also a fallback compositor where no OpenGL is available. Slow (scalar),
/// but allocation-free per frame.
/// </summary>
internal sealed unsafe class CpuCompositor : ICompositor, IReferenceInputs
{
    private readonly int _w;
    private readonly int _h;
    private readonly EffectSettings _s;
    private Mask _mask = new(0, 0);       // the mask in use while compositing: the slot's (model size) or the refined one
    private readonly float[] _frame;      // frame size x 3, RGB 0..1
    private float[] _background; // frame size x 3, RGB 0..1
    private readonly MaskRefiner _refiner;
    private readonly ReferencePass _effect;
    private int _pending;

    /// <summary>A compositor of <paramref name="width"/> x <paramref name="height"/> frames; each slot's mask brings its own size.</summary>
    public CpuCompositor(int width, int height, EffectSettings settings, Mat? backgroundBgr = null)
    {
        (_w, _h, _s) = (width, height, settings);
        _frame = new float[width * height * 3];
        _refiner = new MaskRefiner(RefineChoice.Method(RefineChoice.ForCpuRenderer(settings.Refine)));
        Effect effect = EffectRegistry.Of(settings.Effect);
        _background = [];
        if (effect.Input == EffectInput.Background)
        {
            using Mat bg = backgroundBgr is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.Cover(backgroundBgr, width, height);
            _background = new float[width * height * 3];
            ToRgbFloat(bg, _background);
        }
        _effect = effect.NewReference(this);
    }

    public int MaxPending => 1;

    public int Width => _w;

    public int Height => _h;

    public EffectSettings Settings => _s;

    /// <summary>The frame being composited: RGB floats 0..1, frame size x 3.</summary>
    public float[] Frame => _frame;

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
        _mask = _refiner.Kind != RefineMethod.Off ? _refiner.Refine(_frame, _w, _h, slot.Mask) : slot.Mask;
        t = slot.Timing.Add(Stage.Refine, t);
        _effect.Prepare();
        if (slot.Output.Width != _w || slot.Output.Height != _h || slot.Output.Type() != MatType.CV_8UC3)
            slot.Output.Create(_h, _w, MatType.CV_8UC3);
        for (int y = 0; y < _h; y++)
        {
            byte* row = (byte*)slot.Output.Ptr(y);
            for (int x = 0; x < _w; x++)
            {
                int i = y * _w + x;
                Rgb c = _effect.Pixel(x, y, MaskAt(x + 0.5f, y + 0.5f), new Rgb(_frame[i * 3], _frame[i * 3 + 1], _frame[i * 3 + 2]));
                row[x * 3] = ToByte(c.B);
                row[x * 3 + 1] = ToByte(c.G);
                row[x * 3 + 2] = ToByte(c.R);
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

    /// <summary>mask.glsl matte: the feathered edge of blur and replace.</summary>
    public float Matte(float m) => Glsl.Matte(_s.Feather, m);

    /// <summary>Unsigned-normalised 8-bit conversion as GL does it: round(clamp(v) · 255).</summary>
    public static byte ToByte(float v) => (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f, MidpointRounding.AwayFromZero);

    /// <summary>mask.glsl maskAt: the mask in use (model or refined), bilinear, pixel centres aligned, edges repeated; pos in frame pixel-centre coordinates.</summary>
    public float MaskAt(float px, float py) => _mask.SampleBilinear(_w, _h, px, py);

    /// <summary>mask.glsl maskNearest: the mask texel covering frame pixel (x, y).</summary>
    public float MaskNearest(int x, int y)
    {
        int mw = _mask.Width, mh = _mask.Height;
        int mx = Math.Clamp((int)MathF.Floor((x + 0.5f) * ((float)mw / _w)), 0, mw - 1);
        int my = Math.Clamp((int)MathF.Floor((y + 0.5f) * ((float)mh / _h)), 0, mh - 1);
        return _mask.Data[my * mw + mx];
    }

    /// <summary>The background image (replace) at pixel (x, y), RGB 0..1.</summary>
    public Rgb BackgroundAt(int x, int y)
    {
        int i = (y * _w + x) * 3;
        return new Rgb(_background[i], _background[i + 1], _background[i + 2]);
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
