using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Streams a frame and its mask into textures created once.
/// Frame: BGR Mat → RGBA8 texture, frame size, row 0 = top. Mask: float[] → R32F texture, model output size, linear
/// filtering (sampled bilinearly by mask.glsl); remade only when the mask size changes (another model).
/// </summary>
internal sealed unsafe class UploadStage(GL gl, int width, int height) : IDisposable
{
    public Texture2D Frame { get; } = new(gl, width, height, InternalFormat.Rgba8);

    public Texture2D Mask { get; private set; } = null!;

    public void EnsureMaskSize(int maskWidth, int maskHeight)
    {
        if (Mask is not null && Mask.Width == maskWidth && Mask.Height == maskHeight)
            return;
        Mask?.Dispose();
        Mask = new Texture2D(gl, maskWidth, maskHeight, InternalFormat.R32f, linear: true);
    }

    public void Upload(Mat image, Masks.Mask mask)
    {
        // Row pitch in pixels: OpenCV rows may be padded (step > width * 3).
        int rowLength = (int)(image.Step() / 3);
        Frame.Upload(PixelFormat.Bgr, PixelType.UnsignedByte, (void*)image.Data, rowLength == image.Width ? 0 : rowLength);
        fixed (float* m = mask.Data)
            Mask.Upload(PixelFormat.Red, PixelType.Float, m);
    }

    public void Dispose()
    {
        Frame.Dispose();
        Mask?.Dispose();
    }
}
