using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Where live mode draws: a window (<see cref="GlfwWindow"/>) or nothing visible (<see cref="HeadlessDisplay"/>, for
/// servers, virtual cameras and tests). Owns the GL context; created, used and disposed on the GL thread.
/// </summary>
internal interface ILiveDisplay : IDisposable
{
    GL Gl { get; }

    /// <summary>GL_RENDERER, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)".</summary>
    string Renderer { get; }

    /// <summary>GL_RENDERER and what shows it, for the header line ("llvmpipe (LLVM 15.0.6, 256 bits) (GLFW window)").</summary>
    string Description { get; }

    /// <summary>The framebuffer that is shown (0 = a window's default framebuffer; an offscreen one when headless).</summary>
    uint Framebuffer { get; }

    /// <summary>Size of <see cref="Framebuffer"/> in pixels.</summary>
    (int Width, int Height) FramebufferSize { get; }

    /// <summary>Someone looks at it: false when headless, where the composite is drawn only for a screenshot.</summary>
    bool IsVisible { get; }

    bool ShouldClose { get; }

    bool IsFullScreen { get; }

    /// <summary>A key press (GLFW key code), raised during <see cref="PollEvents"/>.</summary>
    event Action<int>? KeyPressed;

    /// <summary>A left click, raised during <see cref="PollEvents"/>: framebuffer pixels from the top-left corner.</summary>
    event Action<double, double>? Clicked;

    void PollEvents();

    void SwapBuffers();

    void Close();

    void ToggleFullScreen();
}
