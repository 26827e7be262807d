using System.Runtime.InteropServices;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// A window with an OpenGL 3.3 core context through GLFW (Debian's libglfw3, libglfw.so.3; glfw3.dll on Windows), by
/// the project's own small P/Invoke layer. Created, used and disposed on one thread (the GL thread). Keys arrive through
/// <see cref="KeyPressed"/> and left clicks through <see cref="Clicked"/> during <see cref="PollEvents"/>.
/// </summary>
internal sealed unsafe class GlfwWindow : ILiveDisplay
{
    private const int GlfwTrue = 1;
    private const int GlfwPress = 1;
    private const int GlfwRepeat = 2;
    private const int ContextVersionMajor = 0x00022002;
    private const int ContextVersionMinor = 0x00022003;
    private const int OpenGlForwardCompat = 0x00022006;
    private const int OpenGlProfile = 0x00022008;
    private const int OpenGlCoreProfile = 0x00032001;
    private const int Resizable = 0x00020003;
    private const int Visible = 0x00020004;

    private const int MouseButtonLeft = 0;
    private readonly KeyCallback _keyCallback; // kept alive: GLFW holds a native pointer to it
    private readonly MouseButtonCallback _mouseButtonCallback; // likewise
    private nint _window;
    private bool _fullScreen;
    private (int X, int Y, int W, int H) _windowed;

    public GlfwWindow(int width, int height, string title, bool vsync, bool visible = true)
    {
        AcquireGlfw();
        glfwWindowHint(ContextVersionMajor, 3);
        glfwWindowHint(ContextVersionMinor, 3);
        glfwWindowHint(OpenGlProfile, OpenGlCoreProfile);
        glfwWindowHint(OpenGlForwardCompat, GlfwTrue);
        glfwWindowHint(Resizable, GlfwTrue);
        glfwWindowHint(Visible, visible ? GlfwTrue : 0);
        _window = glfwCreateWindow(width, height, title, 0, 0);
        glfwDefaultWindowHints(); // a host program's next window gets GLFW's defaults, not these hints
        if (_window == 0)
        {
            string error = LastError();
            ReleaseGlfw();
            Throw.User($"the window could not be opened ({error}): an OpenGL 3.3 driver is needed; use 'liveseg video' for headless work.");
        }
        glfwMakeContextCurrent(_window);
        glfwSwapInterval(vsync ? 1 : 0);
        Gl = GL.GetApi(name => glfwGetProcAddress(name));
        Renderer = Gl.GetStringS(StringName.Renderer) ?? "unknown";
        _keyCallback = OnKey;
        glfwSetKeyCallback(_window, Marshal.GetFunctionPointerForDelegate(_keyCallback));
        _mouseButtonCallback = OnMouseButton;
        glfwSetMouseButtonCallback(_window, Marshal.GetFunctionPointerForDelegate(_mouseButtonCallback));
    }

    public GL Gl { get; }

    public string Renderer { get; }

    public string Description => $"{Renderer} (GLFW window)";

    public uint Framebuffer => 0;

    public bool IsVisible => true;

    /// <summary>Called on the GL thread for each key press or repeat, with GLFW's key code (printable keys: their ASCII upper case).</summary>
    public event Action<int>? KeyPressed;

    /// <summary>Called on the GL thread for each left-button press: where, in framebuffer pixels from the top-left corner.</summary>
    public event Action<double, double>? Clicked;

    public bool ShouldClose => glfwWindowShouldClose(_window) != 0;

    public bool IsFullScreen => _fullScreen;

    public void Close() => glfwSetWindowShouldClose(_window, GlfwTrue);

    public void PollEvents() => glfwPollEvents();

    /// <summary>Makes the window's context current on the calling thread.</summary>
    public void MakeCurrent() => glfwMakeContextCurrent(_window);

    public void SwapBuffers() => glfwSwapBuffers(_window);

    /// <summary>Framebuffer size in pixels (may differ from window size on high-DPI screens).</summary>
    public (int Width, int Height) FramebufferSize
    {
        get
        {
            glfwGetFramebufferSize(_window, out int w, out int h);
            return (w, h);
        }
    }

    public void ToggleFullScreen()
    {
        if (_fullScreen)
        {
            glfwSetWindowMonitor(_window, 0, _windowed.X, _windowed.Y, _windowed.W, _windowed.H, 0);
            _fullScreen = false;
            return;
        }
        nint monitor = glfwGetPrimaryMonitor();
        if (monitor == 0)
            return;
        glfwGetWindowPos(_window, out int x, out int y);
        glfwGetWindowSize(_window, out int w, out int h);
        _windowed = (x, y, w, h);
        var mode = (VideoMode*)glfwGetVideoMode(monitor);
        glfwSetWindowMonitor(_window, monitor, 0, 0, mode->Width, mode->Height, mode->RefreshRate);
        _fullScreen = true;
    }

    private void OnKey(nint window, int key, int scancode, int action, int mods)
    {
        if (action is GlfwPress or GlfwRepeat)
            KeyPressed?.Invoke(key);
    }

    private void OnMouseButton(nint window, int button, int action, int mods)
    {
        if (button != MouseButtonLeft || action != GlfwPress)
            return;
        // The cursor is in screen coordinates; the framebuffer may have more pixels (high-DPI screens).
        glfwGetCursorPos(window, out double x, out double y);
        glfwGetWindowSize(window, out int w, out int h);
        var (fbW, fbH) = FramebufferSize;
        Clicked?.Invoke(w > 0 ? x * fbW / w : x, h > 0 ? y * fbH / h : y);
    }

    private static string LastError()
    {
        nint description = 0;
        int code = glfwGetError(&description);
        return code == 0 ? "no GLFW error" : Marshal.PtrToStringUTF8(description) ?? $"GLFW error 0x{code:X}";
    }

    public void Dispose()
    {
        if (_window == 0)
            return;
        glfwDestroyWindow(_window);
        _window = 0;
        ReleaseGlfw();
    }

    private static readonly object s_glfwGate = new();
    private static int s_windows;
    private static bool s_ownsGlfw;

    /// <summary>
    /// Initialises GLFW for the first of LiveSeg's windows. When the host program had already initialised the same
    /// GLFW library, LiveSeg leaves it to the host to terminate: terminating would destroy the host's windows.
    /// </summary>
    private static void AcquireGlfw()
    {
        lock (s_glfwGate)
        {
            if (s_windows == 0)
            {
                bool hostsAlready;
                try
                {
                    hostsAlready = IsGlfwInitialised();
                    if (glfwInit() != GlfwTrue)
                        Throw.User($"no display for a window ({LastError()}): set DISPLAY (X11) or run under Wayland/XWayland, or use 'liveseg video' for headless work.");
                }
                catch (DllNotFoundException e)
                {
                    Throw.User($"GLFW was not found ({e.Message}): install libglfw3 (Debian/Ubuntu) or put glfw3.dll beside liveseg (Windows).", e);
                    throw;
                }
                s_ownsGlfw = !hostsAlready;
            }
            s_windows++;
        }
    }

    private static void ReleaseGlfw()
    {
        lock (s_glfwGate)
        {
            if (--s_windows == 0 && s_ownsGlfw)
                glfwTerminate();
        }
    }

    /// <summary>Whether GLFW is initialised (by anyone): a call before glfwInit fails with GLFW_NOT_INITIALIZED.</summary>
    private static bool IsGlfwInitialised()
    {
        const int NotInitialized = 0x00010001;
        _ = glfwGetError(null);
        glfwGetCurrentContext();
        return glfwGetError(null) != NotInitialized;
    }

    /// <summary>GLFW's context current on the calling thread (0: none, GLFW not initialised, or no GLFW library: creating a window says so).</summary>
    public static nint CurrentContext()
    {
        try
        {
            lock (s_glfwGate)
            {
                if (s_windows > 0)
                    return glfwGetCurrentContext();
                nint current = glfwGetCurrentContext();
                _ = glfwGetError(null); // before glfwInit the call leaves GLFW_NOT_INITIALIZED behind: not an error here
                return current;
            }
        }
        catch (DllNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Makes a GLFW window's context (0: none) current on the calling thread.</summary>
    public static void MakeContextCurrent(nint window) => glfwMakeContextCurrent(window);

    /// <summary>This window's GLFW handle.</summary>
    public nint Handle => _window;

    /// <summary>GLFW key codes used by LiveSeg.</summary>
    public static class Keys
    {
        public const int Escape = 256;
        public const int Equal = 61;
        public const int Minus = 45;
        public const int KeypadSubtract = 333;
        public const int KeypadAdd = 334;
        public const int F1 = 290;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct VideoMode
    {
        public int Width;
        public int Height;
        public int RedBits;
        public int GreenBits;
        public int BlueBits;
        public int RefreshRate;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void KeyCallback(nint window, int key, int scancode, int action, int mods);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void MouseButtonCallback(nint window, int button, int action, int mods);

    private const string Lib = "glfw";

    static GlfwWindow()
    {
        NativeLibrary.SetDllImportResolver(typeof(GlfwWindow).Assembly, (name, assembly, path) =>
        {
            if (name != Lib)
                return 0;
            foreach (string candidate in new[] { "libglfw.so.3", "libglfw.so", "glfw3.dll", "libglfw.3.dylib" })
            {
                if (NativeLibrary.TryLoad(candidate, assembly, path, out nint handle))
                    return handle;
            }
            return 0;
        });
    }

    [DllImport(Lib)] private static extern int glfwInit();
    [DllImport(Lib)] private static extern void glfwTerminate();
    [DllImport(Lib)] private static extern void glfwWindowHint(int hint, int value);
    [DllImport(Lib)] private static extern void glfwDefaultWindowHints();
    [DllImport(Lib)] private static extern nint glfwGetCurrentContext();
    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false)] private static extern nint glfwCreateWindow(int width, int height, string title, nint monitor, nint share);
    [DllImport(Lib)] private static extern void glfwDestroyWindow(nint window);
    [DllImport(Lib)] private static extern void glfwMakeContextCurrent(nint window);
    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false)] private static extern nint glfwGetProcAddress(string name);
    [DllImport(Lib)] private static extern void glfwSwapInterval(int interval);
    [DllImport(Lib)] private static extern void glfwSwapBuffers(nint window);
    [DllImport(Lib)] private static extern void glfwPollEvents();
    [DllImport(Lib)] private static extern int glfwWindowShouldClose(nint window);
    [DllImport(Lib)] private static extern void glfwSetWindowShouldClose(nint window, int value);
    [DllImport(Lib)] private static extern nint glfwSetKeyCallback(nint window, nint callback);
    [DllImport(Lib)] private static extern nint glfwSetMouseButtonCallback(nint window, nint callback);
    [DllImport(Lib)] private static extern void glfwGetCursorPos(nint window, out double x, out double y);
    [DllImport(Lib)] private static extern void glfwGetFramebufferSize(nint window, out int width, out int height);
    [DllImport(Lib)] private static extern void glfwGetWindowPos(nint window, out int x, out int y);
    [DllImport(Lib)] private static extern void glfwGetWindowSize(nint window, out int width, out int height);
    [DllImport(Lib)] private static extern nint glfwGetPrimaryMonitor();
    [DllImport(Lib)] private static extern nint glfwGetVideoMode(nint monitor);
    [DllImport(Lib)] private static extern void glfwSetWindowMonitor(nint window, nint monitor, int x, int y, int width, int height, int refreshRate);
    [DllImport(Lib)] private static extern int glfwGetError(nint* description);
}
