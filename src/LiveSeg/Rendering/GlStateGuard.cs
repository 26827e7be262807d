using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// The OpenGL state LiveSeg's passes depend on or change, saved by <see cref="Save"/> (which then sets what the passes
/// need) and put back by <see cref="Restore"/>. Used when LiveSeg draws in a host program's context, so that neither
/// side sees the other's state: the host's next draw finds its state as it left it, and LiveSeg's passes do not read
/// through the host's pixel buffers, samplers, pixel-store offsets or polygon mode.
/// <list type="bullet">
/// <item>bindings: draw and read framebuffers, program, vertex array, array buffer, pixel pack and unpack buffers (both
/// unbound for LiveSeg), the active texture unit (unit 0 for LiveSeg), and the 2D texture and sampler object (none for
/// LiveSeg) of each unit LiveSeg uses (<see cref="Units"/>); the host's units above those are never touched;</item>
/// <item>pixel store: every pack and unpack parameter (defaults for LiveSeg);</item>
/// <item>capabilities: blend (per draw buffer), scissor test (per viewport), depth, stencil, cull, sRGB conversion,
/// colour logic op, rasterizer discard, alpha to coverage (all off for LiveSeg);</item>
/// <item>the colour mask (per draw buffer; all channels for LiveSeg), polygon mode (fill for LiveSeg), the viewport
/// (every viewport of OpenGL 4.1's viewport arrays) and the clear colour. Blend functions and equations are neither
/// changed nor touched (blending is off for LiveSeg's passes).</item>
/// </list>
/// Made once and reused: a call allocates nothing.
/// </summary>
internal sealed unsafe class GlStateGuard
{
    /// <summary>Texture units LiveSeg's passes bind (they use 0–2); these units' textures and samplers are saved.</summary>
    public const int Units = 4;

    private static readonly EnableCap[] s_caps =
    [
        EnableCap.DepthTest, EnableCap.StencilTest, EnableCap.CullFace, EnableCap.FramebufferSrgb,
        EnableCap.ColorLogicOp, EnableCap.RasterizerDiscard, EnableCap.SampleAlphaToCoverage,
    ];

    // Pack and unpack parameters and the value LiveSeg's passes expect (OpenGL's defaults).
    private static readonly (PixelStoreParameter Name, int Default)[] s_pixelStore =
    [
        (PixelStoreParameter.UnpackAlignment, 4), (PixelStoreParameter.UnpackRowLength, 0),
        (PixelStoreParameter.UnpackSkipPixels, 0), (PixelStoreParameter.UnpackSkipRows, 0),
        (PixelStoreParameter.UnpackImageHeight, 0), (PixelStoreParameter.UnpackSkipImages, 0),
        (PixelStoreParameter.UnpackSwapBytes, 0), (PixelStoreParameter.UnpackLsbFirst, 0),
        (PixelStoreParameter.PackAlignment, 4), (PixelStoreParameter.PackRowLength, 0),
        (PixelStoreParameter.PackSkipPixels, 0), (PixelStoreParameter.PackSkipRows, 0),
        (PixelStoreParameter.PackImageHeight, 0), (PixelStoreParameter.PackSkipImages, 0),
        (PixelStoreParameter.PackSwapBytes, 0), (PixelStoreParameter.PackLsbFirst, 0),
    ];

    private readonly GL _gl;
    private readonly int _drawBuffers;
    private readonly int _viewports;          // 1 before OpenGL 4.1, else GL_MAX_VIEWPORTS
    private readonly float[] _viewport;       // x, y, w, h per viewport
    private readonly bool[] _scissor;         // per viewport
    private readonly float[] _clear = new float[4];
    private readonly int[] _polygonMode = new int[2];
    private readonly int[] _textures = new int[Units];
    private readonly int[] _samplers = new int[Units];
    private readonly int[] _pixelStore = new int[s_pixelStore.Length];
    private readonly bool[] _caps = new bool[s_caps.Length];
    private readonly bool[] _blend;
    private readonly bool[] _colorMasks;
    private int _draw, _read, _program, _active, _vertexArray, _arrayBuffer, _unpackBuffer, _packBuffer;

    public GlStateGuard(GL gl)
    {
        _gl = gl;
        _drawBuffers = Math.Max(1, gl.GetInteger(GetPName.MaxDrawBuffers));
        _blend = new bool[_drawBuffers];
        _colorMasks = new bool[_drawBuffers * 4];
        int major = gl.GetInteger(GetPName.MajorVersion), minor = gl.GetInteger(GetPName.MinorVersion);
        _viewports = major > 4 || (major == 4 && minor >= 1) ? Math.Max(1, gl.GetInteger(GetPName.MaxViewports)) : 1;
        _viewport = new float[_viewports * 4];
        _scissor = new bool[_viewports];
    }

    /// <summary>Saves the host's state and sets what LiveSeg's passes need.</summary>
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
            _samplers[i] = gl.GetInteger(GetPName.SamplerBinding);
            if (_samplers[i] != 0)
                gl.BindSampler((uint)i, 0);
        }
        // LiveSeg's code binds textures on unit 0 when it makes or uploads them: a saved unit, never one of the host's others.
        gl.ActiveTexture(TextureUnit.Texture0);
        _vertexArray = gl.GetInteger(GetPName.VertexArrayBinding);
        _arrayBuffer = gl.GetInteger(GetPName.ArrayBufferBinding);
        _unpackBuffer = gl.GetInteger(GetPName.PixelUnpackBufferBinding);
        _packBuffer = gl.GetInteger(GetPName.PixelPackBufferBinding);
        gl.BindBuffer(BufferTargetARB.PixelUnpackBuffer, 0);
        gl.BindBuffer(BufferTargetARB.PixelPackBuffer, 0);
        for (int i = 0; i < s_pixelStore.Length; i++)
        {
            _pixelStore[i] = gl.GetInteger((GetPName)s_pixelStore[i].Name);
            gl.PixelStore(s_pixelStore[i].Name, s_pixelStore[i].Default);
        }
        for (int i = 0; i < s_caps.Length; i++)
        {
            _caps[i] = gl.IsEnabled(s_caps[i]);
            gl.Disable(s_caps[i]);
        }
        for (uint i = 0; i < _drawBuffers; i++)
        {
            _blend[i] = gl.IsEnabled(EnableCap.Blend, i);
            fixed (bool* mask = &_colorMasks[(int)i * 4])
                gl.GetBoolean(GLEnum.ColorWritemask, i, mask);
        }
        gl.Disable(EnableCap.Blend);
        gl.ColorMask(true, true, true, true);
        gl.GetInteger(GetPName.PolygonMode, _polygonMode);
        gl.PolygonMode(TriangleFace.FrontAndBack, PolygonMode.Fill);
        if (_viewports == 1)
        {
            gl.GetFloat(GetPName.Viewport, _viewport);
            _scissor[0] = gl.IsEnabled(EnableCap.ScissorTest);
        }
        else
        {
            for (uint i = 0; i < _viewports; i++)
            {
                fixed (float* v = &_viewport[i * 4])
                    gl.GetFloat(GLEnum.Viewport, i, v);
                _scissor[i] = gl.IsEnabled(EnableCap.ScissorTest, i);
            }
        }
        gl.Disable(EnableCap.ScissorTest); // every viewport's
        gl.GetFloat(GetPName.ColorClearValue, _clear);
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
            gl.BindSampler((uint)i, (uint)_samplers[i]);
        }
        gl.ActiveTexture((TextureUnit)_active);
        gl.BindVertexArray((uint)_vertexArray);
        gl.BindBuffer(BufferTargetARB.ArrayBuffer, (uint)_arrayBuffer);
        gl.BindBuffer(BufferTargetARB.PixelUnpackBuffer, (uint)_unpackBuffer);
        gl.BindBuffer(BufferTargetARB.PixelPackBuffer, (uint)_packBuffer);
        for (int i = 0; i < s_pixelStore.Length; i++)
            gl.PixelStore(s_pixelStore[i].Name, _pixelStore[i]);
        for (int i = 0; i < s_caps.Length; i++)
            Set(s_caps[i], _caps[i]);
        for (uint i = 0; i < _drawBuffers; i++)
        {
            if (_blend[i])
                gl.Enable(EnableCap.Blend, i);
            else
                gl.Disable(EnableCap.Blend, i);
            int c = (int)i * 4;
            gl.ColorMask(i, _colorMasks[c], _colorMasks[c + 1], _colorMasks[c + 2], _colorMasks[c + 3]);
        }
        // Core profile keeps one polygon mode for both faces (glGet answers it twice).
        gl.PolygonMode(TriangleFace.FrontAndBack, (PolygonMode)_polygonMode[0]);
        if (_viewports == 1)
        {
            gl.Viewport((int)_viewport[0], (int)_viewport[1], (uint)_viewport[2], (uint)_viewport[3]);
            Set(EnableCap.ScissorTest, _scissor[0]);
        }
        else
        {
            for (uint i = 0; i < _viewports; i++)
            {
                int v = (int)i * 4;
                gl.ViewportIndexed(i, _viewport[v], _viewport[v + 1], _viewport[v + 2], _viewport[v + 3]);
                if (_scissor[i])
                    gl.Enable(EnableCap.ScissorTest, i);
                else
                    gl.Disable(EnableCap.ScissorTest, i);
            }
        }
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
