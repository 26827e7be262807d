using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Benchmarks;

/// <summary>
/// Per-stage micro-benchmarks at 640x480, 1280x720 and 1920x1080, with allocations (MemoryDiagnoser), run by hand:
///   dotnet run -c Release --project tests/LiveSeg.Benchmarks -- --filter '*'
///   dotnet run -c Release --project tests/LiveSeg.Benchmarks -- --filter '*Composite*'
/// A short job (3 warm-ups, 8 iterations) keeps a full run to a few minutes on a 2-core machine; the machine is shared,
/// so compare rows of one run. Results: docs/benchmarks.md, "Stage micro-benchmarks".
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "quick")
        {
            Quick.Run(args[1..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args,
            DefaultConfig.Instance.AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(8).WithLaunchCount(1)).WithOptions(ConfigOptions.JoinSummary));
    }
}

/// <summary>
/// A quick look while working, not a benchmark to quote: `-- quick cpu|gl|ref WxH EFFECT [THREADS] [FRAMES]` composites
/// one frame FRAMES times (default 60) after 5 warm-ups and prints the median and quartiles in ms.
/// </summary>
internal static class Quick
{
    public static void Run(string[] a)
    {
        var bench = new QuickFrame { Size = a[1] };
        var effect = new EffectSettings { Effect = EffectSettings.ParseEffect(a[2]), Refine = RefineKind.Off };
        int threads = a.Length > 3 ? int.Parse(a[3], System.Globalization.CultureInfo.InvariantCulture) : 1;
        int frames = a.Length > 4 ? int.Parse(a[4], System.Globalization.CultureInfo.InvariantCulture) : 60;
        bench.Make();
        using EglContext? egl = a[0] == "gl" ? new EglContext() : null;
        using ICompositor c = a[0] switch
        {
            "gl" => new GlCompositor(egl!.Gl, new ShaderLibrary(), bench.W, bench.H, FrameBenchmark.MaskSize, FrameBenchmark.MaskSize, effect),
            "ref" => new CpuCompositor(bench.W, bench.H, effect),
            _ => new FastCpuCompositor(bench.W, bench.H, FrameBenchmark.MaskSize, FrameBenchmark.MaskSize, effect, null, threads),
        };
        var times = new List<double>();
        for (int i = 0; i < frames + 5; i++)
        {
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            c.Submit(bench.FrameSlot);
            c.Complete(bench.FrameSlot);
            if (i >= 5)
                times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine(System.FormattableString.Invariant($"{a[0]} {a[1]} {a[2]} threads {threads}: p25 {times[times.Count / 4]:F2}  p50 {times[times.Count / 2]:F2}  p75 {times[times.Count * 3 / 4]:F2} ms"));
    }

    private sealed class QuickFrame : FrameBenchmark
    {
        public int W => Width;

        public int H => Height;

        internal FrameSlot FrameSlot => Slot;

        public void Make() => MakeFrame();
    }
}

/// <summary>A frame with a person-like blob and its 256x256 mask, at a given size.</summary>
public abstract class FrameBenchmark
{
    public const int MaskSize = 256;

    [Params("640x480", "1280x720", "1920x1080")]
    public string Size { get; set; } = "640x480";

    protected int Width { get; private set; }

    protected int Height { get; private set; }

    private protected FrameSlot Slot { get; private set; } = null!;

    protected float[] Rgb { get; private set; } = [];

    protected void MakeFrame()
    {
        string[] wh = Size.Split('x');
        (Width, Height) = (int.Parse(wh[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(wh[1], System.Globalization.CultureInfo.InvariantCulture));
        Slot = new FrameSlot(MaskSize, MaskSize);
        Slot.Image.Create(Height, Width, MatType.CV_8UC3);
        Cv2.Randu(Slot.Image, new Scalar(0, 0, 0), new Scalar(255, 255, 255));
        Cv2.Ellipse(Slot.Image, new Point(Width / 2, Height * 2 / 3), new Size(Width / 5, Height / 2), 0, 0, 360, new Scalar(40, 120, 220), -1);
        for (int y = 0; y < MaskSize; y++)
        {
            for (int x = 0; x < MaskSize; x++)
            {
                float dx = (x - MaskSize / 2f) / (MaskSize / 5f), dy = (y - MaskSize * 2 / 3f) / (MaskSize / 2f);
                Slot.Mask.Data[y * MaskSize + x] = Math.Clamp((1 - MathF.Sqrt(dx * dx + dy * dy)) * 8, 0, 1);
            }
        }
        Rgb = new float[Width * Height * 3];
        CpuCompositor.ToRgbFloat(Slot.Image, Rgb);
    }
}

/// <summary>The GL compositor (EGL: llvmpipe here, the GPU's driver on a GPU machine): upload + [refine] + effect + read-back, one frame.</summary>
[MemoryDiagnoser]
public class CompositeBenchmarks : FrameBenchmark
{
    private EglContext _egl = null!;
    private GlCompositor _gl = null!;

    [Params(EffectKind.Blur, EffectKind.Replace, EffectKind.Mask)]
    public EffectKind Effect { get; set; }

    [Params(RefineKind.Off, RefineKind.Bilateral, RefineKind.Guided)]
    public RefineKind Refine { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        MakeFrame();
        _egl = new EglContext();
        _gl = new GlCompositor(_egl.Gl, new ShaderLibrary(), Width, Height, MaskSize, MaskSize, new EffectSettings { Effect = Effect, Refine = Refine });
    }

    [Benchmark]
    public void Composite()
    {
        _gl.Submit(Slot);
        _gl.Complete(Slot); // waits for the GPU (read-back), so the row is the whole GL cost of a frame
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _gl.Dispose();
        _egl.Dispose();
    }
}

/// <summary>
/// CPU stages: preprocess (the frame resized and normalised into the 256x256 input tensor, as the body model's
/// manifest says), postprocess (sigmoid of 256x256 logits into the mask), the refinement's CPU reference (still
/// images) and the motion-aware smoother.
/// </summary>
[MemoryDiagnoser]
public class CpuStageBenchmarks : FrameBenchmark
{
    private MaskRefiner _bilateral = null!;
    private TemporalSmoother _smoother = null!;
    private Preprocessor _pre = null!;
    private Postprocessor _post = null!;
    private InputArray _frameArray = null!;
    private readonly Mask _mask = new(MaskSize, MaskSize);
    private readonly float[] _tensor = new float[3 * MaskSize * MaskSize];
    private readonly float[] _logits = new float[MaskSize * MaskSize];

    [GlobalSetup]
    public void Setup()
    {
        MakeFrame();
        _bilateral = new MaskRefiner(RefineMethod.Bilateral);
        _smoother = new TemporalSmoother(MaskSize * MaskSize, 0.95f);
        var manifest = new ModelManifest { Width = MaskSize, Height = MaskSize, Activation = OutputActivation.Sigmoid };
        _pre = new Preprocessor(manifest);
        _post = new Postprocessor(manifest, 1, MaskSize, MaskSize);
        _frameArray = InputArray.Create(Slot.Image);
        for (int i = 0; i < _logits.Length; i++)
            _logits[i] = (i % 97 - 48) / 8f;
    }

    [Benchmark]
    public void Preprocess() => _pre.Run(Slot.Image, _frameArray, _tensor);

    [Benchmark]
    public void Postprocess() => _post.Run(_logits, _mask);

    [Benchmark]
    public float[] RefineBilateralCpu() => _bilateral.Refine(Rgb, Width, Height, Slot.Mask).Data;

    [Benchmark]
    public void MotionAwareSmoothing()
    {
        _mask.CopyFrom(Slot.Mask);
        _smoother.Apply(_mask, Slot.Image);
    }
}

/// <summary>
/// The CPU renderer (FastCpuCompositor: --renderer cpu) for each effect, with 1 and 2 threads, one frame; the GL rows of
/// <see cref="CompositeBenchmarks"/> are the comparison (run both in one invocation: --filter '*Composite*').
/// </summary>
[MemoryDiagnoser]
public class CpuCompositeBenchmarks : FrameBenchmark
{
    private FastCpuCompositor _cpu = null!;

    [Params(EffectKind.Blur, EffectKind.Replace, EffectKind.Mask, EffectKind.Tint, EffectKind.Outline)]
    public EffectKind Effect { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        MakeFrame();
        _cpu = new FastCpuCompositor(Width, Height, MaskSize, MaskSize, new EffectSettings { Effect = Effect, Refine = RefineKind.Off }, null, Threads);
    }

    [Benchmark]
    public void CpuComposite()
    {
        _cpu.Submit(Slot);
        _cpu.Complete(Slot);
    }

    [GlobalCleanup]
    public void Cleanup() => _cpu.Dispose();
}
