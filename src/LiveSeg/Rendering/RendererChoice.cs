using LiveSeg.Effects;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>Which compositor draws the effects: <c>--renderer auto|gl|cpu</c>.</summary>
public enum RendererKind
{
    /// <summary>OpenGL where it runs on a GPU; the CPU renderer where OpenGL is software (llvmpipe, softpipe, SwiftShader) or missing.</summary>
    Auto,

    /// <summary>OpenGL shaders (headless EGL for files), whatever the driver.</summary>
    Gl,

    /// <summary>The CPU renderer: the same formulas row by row on the CPU's cores (within 1 of 255 of the GL path).</summary>
    Cpu,
}

/// <summary>A video run's compositor, as <see cref="RendererChoice.ForVideo"/> chose it.</summary>
/// <param name="Compositor">The compositor.</param>
/// <param name="Context">The headless GL context it draws in (null for the CPU renderer): owned by the caller, current on the calling thread.</param>
/// <param name="Description">For the header line: which renderer, why, and how mask edges are made.</param>
internal sealed record ChosenRenderer(ICompositor Compositor, IHeadlessContext? Context, string Description);

/// <summary>Chooses and makes a file run's compositor.</summary>
internal static class RendererChoice
{
    internal static RendererKind Parse(string value) =>
        Enum.TryParse(value, ignoreCase: true, out RendererKind k) && Enum.IsDefined(k) && !int.TryParse(value, out _)
            ? k
            : Throw.User<RendererKind>($"unknown renderer '{value}': use auto, gl or cpu.");

    /// <summary>Threads for the CPU renderer when not asked: one per core, at most 4 (its bands are memory-bound beyond).</summary>
    public static int DefaultCpuThreads => Math.Clamp(Environment.ProcessorCount, 1, 4);

    /// <summary>
    /// The compositor for frames of <paramref name="width"/> x <paramref name="height"/> with the model's mask size:
    /// <c>gl</c> makes a headless context (an error if there is none); <c>cpu</c> makes none; <c>auto</c> makes one and
    /// keeps it only if its renderer is not software (and falls back to the CPU renderer, saying so, if there is none).
    /// </summary>
    public static ChosenRenderer ForVideo(RendererKind asked, int width, int height, int maskWidth, int maskHeight,
        EffectSettings effect, string? backgroundPath, int cpuThreads)
    {
        IHeadlessContext? context = HeadlessGlFor(asked, width, height, out string why);
        using Mat? background = backgroundPath is null ? null : BackgroundImage.LoadCover(backgroundPath, width, height);
        if (context is null)
        {
            var cpu = new FastCpuCompositor(width, height, maskWidth, maskHeight, effect, background, cpuThreads);
            return new ChosenRenderer(cpu, null, cpu.Describe(why));
        }
        try
        {
            var gl = new GlCompositor(context.Gl, new ShaderLibrary(), width, height, maskWidth, maskHeight, effect, background, adjustable: false);
            return new ChosenRenderer(gl, context, $"{context.Renderer} via EGL {context.Platform}; {gl.RefineDescription}");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The headless context a file run composites in, or null for the CPU renderer with the reason <c>auto</c> chose it
    /// (<paramref name="why"/>): no headless OpenGL, a software renderer, or frames larger than its largest texture.
    /// </summary>
    private static IHeadlessContext? HeadlessGlFor(RendererKind asked, int width, int height, out string why)
    {
        why = "";
        if (asked == RendererKind.Cpu)
            return null;
        IHeadlessContext context;
        try
        {
            context = HeadlessContext.Create();
        }
        catch (LiveSegException) when (asked == RendererKind.Auto)
        {
            why = "auto: no headless OpenGL here ('liveseg doctor' says why)";
            return null;
        }
        if (asked == RendererKind.Auto)
        {
            int maxSide = TextureLimit.MaxSide(context.Gl);
            if (RefineChoice.IsSoftware(context.Renderer))
                why = $"auto: OpenGL here is software, {context.Renderer}; --renderer gl to use it";
            else if (Math.Max(width, height) > maxSide)
                why = $"auto: frames of {width}x{height} are larger than OpenGL's largest texture here ({maxSide})";
            if (why.Length > 0)
            {
                context.Dispose();
                return null;
            }
        }
        return context;
    }

    /// <summary>
    /// Live mode's compositor in the display's context: shaders (<c>gl</c>, or <c>auto</c> on a hardware renderer) or the
    /// CPU renderer, whose result OpenGL only uploads and presents (<c>cpu</c>, or <c>auto</c> on software OpenGL).
    /// Adjustable: the keys change the effect and its settings.
    /// </summary>
    public static ILiveCompositor ForLive(RendererKind asked, ILiveDisplay display, int width, int height, int maskWidth, int maskHeight,
        EffectSettings effect, string? backgroundPath, int cpuThreads)
    {
        TextureLimit.Require(display.Gl, "frames", width, height, TextureLimit.LiveAdvice);
        using Mat? background = backgroundPath is null ? null : BackgroundImage.LoadCover(backgroundPath, width, height);
        bool software = RefineChoice.IsSoftware(display.Renderer);
        if (asked == RendererKind.Gl || (asked == RendererKind.Auto && !software))
            return new GlCompositor(display.Gl, new ShaderLibrary(), width, height, maskWidth, maskHeight, effect, background, adjustable: true);
        string why = asked == RendererKind.Auto ? "auto: OpenGL here is software; --renderer gl to use it" : "";
        return new CpuLiveCompositor(display.Gl, width, height, maskWidth, maskHeight, effect, background, cpuThreads, why);
    }
}
