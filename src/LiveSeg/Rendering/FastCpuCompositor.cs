using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Masks;
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
/// Each effect's part is its <see cref="Kernel"/> (FastCpuCompositor.NAME.cs, which registers it for the effect's kind:
/// <see cref="Registered"/>), made when the effect is first used.
/// Everything is made once; a frame allocates nothing. Sums are taken in another order than the reference's, so a
/// channel may differ from it by 1 (of 255) where a value lies on a rounding boundary.
/// </summary>
internal sealed unsafe partial class FastCpuCompositor : ICompositor
{
    private readonly int _w;
    private readonly int _h;
    private EffectSettings _s;
    private readonly RowBands _bands;
    private readonly Action<int, int, int> _maskRows, _composeRows;
    private readonly MaskRefiner _refiner;
    private readonly RefineKind _refineUsed;
    private readonly float[] _rgb;             // refine only: the frame as RGB floats
    private byte[] _background = [];           // replace: the cover image, BGR bytes, frame size
    private readonly float[] _colour = new float[24]; // tint/outline colour repeated as B, G, R over 24 channel values
    private readonly bool _simd;
    private readonly Kernel?[] _kernels = new Kernel?[EffectRegistry.All.Count]; // by EffectKind, made at first use
    private Kernel _kernel = null!;            // the effect in use

    /// <summary>
    /// Each effect's kernel, made for a compositor, by <see cref="EffectKind"/>: filled by a static field of each
    /// FastCpuCompositor.NAME.cs through <see cref="Registered"/> (this type's initializer runs them all before the
    /// table is first read), so that no file lists the effects' kernels and the effects do not know this renderer.
    /// </summary>
    private static Func<FastCpuCompositor, Kernel>?[]? s_kernels;

    /// <summary>Enters <paramref name="newKernel"/> in the table as the kernel of <paramref name="kind"/>; returns it (for the registering field).</summary>
    private static Func<FastCpuCompositor, Kernel> Registered(EffectKind kind, Func<FastCpuCompositor, Kernel> newKernel)
    {
        s_kernels ??= new Func<FastCpuCompositor, Kernel>?[Enum.GetValues<EffectKind>().Length];
        if (s_kernels[(int)kind] is not null)
            throw new InvalidOperationException($"two CPU renderer kernels for effect {kind}");
        s_kernels[(int)kind] = newKernel;
        return newKernel;
    }

    /// <summary>A new kernel of <paramref name="effect"/> for this compositor.</summary>
    private Kernel NewKernel(Effect effect) =>
        (s_kernels?[(int)effect.Kind] ?? throw new InvalidOperationException($"no CPU renderer kernel for effect {effect.Name}: add FastCpuCompositor.NAME.cs"))(this);

    // The mask in use (model's, or refined at half the frame's size), upsampled horizontally: mask rows x frame width.
    private float[] _mask = [];
    private int _mw, _mh;
    private int[] _mx0 = [], _mx1 = [], _my0 = [], _my1 = [], _nearestX = [], _nearestY = [];
    private float[] _mwx = [], _mwy = [];
    private float[] _maskH = [];

    private readonly float[][] _m;             // per band: the mask at one frame row

    private Mat? _image;
    private Mat? _output;
    private int _pending;

    /// <param name="useSimd">False: the scalar loops only (what a CPU without AVX2 runs; tests compare both).</param>
    public FastCpuCompositor(int width, int height, int maskWidth, int maskHeight, EffectSettings settings, Mat? backgroundBgr = null, int threads = 1, bool useSimd = true)
    {
        (_w, _h) = (width, height);
        _simd = useSimd && CpuSimd.IsSupported;
        _bands = new RowBands(Math.Clamp(threads, 1, 64), "liveseg-cpu-render");
        (_maskRows, _composeRows) = (MaskRows, ComposeRows);
        try
        {
            _refineUsed = RefineChoice.ForCpuRenderer(settings.Refine);
            _refiner = new MaskRefiner(RefineChoice.Method(_refineUsed));
            _rgb = _refiner.Kind != RefineMethod.Off ? new float[width * height * 3] : [];
            var (mw, mh) = _refiner.Kind != RefineMethod.Off ? MaskRefiner.RefinedSize(width, height) : (maskWidth, maskHeight);
            SetMaskSize(mw, mh);
            _m = Rows(_bands.Count, width);
            if (backgroundBgr is not null || EffectRegistry.Of(settings.Effect).Input == EffectInput.Background)
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
    public string RefineDescription => RefineChoice.Describe(_s.Refine, _refineUsed);

    /// <summary>For the header line: "CPU renderer, 2 threads (why); edges …".</summary>
    public string Describe(string why)
    {
        string threads = Threads == 1 ? "1 thread" : $"{Threads} threads";
        return why.Length > 0 ? $"CPU renderer, {threads} ({why}); {RefineDescription}" : $"CPU renderer, {threads}; {RefineDescription}";
    }

    /// <summary>
    /// New effect settings (live keys). What the effect needs and was not made yet — its kernel, the kernel's buffers
    /// for these settings, the default background — is made now, so a key press may allocate; frames do not.
    /// </summary>
    public void Apply(EffectSettings settings)
    {
        settings = settings.Validated() with { Refine = _s.Refine }; // ranges matter here: the outline reads ± its width
        Rgb c = settings.EffectiveColor;
        for (int i = 0; i < 24; i += 3)
            (_colour[i], _colour[i + 1], _colour[i + 2]) = (c.B, c.G, c.R);
        Effect effect = EffectRegistry.Of(settings.Effect);
        if (effect.Input == EffectInput.Background && _background.Length == 0)
        {
            using Mat gradient = BackgroundImage.DefaultGradient(_w, _h);
            SetBackground(gradient);
        }
        Kernel kernel = _kernels[(int)effect.Kind] ??= NewKernel(effect);
        kernel.Apply(settings);
        (_kernel, _s) = (kernel, settings);
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
        Render(slot.Image, slot.Mask, slot.Output, ref slot.Timing);
        _pending++;
    }

    /// <summary>
    /// Composites <paramref name="image"/> (8-bit BGR, frame size) with <paramref name="mask"/> (probabilities, any
    /// size) into <paramref name="output"/> (made or resized as needed). Adds refine and composite times.
    /// </summary>
    public void Render(Mat image, Mask mask, Mat output, ref FrameTiming timing)
    {
        long t = Stopwatch.GetTimestamp();
        if (image.Width != _w || image.Height != _h || image.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"need an 8-bit BGR frame of {_w}x{_h}, got {image.Width}x{image.Height} {image.Type()}", nameof(image));
        if (output.Width != _w || output.Height != _h || output.Type() != MatType.CV_8UC3)
            output.Create(_h, _w, MatType.CV_8UC3);
        (_image, _output) = (image, output);
        if (_refiner.Kind != RefineMethod.Off)
        {
            CpuCompositor.ToRgbFloat(image, _rgb);
            mask = _refiner.Refine(_rgb, _w, _h, mask);
        }
        if (mask.Width != _mw || mask.Height != _mh)
            SetMaskSize(mask.Width, mask.Height);
        _mask = mask.Data;
        t = timing.Add(Stage.Refine, t);
        _bands.Run(_mh, _maskRows);
        _kernel.Prepare();
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
    /// <see cref="Mask.SampleBilinear"/> computes them (pixel centres aligned, edges repeated).
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

    /// <summary>The effect pass (effect_*.frag: the kernel's <see cref="Kernel.ComposeRow"/>) for frame rows first..end, BGR bytes in and out.</summary>
    private void ComposeRows(int band, int first, int end)
    {
        byte* image = (byte*)_image!.Data, output = (byte*)_output!.Data;
        long inStep = _image.Step(), outStep = _output.Step();
        Kernel kernel = _kernel;
        for (int y = first; y < end; y++)
        {
            float[] m = kernel.ReadsMaskRow ? MaskRow(band, y) : _m[band];
            fixed (float* pm = m)
                kernel.ComposeRow(band, y, pm, image + y * inStep, output + y * outStep);
        }
    }

    private float Matte(float m) => Glsl.Matte(_s.Feather, m);

    private Vector256<float> Matte(Vector256<float> m) => _s.Feather > 0 ? CpuSimd.SmoothStep(0.5f - _s.Feather, 0.5f + _s.Feather, m) : m;

    public void Dispose() => _bands.Dispose();

    /// <summary>
    /// One effect's part of the CPU renderer, for one compositor (nested, so it reads the compositor's tables and
    /// rows): buffers for its settings on <see cref="Apply"/> (a key press may allocate), whole-frame passes per frame
    /// in <see cref="Prepare"/> (on the bands, after the mask rows are made), then one output row at a time.
    /// </summary>
    internal abstract class Kernel
    {
        /// <summary>New settings of this effect: make what they need that is not made yet.</summary>
        public virtual void Apply(in EffectSettings s)
        {
        }

        /// <summary>Per frame, before the rows are composed: passes over the whole frame.</summary>
        public virtual void Prepare()
        {
        }

        /// <summary>Whether <see cref="ComposeRow"/> reads the mask at its row (false: it reads buffers of its own).</summary>
        public virtual bool ReadsMaskRow => true;

        /// <summary>
        /// Output row <paramref name="y"/> (BGR bytes, frame width) from the frame's row <paramref name="src"/> and the
        /// mask at that row <paramref name="m"/> (frame width floats; valid when <see cref="ReadsMaskRow"/>). Runs on band
        /// <paramref name="band"/>'s thread: scratch rows per band only.
        /// </summary>
        public abstract void ComposeRow(int band, int y, float* m, byte* src, byte* dst);
    }
}
