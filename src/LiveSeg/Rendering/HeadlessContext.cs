using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// An OpenGL 3.3 core context with no window on screen, current on the thread that made it, where all its GL work
/// happens and where it is disposed; disposing it makes the context that was current there before it current again.
/// </summary>
internal interface IHeadlessContext : IDisposable
{
    GL Gl { get; }

    /// <summary>How it was made: "surfaceless" or "device" (EGL), "hidden window" (GLFW).</summary>
    string Platform { get; }

    /// <summary>GL_RENDERER.</summary>
    string Renderer { get; }

    /// <summary>Makes the context current on the calling thread.</summary>
    void MakeCurrent();

    /// <summary>Whether this context is current on the calling thread.</summary>
    bool IsCurrent { get; }
}

/// <summary>
/// The headless context for this platform: EGL on Linux (no display server needed: Mesa llvmpipe or a GPU's EGL); a
/// hidden GLFW window elsewhere (Windows has no EGL for desktop OpenGL; untested there).
/// </summary>
internal static class HeadlessContext
{
    public static IHeadlessContext Create() => OperatingSystem.IsLinux() ? new EglContext() : CreateHiddenWindow();

    /// <summary>The other platforms' context (also usable on Linux with a display, which is how it is tested).</summary>
    public static IHeadlessContext CreateHiddenWindow() => new HiddenWindowContext();

    /// <summary>A GLFW window that is never shown, for its OpenGL context.</summary>
    private sealed class HiddenWindowContext : IHeadlessContext
    {
        private readonly nint _previous = GlfwWindow.CurrentContext(); // before the window below: field initialisers run in order
        private readonly GlfwWindow _window = new(16, 16, "LiveSeg (hidden)", vsync: false, visible: false);

        public GL Gl => _window.Gl;

        public string Platform => "hidden window";

        public string Renderer => _window.Renderer;

        public void MakeCurrent() => _window.MakeCurrent();

        public bool IsCurrent => GlfwWindow.CurrentContext() == _window.Handle;

        public void Dispose()
        {
            if (_window.Handle == 0)
                return;
            if (IsCurrent)
                GlfwWindow.MakeContextCurrent(_previous); // before GLFW may be terminated below
            _window.Dispose();
        }
    }
}
