using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// Output target → BGR Mat through a ring of pixel buffer objects: <see cref="Start"/> queues glReadPixels into the
/// next PBO (asynchronous on a hardware GPU), <see cref="Finish"/> maps the oldest one and copies it out. With two
/// PBOs a frame can be read while the next one renders. Framebuffer row 0 is image row 0 (top): no flip needed.
/// </summary>
internal sealed unsafe class ReadbackStage : IDisposable
{
    private readonly GL _gl;
    private readonly uint[] _buffers;
    private readonly int _width;
    private readonly int _height;
    private readonly nuint _size;
    private int _next;
    private int _pending;

    public ReadbackStage(GL gl, int width, int height, int depth)
    {
        _gl = gl;
        _width = width;
        _height = height;
        _size = (nuint)(width * height * 3);
        _buffers = new uint[depth];
        for (int i = 0; i < depth; i++)
        {
            _buffers[i] = gl.GenBuffer();
            gl.BindBuffer(BufferTargetARB.PixelPackBuffer, _buffers[i]);
            gl.BufferData(BufferTargetARB.PixelPackBuffer, _size, null, BufferUsageARB.StreamRead);
        }
        gl.BindBuffer(BufferTargetARB.PixelPackBuffer, 0);
    }

    public int Depth => _buffers.Length;

    public int Pending => _pending;

    public void Start(RenderTarget source)
    {
        if (_pending == _buffers.Length)
            throw new InvalidOperationException("read-back ring is full: Finish the oldest frame first");
        _gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, source.Handle);
        _gl.BindBuffer(BufferTargetARB.PixelPackBuffer, _buffers[(_next + _pending) % _buffers.Length]);
        _gl.PixelStore(PixelStoreParameter.PackAlignment, 1);
        _gl.ReadPixels(0, 0, (uint)_width, (uint)_height, PixelFormat.Bgr, PixelType.UnsignedByte, null);
        _gl.BindBuffer(BufferTargetARB.PixelPackBuffer, 0);
        _pending++;
    }

    /// <summary>Copies the oldest queued read into <paramref name="destination"/> (BGR, allocated once at frame size).</summary>
    public void Finish(Mat destination)
    {
        if (_pending == 0)
            throw new InvalidOperationException("no read-back in flight");
        if (destination.Width != _width || destination.Height != _height || destination.Type() != MatType.CV_8UC3)
            destination.Create(_height, _width, MatType.CV_8UC3);
        _gl.BindBuffer(BufferTargetARB.PixelPackBuffer, _buffers[_next]);
        void* data = _gl.MapBufferRange(BufferTargetARB.PixelPackBuffer, 0, _size, MapBufferAccessMask.ReadBit);
        if (data == null)
            throw new InvalidOperationException($"glMapBufferRange failed (GL error {_gl.GetError()})");
        int rowBytes = _width * 3;
        for (int y = 0; y < _height; y++)
            System.Buffer.MemoryCopy((byte*)data + (long)y * rowBytes, (void*)destination.Ptr(y), rowBytes, rowBytes);
        _gl.UnmapBuffer(BufferTargetARB.PixelPackBuffer);
        _gl.BindBuffer(BufferTargetARB.PixelPackBuffer, 0);
        _next = (_next + 1) % _buffers.Length;
        _pending--;
    }

    public void Dispose() => _gl.DeleteBuffers(_buffers);
}
