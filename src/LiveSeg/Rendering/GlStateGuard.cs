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
/// <item>capabilities: blend (per draw buffer), scissor, depth, stencil, cull, sRGB conversion, colour logic op,
/// rasterizer discard, alpha to coverage (all off for LiveSeg);</item>
/// <item>the colour mask (per draw buffer; all channels for LiveSeg), polygon mode (fill for LiveSeg), blend
/// functions, viewport and clear colour.</item>
/// </list>
/// Made once and reused: a call allocates nothing.
/// </summary>
internal sealed unsafe class GlStateGuard
{
    /// <summary>Texture units LiveSeg's passes bind (they use 0–2); these units' textures and samplers are saved.</summary>
    public const int Units = 4;

    private const int MaxDrawBuffers = 8;

    private static readonly EnableCap[] s_caps =
    [
        EnableCap.ScissorTest, EnableCap.DepthTest, EnableCap.StencilTest, EnableCap.CullFace, EnableCap.FramebufferSrgb,
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
    private readonly int[] _viewport = new int[4];
    private readonly float[] _clear = new float[4];
    private readonly int[] _polygonMode = new int[2];
    private readonly int[] _textures = new int[Units];
    private readonly int[] _samplers = new int[Units];
    private readonly int[] _pixelStore = new int[s_pixelStore.Length];
    private readonly bool[] _caps = new bool[s_caps.Length];
    private readonly bool[] _blend = new bool[MaxDrawBuffers];
    private readonly bool[] _colorMasks = new bool[MaxDrawBuffers * 4];
    private int _draw, _read, _program, _active, _vertexArray, _arrayBuffer, _unpackBuffer, _packBuffer;
    private int _blendSrcRgb, _blendDstRgb, _blendSrcAlpha, _blendDstAlpha;

    public GlStateGuard(GL gl)
    {
        _gl = gl;
        _drawBuffers = Math.Clamp(gl.GetInteger(GetPName.MaxDrawBuffers), 1, MaxDrawBuffers);
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
        _blendSrcRgb = gl.GetInteger(GetPName.BlendSrcRgb);
        _blendDstRgb = gl.GetInteger(GetPName.BlendDstRgb);
        _blendSrcAlpha = gl.GetInteger(GetPName.BlendSrcAlpha);
        _blendDstAlpha = gl.GetInteger(GetPName.BlendDstAlpha);
        gl.GetInteger(GetPName.PolygonMode, _polygonMode);
        gl.PolygonMode(TriangleFace.FrontAndBack, PolygonMode.Fill);
        gl.GetInteger(GetPName.Viewport, _viewport);
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
        gl.BlendFuncSeparate((BlendingFactor)_blendSrcRgb, (BlendingFactor)_blendDstRgb, (BlendingFactor)_blendSrcAlpha, (BlendingFactor)_blendDstAlpha);
        // Core profile keeps one polygon mode for both faces (glGet answers it twice).
        gl.PolygonMode(TriangleFace.FrontAndBack, (PolygonMode)_polygonMode[0]);
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
