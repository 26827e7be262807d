using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The GL path (headless EGL: Mesa llvmpipe in CI) and the fast CPU renderer against the CPU reference of the same
/// formulas, and against each other, on synthetic frames and masks, for every effect and odd sizes. Tolerance: 1 LSB
/// (float rounding order may differ by one ulp).
/// </summary>
public sealed class CompositorTests : IDisposable
{
    private readonly EglContext _egl = new();
    private readonly ShaderLibrary _shaders = new();

    public static TheoryData<EffectKind, RefineKind, float, int, int, int, int> Cases()
    {
        var data = new TheoryData<EffectKind, RefineKind, float, int, int, int, int>();
        foreach (EffectKind e in EffectRegistry.All.Select(effect => effect.Kind)) // every registered effect, new ones included
        {
            foreach (RefineKind r in new[] { RefineKind.Off, RefineKind.Guided, RefineKind.Bilateral })
            {
                data.Add(e, r, 0f, 641, 479, 64, 48);  // odd frame, upsampled mask
                data.Add(e, r, 0f, 1, 1, 1, 1);        // smallest frame
                data.Add(e, r, 0f, 37, 23, 50, 50);    // mask larger than the frame
            }
            data.Add(e, RefineKind.Guided, 0.2f, 641, 479, 64, 48); // feathered edge (where the effect has a matte)
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renderers_MatchTheCpuReference_AndEachOther_Within1Lsb(EffectKind effect, RefineKind refine, float feather, int width, int height, int maskWidth, int maskHeight)
    {
        var settings = new EffectSettings { Effect = effect, Refine = refine, Feather = feather, LightWrap = 0.6f, BlurRadius = 9, OutlineWidth = 2, BlockSize = 7 };
        using var background = Pattern(97, 61, seed: 7);
        using var gl = new GlCompositor(_egl.Gl, _shaders, width, height, maskWidth, maskHeight, settings, background);
        using var cpu = new CpuCompositor(width, height, settings, background);
        using var fast = new FastCpuCompositor(width, height, maskWidth, maskHeight, settings, background, threads: 3);
        using var a = new FrameSlot(maskWidth, maskHeight);
        using var b = new FrameSlot(maskWidth, maskHeight);
        using var c = new FrameSlot(maskWidth, maskHeight);
        // Two frames, so temporal smoothing (previous mask) is exercised too.
        for (int frame = 0; frame < 2; frame++)
        {
            using (var img = Pattern(width, height, seed: frame))
            {
                img.CopyTo(a.Image);
                img.CopyTo(b.Image);
                img.CopyTo(c.Image);
            }
            FillMask(a.Mask.Data, maskWidth, maskHeight, frame);
            b.Mask.CopyFrom(a.Mask);
            c.Mask.CopyFrom(a.Mask);
            gl.Submit(a);
            gl.Complete(a);
            cpu.Submit(b);
            cpu.Complete(b);
            fast.Submit(c);
            fast.Complete(c);
            string what = $"{effect} refine {refine} feather {feather} {width}x{height} frame {frame}";
            Assert.True(MaxDiff(a.Output, b.Output) <= 1, $"{what}: GL differs from the CPU reference by {MaxDiff(a.Output, b.Output)} LSB");
            Assert.True(MaxDiff(c.Output, b.Output) <= 1, $"{what}: the fast CPU renderer differs from the CPU reference by {MaxDiff(c.Output, b.Output)} LSB");
            Assert.True(MaxDiff(c.Output, a.Output) <= 1, $"{what}: the fast CPU renderer differs from GL by {MaxDiff(c.Output, a.Output)} LSB");
        }
    }

    internal static double MaxDiff(Mat x, Mat y)
    {
        using var diff = new Mat();
        Cv2.Absdiff(x, y, diff);
        Cv2.MinMaxLoc(diff.Reshape(1), out _, out double max);
        return max;
    }

    [Fact]
    public void RefineAuto_IsOffOnSoftwareOpenGl_BilateralOnAGpu_AndStaysTheRunsMode()
    {
        Assert.Equal(RefineKind.Off, RefineChoice.For(RefineKind.Auto, "llvmpipe (LLVM 15.0.6, 256 bits)"));
        Assert.Equal(RefineKind.Bilateral, RefineChoice.For(RefineKind.Auto, "NVIDIA H100 80GB HBM3/PCIe/SSE2"));
        Assert.Equal(RefineKind.Guided, RefineChoice.For(RefineKind.Guided, "llvmpipe"));
        Assert.Equal(RefineKind.Bilateral, RefineChoice.ForStill(RefineKind.Auto));
        var settings = new EffectSettings { Effect = EffectKind.Blur, Refine = RefineKind.Auto };
        using var gl = new GlCompositor(_egl.Gl, _shaders, 64, 48, 16, 16, settings, adjustable: true);
        var expected = RefineChoice.For(RefineKind.Auto, _egl.Renderer);
        Assert.Equal(expected, gl.Settings.Refine);
        gl.Apply(settings with { Effect = EffectKind.Tint, Refine = RefineKind.Guided }); // a key press never rebuilds the programs
        Assert.Equal((EffectKind.Tint, expected), (gl.Settings.Effect, gl.Settings.Refine));
    }

    [Fact]
    public void GlCompositor_MaskEffect_ShowsTheMask()
    {
        var settings = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off };
        using var gl = new GlCompositor(_egl.Gl, _shaders, 8, 4, 2, 1, settings);
        using var slot = new FrameSlot(2, 1);
        slot.Image.Create(4, 8, MatType.CV_8UC3);
        slot.Mask.Data[0] = 0f;
        slot.Mask.Data[1] = 1f;
        gl.Submit(slot);
        gl.Complete(slot);
        // Left quarter is pure background, right quarter pure foreground (bilinear ramps only in the middle).
        Assert.Equal(new Vec3b(0, 0, 0), slot.Output.At<Vec3b>(2, 0));
        Assert.Equal(new Vec3b(255, 255, 255), slot.Output.At<Vec3b>(2, 7));
    }

    [Fact]
    public void GlCompositor_TwoFramesInFlight_CompleteInOrder()
    {
        var settings = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off };
        using var gl = new GlCompositor(_egl.Gl, _shaders, 4, 4, 1, 1, settings);
        using var first = new FrameSlot(1, 1);
        using var second = new FrameSlot(1, 1);
        first.Image.Create(4, 4, MatType.CV_8UC3);
        second.Image.Create(4, 4, MatType.CV_8UC3);
        first.Mask.Data[0] = 0.2f;
        second.Mask.Data[0] = 0.8f;
        gl.Submit(first);
        gl.Submit(second);
        gl.Complete(first);
        gl.Complete(second);
        Assert.Equal(51, first.Output.At<Vec3b>(0, 0).Item0);
        Assert.Equal(204, second.Output.At<Vec3b>(0, 0).Item0);
    }

    [Fact]
    public void Present_WithACrop_ShowsTheCropScaledUp_AsTheCropStageDoes()
    {
        // Live mode's display of auto-framing: the composited target's crop (whole pixels), blitted to the window.
        const int w = 160, h = 90;
        var settings = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off };
        using var gl = new GlCompositor(_egl.Gl, _shaders, w, h, w, h, settings);
        using var slot = new FrameSlot(w, h);
        slot.Image.Create(h, w, MatType.CV_8UC3);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                slot.Mask.Data[y * w + x] = 0.1f + 0.6f * x / w + 0.3f * y / h; // a smooth ramp: the picture is its grey
        var timing = default(Metrics.FrameTiming);
        RenderTarget target = gl.Render(slot.Image, slot.Mask, ref timing);
        using var whole = new Mat();
        gl.ReadBack(target, whole);
        using var window = new RenderTarget(_egl.Gl, w, h, Silk.NET.OpenGL.InternalFormat.Rgba8);
        var crop = new CropBox(40f / w, 18f / h, 0.5f, 0.5f); // on whole pixels: 80x45 from (40, 18)
        gl.Present(target, crop, window.Handle, w, h);
        using var shown = new Mat();
        gl.ReadBack(window, shown);
        Cv2.Flip(shown, shown, FlipMode.X); // presented bottom-up, for the window
        using var stage = new Output.CropStage();
        Mat expected = stage.Apply(whole, crop);
        Assert.True(MaxDiff(shown, expected) <= 2, $"the presented crop differs from the crop stage's by {MaxDiff(shown, expected)} LSB");
        Assert.True(MaxDiff(shown, whole) > 20, "the presented picture is not cropped"); // (the ramp is steeper in the crop)
    }

    /// <summary>A deterministic colourful pattern with sharp and smooth regions.</summary>
    internal static Mat Pattern(int width, int height, int seed)
    {
        var m = new Mat(height, width, MatType.CV_8UC3);
        var rng = new Random(seed);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
                m.Set(y, x, new Vec3b((byte)(x * 255 / Math.Max(1, width - 1)), (byte)rng.Next(256), (byte)((x ^ y) & 255)));
        }
        return m;
    }

    /// <summary>A soft disc plus noise, values 0..1, moving with <paramref name="frame"/>.</summary>
    internal static void FillMask(float[] mask, int w, int h, int frame)
    {
        var rng = new Random(100 + frame);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                float dx = (x - w * (0.4f + 0.1f * frame)) / w, dy = (y - h * 0.5f) / h;
                float d = MathF.Sqrt(dx * dx + dy * dy);
                float v = Math.Clamp((0.3f - d) * 8f, 0f, 1f);
                mask[y * w + x] = Math.Clamp(v + (float)(rng.NextDouble() - 0.5) * 0.1f, 0f, 1f);
            }
        }
    }

    public void Dispose() => _egl.Dispose();
}
