// A host program with its own window and loop; LiveSeg segments each frame and draws the composite into the host's
// framebuffer (left two thirds), the host draws its own things around it (here: a clear colour and a bar).
//   dotnet run --project samples/HostWindow -- VIDEO [--frames N] [--screenshot out.png] [--model body]
using System.Runtime.InteropServices;
using LiveSeg;
using LiveSeg.Effects;
using OpenCvSharp;
using Silk.NET.OpenGL;

string? input = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
string Option(string name, string fallback) => Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : fallback;
if (input is null)
{
    Console.Error.WriteLine("usage: HostWindow VIDEO [--frames N] [--screenshot out.png] [--model body]");
    return 2;
}
int frames = int.Parse(Option("--frames", "0"), System.Globalization.CultureInfo.InvariantCulture);
string? screenshot = Option("--screenshot", "") is { Length: > 0 } s ? s : null;

using var video = new VideoCapture(input);
using var frame = new Mat();
if (!video.IsOpened() || !video.Read(frame) || frame.Empty())
{
    Console.Error.WriteLine($"HostWindow: cannot read '{input}' as a video");
    return 2;
}
const int WindowWidth = 960, WindowHeight = 480;
if (Glfw.glfwInit() == 0)
{
    Console.Error.WriteLine("HostWindow: no display (GLFW could not start)");
    return 2;
}
Glfw.glfwWindowHint(0x00022002, 3); // context version 3.3 core, forward compatible
Glfw.glfwWindowHint(0x00022003, 3);
Glfw.glfwWindowHint(0x00022008, 0x00032001);
Glfw.glfwWindowHint(0x00022006, 1);
nint window = Glfw.glfwCreateWindow(WindowWidth, WindowHeight, "LiveSeg in a host window", 0, 0);
Glfw.glfwMakeContextCurrent(window);
GL gl = GL.GetApi(name => Glfw.glfwGetProcAddress(name));

using var segmenter = Segmenter.Open(Option("--model", "body"), new SegmenterOptions { Smoothing = 0.95f, Log = Console.Error.WriteLine });
var compositor = Compositor.CreateInCurrentContext(gl, frame.Width, frame.Height, new EffectSettings { Effect = EffectKind.Blur });
int shown = 0;
while (Glfw.glfwWindowShouldClose(window) == 0)
{
    // The host's own drawing: its clear colour and a bar on the right (scissored), in its own state.
    gl.BindFramebuffer(FramebufferTarget.Framebuffer, 0);
    gl.Viewport(0, 0, WindowWidth, WindowHeight);
    gl.ClearColor(0.12f, 0.12f, 0.24f, 1f);
    gl.Clear(ClearBufferMask.ColorBufferBit);
    gl.Enable(EnableCap.ScissorTest);
    gl.Scissor(WindowWidth * 2 / 3 + 20, 40, 40, WindowHeight - 80);
    gl.ClearColor(0.9f, 0.7f, 0.1f, 1f);
    gl.Clear(ClearBufferMask.ColorBufferBit);
    gl.Disable(EnableCap.ScissorTest);

    // LiveSeg: segment, then composite into the left two thirds of the window's framebuffer.
    MaskView mask = segmenter.Segment(frame);
    compositor.Draw(frame, mask, framebuffer: 0, 0, 0, WindowWidth * 2 / 3, WindowHeight);
    shown++;

    bool last = frames > 0 && shown >= frames;
    if (last && screenshot is not null)
        SaveBackBuffer(gl, screenshot, WindowWidth, WindowHeight);
    Glfw.glfwSwapBuffers(window);
    Glfw.glfwPollEvents();
    if (last)
        break;
    if (!video.Read(frame) || frame.Empty())
    {
        video.Set(VideoCaptureProperties.PosFrames, 0); // loop the file
        video.Read(frame);
    }
}
Console.WriteLine($"HostWindow: {shown} frames, {segmenter.ModelName} on {segmenter.Provider}");
compositor.Dispose(); // while the context still exists
Glfw.glfwDestroyWindow(window);
Glfw.glfwTerminate();
return 0;

static unsafe void SaveBackBuffer(GL gl, string path, int width, int height)
{
    using var image = new Mat(height, width, MatType.CV_8UC3);
    gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, 0);
    gl.PixelStore(PixelStoreParameter.PackAlignment, 1);
    gl.ReadPixels(0, 0, (uint)width, (uint)height, PixelFormat.Bgr, PixelType.UnsignedByte, (void*)image.Data);
    Cv2.Flip(image, image, FlipMode.X);
    Cv2.ImWrite(path, image);
}

/// <summary>The few GLFW functions a host needs (libglfw3 on Debian/Ubuntu).</summary>
internal static class Glfw
{
    private const string Lib = "libglfw.so.3";
    [DllImport(Lib)] public static extern int glfwInit();
    [DllImport(Lib)] public static extern void glfwTerminate();
    [DllImport(Lib)] public static extern void glfwWindowHint(int hint, int value);
    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false)] public static extern nint glfwCreateWindow(int width, int height, string title, nint monitor, nint share);
    [DllImport(Lib)] public static extern void glfwDestroyWindow(nint window);
    [DllImport(Lib)] public static extern void glfwMakeContextCurrent(nint window);
    [DllImport(Lib, CharSet = CharSet.Ansi, BestFitMapping = false)] public static extern nint glfwGetProcAddress(string name);
    [DllImport(Lib)] public static extern void glfwSwapBuffers(nint window);
    [DllImport(Lib)] public static extern void glfwPollEvents();
    [DllImport(Lib)] public static extern int glfwWindowShouldClose(nint window);
}
