using LiveSeg.Capture;
using LiveSeg.Metrics;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Streams a frame and its mask into textures created once.
/// Frame: BGR Mat → RGBA8 texture, frame size, row 0 = top. Mask: float[] → R32F texture, model output size, linear.
/// </summary>
public sealed unsafe class UploadStage : IDisposable
{
    public UploadStage(GL gl, int width, int height, int maskWidth, int maskHeight)
    {
        Frame = new Texture2D(gl, width, height, InternalFormat.Rgba8);
        Mask = new Texture2D(gl, maskWidth, maskHeight, InternalFormat.R32f, linear: true); // sampled bilinearly by mask.glsl
    }

    public Texture2D Frame { get; }

    public Texture2D Mask { get; }

    public void Upload(FrameSlot slot)
    {
        Mat image = slot.Image;
        // Row pitch in pixels: OpenCV rows may be padded (step > width * 3).
        int rowLength = (int)(image.Step() / 3);
        Frame.Upload(PixelFormat.Bgr, PixelType.UnsignedByte, (void*)image.Data, rowLength == image.Width ? 0 : rowLength);
        fixed (float* mask = slot.Mask)
            Mask.Upload(PixelFormat.Red, PixelType.Float, mask);
    }

    public void Dispose()
    {
        Frame.Dispose();
        Mask.Dispose();
    }
}
