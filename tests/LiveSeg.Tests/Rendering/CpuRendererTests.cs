using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The CPU renderer (<see cref="FastCpuCompositor"/>) against the one-pixel-at-a-time reference, with no OpenGL at
/// all (where <c>--renderer auto</c> falls back to it): vector and scalar loops, several bands, every effect, blur
/// factors 1 to 4, a mask whose size changes, settings changed between frames, a NaN in a mask.
/// </summary>
public sealed class CpuRendererTests
{
    private static EffectSettings Settings(EffectKind effect, RefineKind refine = RefineKind.Off, float feather = 0, int blur = 9) =>
        new() { Effect = effect, Refine = refine, Feather = feather, LightWrap = 0.6f, BlurRadius = blur, OutlineWidth = 2, BlockSize = 7 };

    /// <summary>Composites frame <paramref name="frame"/> with the reference and with <paramref name="fast"/>; the largest difference.</summary>
    private static double Compare(FastCpuCompositor fast, EffectSettings settings, int width, int height, int maskWidth, int maskHeight, int frame, Mat background, float[]? maskOverride = null)
    {
        using var reference = new CpuCompositor(width, height, settings, background);
        using var a = new FrameSlot(maskWidth, maskHeight);
        using var b = new FrameSlot(maskWidth, maskHeight);
        using (var img = CompositorTests.Pattern(width, height, seed: frame))
        {
            img.CopyTo(a.Image);
            img.CopyTo(b.Image);
        }
        CompositorTests.FillMask(a.Mask.Data, maskWidth, maskHeight, frame);
        maskOverride?.CopyTo(a.Mask.Data, 0);
        b.Mask.CopyFrom(a.Mask);
        reference.Submit(a);
        reference.Complete(a);
        fast.Submit(b);
        fast.Complete(b);
        return CompositorTests.MaxDiff(a.Output, b.Output);
    }

    [Theory]
    [MemberData(nameof(CompositorTests.Cases), MemberType = typeof(CompositorTests))]
    public void VectorAndScalarLoops_MatchTheReference_Within1Lsb(EffectKind effect, RefineKind refine, float feather, int width, int height, int maskWidth, int maskHeight)
    {
        var settings = Settings(effect, refine, feather);
        using var background = CompositorTests.Pattern(97, 61, seed: 7);
        using var vector = new FastCpuCompositor(width, height, maskWidth, maskHeight, settings, background, threads: 3);
        using var scalar = new FastCpuCompositor(width, height, maskWidth, maskHeight, settings, background, threads: 2, useSimd: false);
        for (int frame = 0; frame < 2; frame++)
        {
            Assert.True(Compare(vector, settings, width, height, maskWidth, maskHeight, frame, background) <= 1, $"{effect} {refine} {width}x{height} frame {frame}: vector loops");
            Assert.True(Compare(scalar, settings, width, height, maskWidth, maskHeight, frame, background) <= 1, $"{effect} {refine} {width}x{height} frame {frame}: scalar loops");
        }
    }

    /// <summary>Blur radii whose reduction factor is 1, 2, 3 and 4, on a frame that is not a multiple of any.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    [InlineData(11)]
    [InlineData(32)]
    public void BlurAtEveryReductionFactor_MatchesTheReference(int radius)
    {
        var settings = Settings(EffectKind.Blur, blur: radius);
        using var background = CompositorTests.Pattern(8, 8, seed: 7);
        using var fast = new FastCpuCompositor(203, 117, 64, 48, settings, null, threads: 3);
        Assert.True(Compare(fast, settings, 203, 117, 64, 48, 0, background) <= 1, $"radius {radius} (factor {settings.BlurFactor})");
    }

    /// <summary>Live keys: the effect, the blur's factor and the outline's width change between frames of one renderer.</summary>
    [Fact]
    public void SettingsChangedBetweenFrames_AreWhatTheNextFrameUses()
    {
        using var background = CompositorTests.Pattern(160, 90, seed: 7);
        var first = Settings(EffectKind.Blur, blur: 12);
        using var fast = new FastCpuCompositor(160, 90, 32, 32, first, background, threads: 2);
        Assert.True(Compare(fast, first, 160, 90, 32, 32, 0, background) <= 1);
        foreach (var next in new[] { first with { BlurRadius = 4 }, Settings(EffectKind.Outline) with { OutlineWidth = 5 }, Settings(EffectKind.Replace), first with { BlurRadius = 30 } })
        {
            fast.Apply(next);
            Assert.True(Compare(fast, next, 160, 90, 32, 32, 1, background) <= 1, $"{next.Effect} blur {next.BlurRadius} outline {next.OutlineWidth}");
        }
    }

    /// <summary>Another model (live's M key) gives masks of another size from one frame to the next.</summary>
    [Fact]
    public void MaskSizeChangingBetweenFrames_IsSampledAtItsNewSize()
    {
        var settings = Settings(EffectKind.Blur);
        using var background = CompositorTests.Pattern(8, 8, seed: 7);
        using var fast = new FastCpuCompositor(150, 100, 64, 48, settings, null, threads: 2);
        Assert.True(Compare(fast, settings, 150, 100, 64, 48, 0, background) <= 1);
        Assert.True(Compare(fast, settings, 150, 100, 20, 36, 1, background) <= 1);
        Assert.True(Compare(fast, settings, 150, 100, 64, 48, 1, background) <= 1);
    }

    /// <summary>A model that outputs NaN somewhere spoils that frame only, as on the GL path.</summary>
    [Fact]
    public void ANanInOneMask_DoesNotSpoilLaterFrames()
    {
        var settings = Settings(EffectKind.Blur);
        using var background = CompositorTests.Pattern(8, 8, seed: 7);
        using var fast = new FastCpuCompositor(120, 80, 16, 16, settings, null, threads: 2);
        var poisoned = new float[16 * 16];
        CompositorTests.FillMask(poisoned, 16, 16, 0);
        poisoned[5 * 16 + 5] = float.NaN;
        Compare(fast, settings, 120, 80, 16, 16, 0, background, poisoned);
        Assert.True(Compare(fast, settings, 120, 80, 16, 16, 1, background) <= 1, "a NaN from the previous frame is still in the blur");
    }
}
