using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Tests;

/// <summary>The public <see cref="Compositor"/>: on its own headless context, and inside a host program's context.</summary>
[Slow]
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
    [DisplayFact]
    public void InHostContext_DrawsIntoTheHostsFramebuffer_AndRestoresItsState()
    {
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
            gl.PixelStore(PixelStoreParameter.UnpackSkipPixels, 1);
            gl.ColorMask(true, true, true, false);
            // State that changes what LiveSeg's own passes do if left in place: a sampler whose filter needs mipmaps
            // (LiveSeg's textures would sample as black) on the units LiveSeg uses, a pixel-unpack buffer (uploads would
            // read from it), line polygon mode (the full-screen triangle would be three lines).
            uint sampler = gl.GenSampler();
            gl.SamplerParameter(sampler, SamplerParameterI.MinFilter, (int)GLEnum.LinearMipmapLinear);
            for (uint unit = 0; unit < 3; unit++)
                gl.BindSampler(unit, sampler);
            uint unpack = gl.GenBuffer();
            gl.BindBuffer(BufferTargetARB.PixelUnpackBuffer, unpack);
            unsafe
            {
                gl.BufferData(BufferTargetARB.PixelUnpackBuffer, 64, null, BufferUsageARB.StreamDraw);
            }
            uint pack = gl.GenBuffer();
            gl.BindBuffer(BufferTargetARB.PixelPackBuffer, pack); // Composite's read-back must not write into it
            gl.PixelStore(PixelStoreParameter.PackSkipRows, 3);
            gl.PolygonMode(TriangleFace.FrontAndBack, PolygonMode.Line);
            gl.Enable(EnableCap.RasterizerDiscard);
            // The host works on texture unit 10 (above the units LiveSeg saves), where its texture must stay bound.
            gl.ActiveTexture(TextureUnit.Texture10);
            gl.BindTexture(TextureTarget.Texture2D, hostTexture.Handle);
            // And it leaves an error of its own pending.
            gl.Enable((EnableCap)0x1234);
            int[] Snapshot()
            {
                var viewport = new int[4];
                var polygon = new int[2];
                gl.GetInteger(GetPName.Viewport, viewport);
                gl.GetInteger(GetPName.PolygonMode, polygon);
                int active = gl.GetInteger(GetPName.ActiveTexture);
                var samplers = new int[3];
                var textures = new int[4];
                for (int unit = 0; unit < 3; unit++)
                {
                    gl.ActiveTexture(TextureUnit.Texture0 + unit);
                    samplers[unit] = gl.GetInteger(GetPName.SamplerBinding);
                    textures[unit] = gl.GetInteger(GetPName.TextureBinding2D);
                }
                gl.ActiveTexture(TextureUnit.Texture3);
                textures[3] = gl.GetInteger(GetPName.TextureBinding2D);
                gl.ActiveTexture((TextureUnit)active);
                return [gl.GetInteger(GetPName.DrawFramebufferBinding), gl.GetInteger(GetPName.ReadFramebufferBinding),
                    gl.GetInteger(GetPName.CurrentProgram), active, gl.GetInteger(GetPName.TextureBinding2D),
                    gl.GetInteger(GetPName.VertexArrayBinding), gl.IsEnabled(EnableCap.Blend) ? 1 : 0, gl.IsEnabled(EnableCap.ScissorTest) ? 1 : 0,
                    gl.GetInteger(GetPName.BlendSrcRgb), gl.GetInteger(GetPName.UnpackAlignment), gl.GetInteger(GetPName.UnpackSkipPixels),
                    gl.GetInteger(GetPName.PixelUnpackBufferBinding), gl.GetInteger(GetPName.PixelPackBufferBinding), gl.GetInteger(GetPName.PackSkipRows),
                    gl.IsEnabled(EnableCap.RasterizerDiscard) ? 1 : 0, ColorMaskAlpha(gl), .. viewport, .. polygon, .. samplers, .. textures];
            }
            int[] before = Snapshot();
            Assert.Equal((int)TextureUnit.Texture10, before[3]);
            Assert.Equal((int)hostTexture.Handle, before[4]);

            using (var compositor = Compositor.CreateInCurrentContext(gl, W, H, new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off }))
            {
                Assert.Equal(before, Snapshot());
                compositor.Draw(frame, mask, hostTarget.Handle, 0, 0, W, H);
                Assert.Equal(before, Snapshot());
                Assert.NotEqual(0u, compositor.LastTexture);
                using (var composited = new Mat())
                {
                    compositor.Composite(frame, mask, composited);
                    Assert.Equal(before, Snapshot());
                    var s = Synthetic.SquareAt(0, W, H);
                    Assert.True(composited.At<Vec3b>(s.Y + s.Height / 2, s.X + s.Width / 2).Item0 > 240, "Composite: the person is not white");
                    Assert.True(composited.At<Vec3b>(3, 3).Item0 < 15, "Composite: the background is not black");
                }

                // What LiveSeg drew into the host's framebuffer (read without disturbing the state checked above).
                using var pixels = new Mat(H, W, MatType.CV_8UC4);
                Assert.Equal(GLEnum.NoError, gl.GetError()); // LiveSeg's own calls raised none
                gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, hostTarget.Handle);
                gl.BindBuffer(BufferTargetARB.PixelPackBuffer, 0);
                gl.PixelStore(PixelStoreParameter.PackSkipRows, 0);
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
            gl.DeleteSampler(sampler);
            gl.DeleteBuffer(unpack);
            gl.DeleteBuffer(pack);
        }
    }

    [Fact]
    public void Headless_AMaskMadeForAnotherFrameSize_IsAnArgumentError()
    {
        var (segmenter, frame, mask) = Segmented();
        using (segmenter)
        using (frame)
        using (var compositor = Compositor.CreateHeadless(W / 2, H / 2, new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off }))
        using (var small = new Mat())
        using (var output = new Mat())
        {
            Cv2.Resize(frame, small, new Size(W / 2, H / 2));
            var e = Assert.Throws<ArgumentException>(() => compositor.Composite(small, mask, output));
            Assert.Contains($"made for a {W}x{H} frame", e.Message);
        }
    }

    /// <summary>EGL hands every caller the same display: one compositor's end must not end the others'.</summary>
    [Fact]
    public void Headless_DisposingOneCompositor_LeavesAnotherWorking()
    {
        var (segmenter, frame, mask) = Segmented();
        var effect = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off };
        using (segmenter)
        using (frame)
        using (var kept = Compositor.CreateHeadless(W, H, effect))
        using (var output = new Mat())
        {
            Compositor.CreateHeadless(W, H, effect).Dispose();
            kept.Composite(frame, mask, output);
            var sq = Synthetic.SquareAt(0, W, H);
            Assert.True(output.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2).Item0 > 240);
            Assert.True(output.At<Vec3b>(3, 3).Item0 < 15);
        }
    }

    /// <summary>
    /// A caller with its own OpenGL context current keeps it current across the compositor's creation, calls and
    /// disposal; and the compositor may be called from another thread.
    /// </summary>
    [Fact]
    public void Headless_PutsBackTheCallersContext_AndServesAnyThread()
    {
        var (segmenter, frame, mask) = Segmented();
        using (segmenter)
        using (frame)
        using (var callers = new EglContext())
        using (var output = new Mat())
        using (var elsewhere = new Mat())
        {
            Assert.True(callers.IsCurrent);
            var compositor = Compositor.CreateHeadless(W, H, new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off });
            Assert.True(callers.IsCurrent, "creating the compositor took the caller's context away");
            compositor.Composite(frame, mask, output);
            Assert.True(callers.IsCurrent, "a call took the caller's context away");
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    compositor.Composite(frame, mask, elsewhere);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            thread.Start();
            thread.Join();
            Assert.Null(failure);
            Assert.Equal(0, Cv2.Norm(output, elsewhere, NormTypes.L1));
            compositor.Dispose();
            Assert.True(callers.IsCurrent, "disposing the compositor took the caller's context away");
            Assert.Throws<ObjectDisposedException>(() => compositor.Composite(frame, mask, output));
        }
    }

    /// <summary>
    /// A caller whose thread has a GLX context current (a GLFW window on X11): the headless compositor works (its EGL
    /// context lives on its own thread) and the caller's context stays current; so does a video job's.
    /// </summary>
    [DisplayFact]
    public void Headless_WithTheCallersGlxContextCurrent_WorksAndLeavesIt()
    {
        var (segmenter, frame, mask) = Segmented();
        using (segmenter)
        using (frame)
        using (var window = new GlfwWindow(32, 32, "caller", vsync: false, visible: false))
        using (var output = new Mat())
        {
            Assert.Equal(window.Handle, GlfwWindow.CurrentContext());
            using (var compositor = Compositor.CreateHeadless(W, H, new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off }))
            {
                compositor.Composite(frame, mask, output);
                Assert.Equal(window.Handle, GlfwWindow.CurrentContext());
            }
            Assert.Equal(window.Handle, GlfwWindow.CurrentContext());
            var sq = Synthetic.SquareAt(0, W, H);
            Assert.True(output.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2).Item0 > 240);
            // A video job on the same thread, OpenGL renderer: the same.
            string input = _dir.File("in.mkv");
            Synthetic.WriteVideo(input, 4, 160, 120, 30);
            var result = VideoJob.Run(new VideoOptions
            {
                Input = input,
                Output = _dir.File("out.avi"),
                Model = Synthetic.ColorKeyModel(_dir),
                Segmenter = new SegmenterOptions { Device = DeviceChoice.Cpu },
                Renderer = RendererKind.Gl,
            });
            Assert.Equal(4, result.Frames);
            Assert.Equal(window.Handle, GlfwWindow.CurrentContext());
            Assert.Equal(GLEnum.NoError, window.Gl.GetError());
        }
    }

    /// <summary>
    /// A host that initialised GLFW itself and has its window's context current: LiveSeg's hidden-window context
    /// (Windows' headless context), made and disposed on the host's thread, puts the host's context back and does not
    /// terminate the host's GLFW.
    /// </summary>
    [DisplayFact]
    public void HiddenWindowContext_LeavesTheHostsGlfwAndContext()
    {
        Assert.Equal(1, HostGlfw.glfwInit());
        try
        {
            using (var host = new GlfwWindow(32, 32, "host", vsync: false, visible: false))
            {
                var hidden = HeadlessContext.CreateHiddenWindow();
                Assert.True(hidden.IsCurrent);
                hidden.Dispose();
                Assert.Equal(host.Handle, GlfwWindow.CurrentContext());
                Assert.True(HostGlfw.IsInitialised(), "LiveSeg's hidden window terminated the host's GLFW");
            }
            Assert.True(HostGlfw.IsInitialised(), "LiveSeg's window terminated the host's GLFW");
        }
        finally
        {
            HostGlfw.glfwTerminate();
        }
    }

    /// <summary>The host program's own calls into the same GLFW library.</summary>
    private static unsafe class HostGlfw
    {
        [System.Runtime.InteropServices.DllImport("libglfw.so.3")] public static extern int glfwInit();
        [System.Runtime.InteropServices.DllImport("libglfw.so.3")] public static extern void glfwTerminate();
        [System.Runtime.InteropServices.DllImport("libglfw.so.3")] private static extern nint glfwGetCurrentContext();
        [System.Runtime.InteropServices.DllImport("libglfw.so.3")] private static extern int glfwGetError(nint* description);

        public static bool IsInitialised()
        {
            _ = glfwGetError(null);
            glfwGetCurrentContext();
            return glfwGetError(null) != 0x00010001; // GLFW_NOT_INITIALIZED
        }
    }

    /// <summary>The headless context Windows uses (a hidden GLFW window), exercised here under Xvfb: it composites like EGL's.</summary>
    [DisplayFact]
    public void HiddenWindowContext_CompositesLikeTheEglOne()
    {
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
            compositor.ReadBack(compositor.Render(frame, new Mask(mask.Values.ToArray(), mask.Width, mask.Height), ref timing), output);
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
