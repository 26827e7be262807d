using LiveSeg.Effects;
using LiveSeg.Masks;

namespace LiveSeg.Rendering;

/// <summary>What <see cref="RefineKind.Auto"/> becomes.</summary>
internal static class RefineChoice
{
    /// <summary>True for OpenGL renderers that run shaders on the CPU.</summary>
    public static bool IsSoftware(string renderer) =>
        renderer.Contains("llvmpipe", StringComparison.OrdinalIgnoreCase) || renderer.Contains("softpipe", StringComparison.OrdinalIgnoreCase)
        || renderer.Contains("SwiftShader", StringComparison.OrdinalIgnoreCase) || renderer.Contains("swrast", StringComparison.OrdinalIgnoreCase);

    /// <summary>The mode a compositor on <paramref name="renderer"/> uses for <paramref name="asked"/>.</summary>
    public static RefineKind For(RefineKind asked, string renderer) =>
        asked != RefineKind.Auto ? asked : IsSoftware(renderer) ? RefineKind.Off : RefineKind.Bilateral;

    /// <summary>The CPU renderer renders in software, like llvmpipe: auto is off.</summary>
    public static RefineKind ForCpuRenderer(RefineKind asked) => asked == RefineKind.Auto ? RefineKind.Off : asked;

    /// <summary>Still images (image, eval, quality: no per-frame budget): auto is bilateral.</summary>
    public static RefineKind ForStill(RefineKind asked) => asked == RefineKind.Auto ? RefineKind.Bilateral : asked;

    /// <summary>The CPU refiner's method for a mode already chosen (<see cref="For"/>, <see cref="ForCpuRenderer"/>, <see cref="ForStill"/>); auto as for still images.</summary>
    public static RefineMethod Method(RefineKind used) => ForStill(used) switch
    {
        RefineKind.Off => RefineMethod.Off,
        RefineKind.Guided => RefineMethod.Guided,
        _ => RefineMethod.Bilateral,
    };

    /// <summary>How the header line names the mode a run uses.</summary>
    public static string Describe(RefineKind asked, RefineKind used) => used switch
    {
        RefineKind.Off when asked == RefineKind.Auto => "edges bilinear (software rendering; --refine bilateral to force)",
        RefineKind.Off => "edges bilinear",
        RefineKind.Guided => "edges guided by the frame (fast guided filter)",
        _ => "edges guided by the frame (joint bilateral)",
    };
}
