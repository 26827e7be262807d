namespace LiveSeg.Effects;

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
