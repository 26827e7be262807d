using BenchmarkDotNet.Attributes;
using LiveSeg.Masks;
using LiveSeg.Motion;
using OpenCvSharp;

namespace LiveSeg.Benchmarks;

/// <summary>
/// Live mode's motion compensation, per shown frame (issue 26's "≤ 2 ms per 720p frame"): the shown frame's luma pyramid,
/// block matching against the mask frame's pyramid (built with the mask, on the inference thread), and the CPU warp of
/// the 256x256 mask; <see cref="PerShownFrame"/> is the three together, what the motion stage costs on the display thread.
/// The newer frame is the older one moved by (6, 3) pixels, so the matcher finds real motion.
///   dotnet run -c Release --project tests/LiveSeg.Benchmarks -- --filter '*MotionBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class MotionBenchmarks : FrameBenchmark
{
    private readonly Mask _warped = new(MaskSize, MaskSize);
    private Mat _newer = null!;
    private LumaPyramid _older = null!;
    private LumaPyramid _shown = null!;
    private MotionField _field = null!;
    private BlockMatcher _matcher = null!;
    private MaskWarp _warp = null!;
    private MaskWarp _scalarWarp = null!;

    [GlobalSetup]
    public void Setup()
    {
        MakeFrame();
        _newer = new Mat(Height, Width, MatType.CV_8UC3);
        using (var shift = new Mat(2, 3, MatType.CV_64FC1))
        {
            shift.Set(0, 0, 1.0);
            shift.Set(0, 2, 6.0);
            shift.Set(1, 1, 1.0);
            shift.Set(1, 2, 3.0);
            Cv2.WarpAffine(Slot.Image, _newer, shift, _newer.Size(), InterpolationFlags.Linear, BorderTypes.Replicate);
        }
        _older = new LumaPyramid(Width, Height);
        _older.Build(Slot.Image);
        _shown = new LumaPyramid(Width, Height);
        _shown.Build(_newer);
        _field = new MotionField(Width, Height);
        _matcher = new BlockMatcher(_field.GridWidth, _field.GridHeight);
        _warp = new MaskWarp(Width, Height);
        _scalarWarp = new MaskWarp(Width, Height, useSimd: false);
        _matcher.Estimate(_shown, _older, _field);
    }

    [Benchmark]
    public void Pyramid() => _shown.Build(_newer);

    [Benchmark]
    public void Match() => _matcher.Estimate(_shown, _older, _field);

    [Benchmark]
    public void Warp() => _warp.Apply(Slot.Mask, _field, _warped);

    /// <summary>The warp's scalar loop (what runs without AVX2), for the ratio to <see cref="Warp"/> in one run.</summary>
    [Benchmark]
    public void WarpScalar() => _scalarWarp.Apply(Slot.Mask, _field, _warped);

    [Benchmark]
    public void PerShownFrame()
    {
        _shown.Build(_newer);
        _matcher.Estimate(_shown, _older, _field);
        _warp.Apply(Slot.Mask, _field, _warped);
    }

    [GlobalCleanup]
    public void Cleanup() => _newer.Dispose();
}
