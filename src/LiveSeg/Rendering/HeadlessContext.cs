using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// An OpenGL 3.3 core context with no window on screen, current on the thread that made it. A pipeline keeps it current
/// on its GL thread; a library caller's work borrows it with <see cref="Enter"/> / <see cref="Leave"/>, so the calling
/// thread's own current context (if any) is put back and the context may serve another thread next time.
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

    /// <summary>Remembers the calling thread's current context and makes this one current.</summary>
    void Enter();

    /// <summary>
    /// Makes the context remembered by <see cref="Enter"/> — or, right after creation, the one that was current before
    /// it — current again on the calling thread (none: this one is released, free for any thread).
    /// </summary>
    void Leave();
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
        private nint _previous = GlfwWindow.CurrentContext(); // before the window below: field initialisers run in order
        private readonly GlfwWindow _window = new(16, 16, "LiveSeg (hidden)", vsync: false, visible: false);

        public GL Gl => _window.Gl;

        public string Platform => "hidden window";

        public string Renderer => _window.Renderer;

        public void MakeCurrent() => _window.MakeCurrent();

        public bool IsCurrent => GlfwWindow.CurrentContext() == _window.Handle;

        public void Enter()
        {
            _previous = GlfwWindow.CurrentContext();
            if (_previous != _window.Handle)
                _window.MakeCurrent();
        }

        public void Leave()
        {
            if (_previous != _window.Handle)
                GlfwWindow.MakeContextCurrent(_previous);
        }

        public void Dispose() => _window.Dispose();
    }
}
