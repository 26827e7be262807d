using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The parts of OpenGL state LiveSeg's passes change, saved by <see cref="Save"/> and put back by <see cref="Restore"/>:
/// framebuffers, program, viewport, active texture and the 2D textures of units 0–7, vertex array and buffers, pixel
/// store alignment and row length, blend, scissor, depth, cull and sRGB enables, colour mask, clear colour. Used when LiveSeg draws in a
/// host program's context, so the host's next draw finds its state as it left it. Made once and reused (a call
/// allocates nothing).
/// </summary>
internal sealed class GlStateGuard(GL gl)
{
    private const int Units = 8;
    private readonly GL _gl = gl;
    private readonly int[] _viewport = new int[4];
    private readonly float[] _clear = new float[4];
    private readonly int[] _textures = new int[Units];
    private int _draw, _read, _program, _active, _vertexArray, _arrayBuffer, _unpackBuffer, _packBuffer;
    private int _unpackAlignment, _packAlignment, _unpackRowLength;
    private int _blendSrcRgb, _blendDstRgb, _blendSrcAlpha, _blendDstAlpha;
    private bool _blend, _scissor, _depth, _cull, _srgb;
    private readonly bool[] _colorMask = new bool[4];

    /// <summary>Saves the host's state and disables what LiveSeg's passes must not have on.</summary>
    public void Save()
    {
        var gl = _gl;
        _draw = gl.GetInteger(GetPName.DrawFramebufferBinding);
        _read = gl.GetInteger(GetPName.ReadFramebufferBinding);
        _program = gl.GetInteger(GetPName.CurrentProgram);
        _active = gl.GetInteger(GetPName.ActiveTexture);
        for (int i = 0; i < Units; i++)
        {
            gl.ActiveTexture(TextureUnit.Texture0 + i);
            _textures[i] = gl.GetInteger(GetPName.TextureBinding2D);
        }
        gl.ActiveTexture((TextureUnit)_active);
        _vertexArray = gl.GetInteger(GetPName.VertexArrayBinding);
        _arrayBuffer = gl.GetInteger(GetPName.ArrayBufferBinding);
        _unpackBuffer = gl.GetInteger(GetPName.PixelUnpackBufferBinding);
        _packBuffer = gl.GetInteger(GetPName.PixelPackBufferBinding);
        _unpackAlignment = gl.GetInteger(GetPName.UnpackAlignment);
        _packAlignment = gl.GetInteger(GetPName.PackAlignment);
        _unpackRowLength = gl.GetInteger(GetPName.UnpackRowLength);
        _blend = gl.IsEnabled(EnableCap.Blend);
        _scissor = gl.IsEnabled(EnableCap.ScissorTest);
        _depth = gl.IsEnabled(EnableCap.DepthTest);
        _cull = gl.IsEnabled(EnableCap.CullFace);
        _blendSrcRgb = gl.GetInteger(GetPName.BlendSrcRgb);
        _blendDstRgb = gl.GetInteger(GetPName.BlendDstRgb);
        _blendSrcAlpha = gl.GetInteger(GetPName.BlendSrcAlpha);
        _blendDstAlpha = gl.GetInteger(GetPName.BlendDstAlpha);
        gl.GetInteger(GetPName.Viewport, _viewport);
        gl.GetFloat(GetPName.ColorClearValue, _clear);
        _srgb = gl.IsEnabled(EnableCap.FramebufferSrgb);
        gl.GetBoolean(GetPName.ColorWritemask, _colorMask);
        // LiveSeg's passes draw full-screen triangles that replace every pixel: no blending, depth, scissor, culling,
        // sRGB conversion or masked channels.
        gl.Disable(EnableCap.Blend);
        gl.Disable(EnableCap.ScissorTest);
        gl.Disable(EnableCap.DepthTest);
        gl.Disable(EnableCap.CullFace);
        gl.Disable(EnableCap.FramebufferSrgb);
        gl.ColorMask(true, true, true, true);
    }

    /// <summary>Puts the saved state back.</summary>
    public void Restore()
    {
        var gl = _gl;
        gl.BindFramebuffer(FramebufferTarget.DrawFramebuffer, (uint)_draw);
        gl.BindFramebuffer(FramebufferTarget.ReadFramebuffer, (uint)_read);
        gl.UseProgram((uint)_program);
        for (int i = 0; i < Units; i++)
        {
            gl.ActiveTexture(TextureUnit.Texture0 + i);
            gl.BindTexture(TextureTarget.Texture2D, (uint)_textures[i]);
        }
        gl.ActiveTexture((TextureUnit)_active);
        gl.BindVertexArray((uint)_vertexArray);
        gl.BindBuffer(BufferTargetARB.ArrayBuffer, (uint)_arrayBuffer);
        gl.BindBuffer(BufferTargetARB.PixelUnpackBuffer, (uint)_unpackBuffer);
        gl.BindBuffer(BufferTargetARB.PixelPackBuffer, (uint)_packBuffer);
        gl.PixelStore(PixelStoreParameter.UnpackAlignment, _unpackAlignment);
        gl.PixelStore(PixelStoreParameter.PackAlignment, _packAlignment);
        gl.PixelStore(PixelStoreParameter.UnpackRowLength, _unpackRowLength);
        Set(EnableCap.Blend, _blend);
        Set(EnableCap.ScissorTest, _scissor);
        Set(EnableCap.DepthTest, _depth);
        Set(EnableCap.CullFace, _cull);
        Set(EnableCap.FramebufferSrgb, _srgb);
        gl.ColorMask(_colorMask[0], _colorMask[1], _colorMask[2], _colorMask[3]);
        gl.BlendFuncSeparate((BlendingFactor)_blendSrcRgb, (BlendingFactor)_blendDstRgb, (BlendingFactor)_blendSrcAlpha, (BlendingFactor)_blendDstAlpha);
        gl.Viewport(_viewport[0], _viewport[1], (uint)_viewport[2], (uint)_viewport[3]);
        gl.ClearColor(_clear[0], _clear[1], _clear[2], _clear[3]);
    }

    private void Set(EnableCap cap, bool on)
    {
        if (on)
            _gl.Enable(cap);
        else
            _gl.Disable(cap);
    }
}
