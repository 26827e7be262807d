using System.Runtime.InteropServices;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// A headless OpenGL 3.3 core context through EGL, with no window and no display server: Mesa's surfaceless platform
/// (llvmpipe or a DRM GPU) first, then the device platform (the NVIDIA driver's EGL). The context is current on the
/// thread that created it; all its GL work happens on that thread, which also disposes it (and then has its earlier
/// EGL context current again). Rendering goes into framebuffer objects; there is no default framebuffer.
/// </summary>
internal sealed unsafe class EglContext : IHeadlessContext
{
    private const string Lib = "libEGL.so.1";
    private const int EglNone = 0x3038;
    private const int EglPlatformSurfacelessMesa = 0x31DD;
    private const int EglPlatformDeviceExt = 0x313F;
    private const uint EglOpenGlApi = 0x30A2;

    private static readonly int[] s_configAttribs =
    [
        0x3033, 0x0001,       // EGL_SURFACE_TYPE: EGL_PBUFFER_BIT
        0x3040, 0x0008,       // EGL_RENDERABLE_TYPE: EGL_OPENGL_BIT
        0x3024, 8, 0x3023, 8, 0x3022, 8, 0x3021, 8, // RGBA 8 bits
        EglNone,
    ];

    private static readonly int[] s_contextAttribs =
    [
        0x3098, 3,            // EGL_CONTEXT_MAJOR_VERSION
        0x30FB, 3,            // EGL_CONTEXT_MINOR_VERSION
        0x30FD, 0x1,          // EGL_CONTEXT_OPENGL_PROFILE_MASK: core
        EglNone,
    ];

    private const int EglDraw = 0x3059;
    private const int EglRead = 0x305A;

    private nint _display;
    private nint _context;
    private Binding _previous;

    /// <summary>A thread's current EGL binding: the API it has bound and, for OpenGL, the context and surfaces.</summary>
    private readonly record struct Binding(uint Api, nint Display, nint Draw, nint Read, nint Context)
    {
        public static Binding OfThisThread()
        {
            uint api = eglQueryAPI();
            if (api != EglOpenGlApi)
                eglBindAPI(EglOpenGlApi); // the current context asked for next is the OpenGL one
            return new(api, eglGetCurrentDisplay(), eglGetCurrentSurface(EglDraw), eglGetCurrentSurface(EglRead), eglGetCurrentContext());
        }
    }

    public EglContext()
    {
        var failures = new List<string>();
        try
        {
            _previous = Binding.OfThisThread();
            if (TryCreate(EglPlatformSurfacelessMesa, 0, "surfaceless", failures))
                return;
            foreach (nint device in QueryDevices(failures))
            {
                if (TryCreate(EglPlatformDeviceExt, device, "device", failures))
                    return;
            }
        }
        catch (DllNotFoundException e)
        {
            Throw.User($"OpenGL: libEGL.so.1 was not found ({e.Message}): install libegl1 libegl-mesa0 libgl1-mesa-dri (Debian/Ubuntu) or the NVIDIA driver.", e);
        }
        if (_previous.Api is not 0 and not EglOpenGlApi)
            eglBindAPI(_previous.Api); // the thread's bound API as it was
        Throw.User($"OpenGL: no headless EGL context could be created ({string.Join("; ", failures)}): install libegl1 libegl-mesa0 libgl1-mesa-dri, or the NVIDIA driver with its EGL library.");
    }

    public GL Gl { get; private set; } = null!;

    /// <summary>Which EGL platform gave the context ("surfaceless" or "device").</summary>
    public string Platform { get; private set; } = "";

    /// <summary>GL_RENDERER, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" or "NVIDIA H100 80GB HBM3/PCIe/SSE2".</summary>
    public string Renderer { get; private set; } = "";

    private bool TryCreate(int platform, nint nativeDisplay, string label, List<string> failures)
    {
        var getPlatformDisplay = (delegate* unmanaged<int, nint, int*, nint>)eglGetProcAddress("eglGetPlatformDisplayEXT");
        if (getPlatformDisplay == null)
        {
            failures.Add("eglGetPlatformDisplayEXT missing");
            return false;
        }
        int none = EglNone;
        nint display = getPlatformDisplay(platform, nativeDisplay, &none);
        if (display == 0 || !eglInitialize(display, out _, out _))
        {
            failures.Add($"{label}: no display (EGL error 0x{eglGetError():X})");
            return false;
        }
        var configs = new nint[1];
        if (!eglBindAPI(EglOpenGlApi) || !eglChooseConfig(display, s_configAttribs, configs, 1, out int count) || count < 1)
        {
            failures.Add($"{label}: no OpenGL config (EGL error 0x{eglGetError():X})");
            return false; // the display stays initialised: another context in this process may be using it
        }
        nint context = eglCreateContext(display, configs[0], 0, s_contextAttribs);
        if (context == 0 || !eglMakeCurrent(display, 0, 0, context))
        {
            failures.Add($"{label}: no OpenGL 3.3 core context (EGL error 0x{eglGetError():X})");
            if (context != 0)
                eglDestroyContext(display, context);
            return false;
        }
        _display = display;
        _context = context;
        Platform = label;
        Gl = GL.GetApi(name => eglGetProcAddress(name));
        Renderer = Gl.GetStringS(StringName.Renderer) ?? "unknown";
        return true;
    }

    private static nint[] QueryDevices(List<string> failures)
    {
        var query = (delegate* unmanaged<int, nint*, int*, uint>)eglGetProcAddress("eglQueryDevicesEXT");
        if (query == null)
        {
            failures.Add("device: EGL_EXT_device_enumeration missing");
            return [];
        }
        var devices = new nint[8];
        int count;
        fixed (nint* p = devices)
        {
            if (query(devices.Length, p, &count) == 0)
                return [];
        }
        return devices[..count];
    }

    /// <summary>Makes the context current on the calling thread (it must not be current on another thread).</summary>
    public void MakeCurrent()
    {
        if (!eglMakeCurrent(_display, 0, 0, _context))
            throw new InvalidOperationException($"eglMakeCurrent failed (EGL error 0x{eglGetError():X})");
    }

    public bool IsCurrent
    {
        get
        {
            uint api = eglQueryAPI();
            if (api != EglOpenGlApi)
                eglBindAPI(EglOpenGlApi);
            bool current = eglGetCurrentContext() == _context;
            if (api != EglOpenGlApi)
                eglBindAPI(api);
            return current;
        }
    }

    private void RestorePrevious()
    {
        if (_previous.Context != _context)
        {
            // The remembered context may be gone by now: then none is current.
            if (_previous.Context == 0 || !eglMakeCurrent(_previous.Display, _previous.Draw, _previous.Read, _previous.Context))
                eglMakeCurrent(_display, 0, 0, 0);
        }
        if (_previous.Api != EglOpenGlApi)
            eglBindAPI(_previous.Api);
    }

    /// <summary>
    /// Destroys the context; if it is current on this thread, the context current before it was made is made current
    /// again, or none. The display stays initialised: EGL gives every
    /// caller in the process the same display, and terminating it would break the other contexts on it (another
    /// compositor's, a host's).
    /// </summary>
    public void Dispose()
    {
        if (_display == 0)
            return;
        if (IsCurrent)
            RestorePrevious();
        eglDestroyContext(_display, _context);
        _display = 0;
        Gl?.Dispose();
    }

    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern nint eglGetProcAddress(string name);

    [DllImport(Lib)]
    private static extern bool eglInitialize(nint display, out int major, out int minor);

    [DllImport(Lib)]
    private static extern bool eglBindAPI(uint api);

    [DllImport(Lib)]
    private static extern bool eglChooseConfig(nint display, int[] attribs, nint[] configs, int size, out int count);

    [DllImport(Lib)]
    private static extern nint eglCreateContext(nint display, nint config, nint share, int[] attribs);

    [DllImport(Lib)]
    private static extern bool eglMakeCurrent(nint display, nint draw, nint read, nint context);

    [DllImport(Lib)]
    private static extern bool eglDestroyContext(nint display, nint context);


    [DllImport(Lib)]
    private static extern int eglGetError();

    [DllImport(Lib)]
    private static extern uint eglQueryAPI();

    [DllImport(Lib)]
    private static extern nint eglGetCurrentContext();

    [DllImport(Lib)]
    private static extern nint eglGetCurrentDisplay();

    [DllImport(Lib)]
    private static extern nint eglGetCurrentSurface(int readDraw);

}
