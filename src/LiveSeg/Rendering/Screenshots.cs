using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>The window's framebuffer as an image: read before the swap, so it is exactly the frame about to be shown.</summary>
internal static unsafe class Screenshots
{
    /// <summary>
    /// Saves the shown framebuffer (<paramref name="framebuffer"/>: 0 = the window's back buffer; <paramref name="width"/> x
    /// <paramref name="height"/>, HUD included) safely (temp + rename).
    /// </summary>
    public static void Save(GL gl, string path, uint framebuffer, int width, int height)
    {
        using var image = new Mat(height, width, MatType.CV_8UC3);
        gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, framebuffer);
        gl.ReadBuffer(framebuffer == 0 ? ReadBufferMode.Back : ReadBufferMode.ColorAttachment0);
        gl.PixelStore(PixelStoreParameter.PackAlignment, 1);
        gl.ReadPixels(0, 0, (uint)width, (uint)height, PixelFormat.Bgr, PixelType.UnsignedByte, (void*)image.Data);
        Cv2.Flip(image, image, FlipMode.X); // GL rows are bottom-up
        LiveSeg.IO.AtomicFile.WriteImage(path, "screenshot", image);
    }

    /// <summary>A black window (before the first frame and mask have arrived).</summary>
    public static void ClearWindow(GL gl, uint framebuffer, int width, int height)
    {
        gl.BindFramebuffer(FramebufferTarget.Framebuffer, framebuffer);
        gl.Viewport(0, 0, (uint)width, (uint)height);
        gl.ClearColor(0, 0, 0, 1);
        gl.Clear(ClearBufferMask.ColorBufferBit);
    }
}
