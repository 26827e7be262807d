using LiveSeg.Inference;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Tests;

/// <summary>The public <see cref="Compositor"/>: on its own headless context, and inside a host program's context.</summary>
public sealed class CompositorApiTests : IDisposable
{
    private const int W = 320, H = 240;
    private readonly TempDir _dir = new();

    private (Segmenter Segmenter, Mat Frame, MaskView Mask) Segmented()
    {
        var segmenter = Segmenter.Open(Synthetic.ColorKeyModel(_dir), new SegmenterOptions { Device = DeviceChoice.Cpu });
        var frame = Synthetic.Frame(0, W, H);
        return (segmenter, frame, segmenter.Segment(frame));
    }

    [Fact]
    public void Headless_CompositesTheMaskEffect_WhereTheSegmenterSaysSo()
    {
        var (segmenter, frame, mask) = Segmented();
        using (segmenter)
        using (frame)
        using (var compositor = Compositor.CreateHeadless(W, H, new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off }))
        using (var output = new Mat())
        {
            compositor.Composite(frame, mask, output);
            var sq = Synthetic.SquareAt(0, W, H);
            Assert.True(output.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2).Item0 > 240);
            Assert.True(output.At<Vec3b>(3, 3).Item0 < 15);
            compositor.Effect = compositor.Effect with { Effect = EffectKind.Blur };
            compositor.Composite(frame, mask, output);
            Assert.True(output.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2).Item2 > 240, "blur keeps the person (red) sharp");
        }
    }

    /// <summary>
    /// The host owns a GLFW window (Xvfb in ./test), binds its own framebuffer, program, textures, vertex array, viewport,
    /// blend and scissor state; LiveSeg draws into the host's framebuffer and leaves all of it as it found it.
    /// </summary>
    [SkippableFact]
    public void InHostContext_DrawsIntoTheHostsFramebuffer_AndRestoresItsState()
    {
        Skip.If(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")), "needs an X display: run ./test (it runs the tests under xvfb-run)");
        var (segmenter, frame, mask) = Segmented();
        using (segmenter)
        using (frame)
        using (var window = new GlfwWindow(W, H, "host", vsync: false))
        {
            GL gl = window.Gl;
            using var hostTarget = new RenderTarget(gl, W, H, InternalFormat.Rgba8);
            using var hostTexture = new Texture2D(gl, 4, 4, InternalFormat.Rgba8);
            using var hostProgram = new ShaderProgram(gl, new ShaderLibrary(), "fullscreen.vert", "effect_mask.frag");
            uint hostVao = gl.GenVertexArray();
            // The host's state before LiveSeg draws.
            gl.BindFramebuffer(FramebufferTarget.Framebuffer, hostTarget.Handle);
            gl.ClearColor(0.1f, 0.2f, 0.3f, 1f);
            gl.Clear(ClearBufferMask.ColorBufferBit);
            hostProgram.Use();
            gl.ActiveTexture(TextureUnit.Texture3);
            gl.BindTexture(TextureTarget.Texture2D, hostTexture.Handle);
            gl.BindVertexArray(hostVao);
            gl.Viewport(10, 20, 100, 50);
            gl.Enable(EnableCap.Blend);
            gl.BlendFunc(BlendingFactor.SrcAlpha, BlendingFactor.OneMinusSrcAlpha);
            gl.Enable(EnableCap.ScissorTest);
            gl.PixelStore(PixelStoreParameter.UnpackAlignment, 2);
            gl.ColorMask(true, true, true, false);
            int[] Snapshot()
            {
                var viewport = new int[4];
                gl.GetInteger(GetPName.Viewport, viewport);
                return [gl.GetInteger(GetPName.DrawFramebufferBinding), gl.GetInteger(GetPName.ReadFramebufferBinding),
                    gl.GetInteger(GetPName.CurrentProgram), gl.GetInteger(GetPName.ActiveTexture), gl.GetInteger(GetPName.TextureBinding2D),
                    gl.GetInteger(GetPName.VertexArrayBinding), gl.IsEnabled(EnableCap.Blend) ? 1 : 0, gl.IsEnabled(EnableCap.ScissorTest) ? 1 : 0,
                    gl.GetInteger(GetPName.BlendSrcRgb), gl.GetInteger(GetPName.UnpackAlignment), ColorMaskAlpha(gl), .. viewport];
            }
            int[] before = Snapshot();

            using (var compositor = Compositor.CreateInCurrentContext(gl, W, H, new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off }))
            {
                Assert.Equal(before, Snapshot());
                compositor.Draw(frame, mask, hostTarget.Handle, 0, 0, W, H);
                Assert.Equal(before, Snapshot());
                Assert.NotEqual(0u, compositor.LastTexture);

                // What LiveSeg drew into the host's framebuffer (read without disturbing the state checked above).
                using var pixels = new Mat(H, W, MatType.CV_8UC4);
                gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, hostTarget.Handle);
                gl.PixelStore(PixelStoreParameter.PackAlignment, 1);
                unsafe
                {
                    gl.ReadPixels(0, 0, W, H, PixelFormat.Rgba, PixelType.UnsignedByte, (void*)pixels.Data);
                }
                var sq = Synthetic.SquareAt(0, W, H);
                // GL rows are bottom-up: image row r is framebuffer row H-1-r.
                Assert.True(pixels.At<Vec4b>(H - 1 - (sq.Y + sq.Height / 2), sq.X + sq.Width / 2).Item0 > 240, "the person is not white in the host's framebuffer");
                Assert.True(pixels.At<Vec4b>(H - 1 - 3, 3).Item0 < 15, "the background is not black in the host's framebuffer");
            }
            gl.DeleteVertexArray(hostVao);
        }
    }

    /// <summary>The headless context Windows uses (a hidden GLFW window), exercised here under Xvfb: it composites like EGL's.</summary>
    [SkippableFact]
    public void HiddenWindowContext_CompositesLikeTheEglOne()
    {
        Skip.If(string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")), "needs an X display: run ./test (it runs the tests under xvfb-run)");
        var (segmenter, frame, mask) = Segmented();
        using (segmenter)
        using (frame)
        using (var context = HeadlessContext.CreateHiddenWindow())
        using (var output = new Mat())
        {
            context.MakeCurrent();
            Assert.Equal("hidden window", context.Platform);
            using var compositor = new GlCompositor(context.Gl, new ShaderLibrary(), W, H, mask.Width, mask.Height,
                new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off });
            var timing = new LiveSeg.Metrics.FrameTiming();
            compositor.ReadBack(compositor.Render(frame, mask.Values.ToArray(), mask.Width, mask.Height, ref timing), output);
            var sq = Synthetic.SquareAt(0, W, H);
            Assert.True(output.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2).Item0 > 240);
            Assert.True(output.At<Vec3b>(3, 3).Item0 < 15);
        }
    }

    private static int ColorMaskAlpha(GL gl)
    {
        Span<bool> mask = stackalloc bool[4];
        gl.GetBoolean(GetPName.ColorWritemask, mask);
        return mask[3] ? 1 : 0;
    }

    public void Dispose() => _dir.Dispose();
}
