using LiveSeg.Masks;
using LiveSeg.Motion;
using LiveSeg.Rendering;
using Silk.NET.OpenGL;

namespace LiveSeg.Tests;

/// <summary>The warp's GL pass (mask_warp.frag, headless EGL: llvmpipe in CI) against its CPU side, <see cref="MaskWarp"/>.</summary>
public sealed class WarpStageTests : IDisposable
{
    private readonly EglContext _egl = new();

    [Theory]
    [InlineData(641, 479, 64, 48)]   // odd frame, small mask
    [InlineData(1280, 720, 256, 144)]
    [InlineData(37, 23, 50, 50)]     // a one-cell grid, mask larger than the frame
    public unsafe void GlPass_MatchesTheCpuWarp_Within1Lsb(int frameWidth, int frameHeight, int maskWidth, int maskHeight)
    {
        var rng = new Random(11);
        var mask = new float[maskWidth * maskHeight];
        for (int i = 0; i < mask.Length; i++)
            mask[i] = (float)rng.NextDouble();
        var field = new MotionField(frameWidth, frameHeight);
        for (int i = 0; i < field.Vectors.Length; i++)
            field.Vectors[i] = (float)(rng.NextDouble() * 80 - 40); // up to ±40 frame pixels: samples fall off the edges too
        var cpu = new float[mask.Length];
        new MaskWarp(frameWidth, frameHeight).Apply(new Mask(mask, maskWidth, maskHeight), field, new Mask(cpu, maskWidth, maskHeight));

        GL gl = _egl.Gl;
        var shaders = new ShaderLibrary();
        using var triangle = new FullScreenTriangle(gl);
        using var input = new Texture2D(gl, maskWidth, maskHeight, InternalFormat.R32f, linear: true);
        fixed (float* m = mask)
            input.Upload(PixelFormat.Red, PixelType.Float, m);
        using var stage = new WarpStage(gl, shaders, triangle);
        stage.Render(input, field);
        var gpu = new float[mask.Length];
        gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, stage.Target.Handle);
        gl.PixelStore(PixelStoreParameter.PackAlignment, 1);
        fixed (float* g = gpu)
            gl.ReadPixels(0, 0, (uint)maskWidth, (uint)maskHeight, PixelFormat.Red, PixelType.Float, g);
        gl.BindFramebuffer(FramebufferTarget.Framebuffer, 0);
        double worst = 0;
        for (int i = 0; i < gpu.Length; i++)
            worst = Math.Max(worst, Math.Abs(gpu[i] - cpu[i]) * 255);
        Assert.True(worst <= 1, $"GL warp differs from the CPU warp by {worst:F3} LSB");
        Assert.True(cpu.Zip(mask).Count(p => Math.Abs(p.First - p.Second) > 0.01f) > mask.Length / 4, "the field must move the mask");
    }

    public void Dispose() => _egl.Dispose();
}
