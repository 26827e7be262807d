using LiveSeg.Masks;

namespace LiveSeg.Rendering;

/// <summary>How the model's low-resolution mask is brought to the frame's resolution.</summary>
public enum RefineKind
{
    /// <summary>Bilinear only: edges follow the model's grid.</summary>
    Off,

    /// <summary>Fast guided filter (He et al.), the frame's luma as guide: edges follow the frame's.</summary>
    Guided,

    /// <summary>Joint bilateral upsampling: each mask texel near the pixel weighted by distance and by how alike its luma is.</summary>
    Bilateral,

    /// <summary>
    /// Bilateral where OpenGL runs on a GPU; off on a software renderer (Mesa llvmpipe/softpipe, SwiftShader), where the
    /// per-pixel work costs ~15 ms a 720p frame. Still images (image, eval: no OpenGL) use bilateral.
    /// </summary>
    Auto,
}

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
