using Silk.NET.OpenGL;

namespace LiveSeg.Rendering;

/// <summary>
/// A 2D texture of fixed size and format, clamped to edge. Owns one GL handle. Filtering is nearest (shaders read
/// texels with texelFetch) unless <c>linear</c> is set, for textures sampled bilinearly by the texture unit.
/// </summary>
internal sealed unsafe class Texture2D : IDisposable
{
    private readonly GL _gl;

    public Texture2D(GL gl, int width, int height, InternalFormat format, bool linear = false)
    {
        _gl = gl;
        Width = width;
        Height = height;
        Handle = gl.GenTexture();
        gl.BindTexture(TextureTarget.Texture2D, Handle);
        gl.TexStorage2D(TextureTarget.Texture2D, 1, (SizedInternalFormat)format, (uint)width, (uint)height);
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureMinFilter, (int)(linear ? TextureMinFilter.Linear : TextureMinFilter.Nearest));
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureMagFilter, (int)(linear ? TextureMagFilter.Linear : TextureMagFilter.Nearest));
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureWrapS, (int)TextureWrapMode.ClampToEdge);
        gl.TexParameter(TextureTarget.Texture2D, TextureParameterName.TextureWrapT, (int)TextureWrapMode.ClampToEdge);
    }

    public uint Handle { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Replaces all texels. <paramref name="rowLength"/> is the source row pitch in pixels (0 = tightly packed).</summary>
    public void Upload(PixelFormat format, PixelType type, void* pixels, int rowLength = 0)
    {
        _gl.BindTexture(TextureTarget.Texture2D, Handle);
        _gl.PixelStore(PixelStoreParameter.UnpackAlignment, 1);
        _gl.PixelStore(PixelStoreParameter.UnpackRowLength, rowLength);
        _gl.TexSubImage2D(TextureTarget.Texture2D, 0, 0, 0, (uint)Width, (uint)Height, format, type, pixels);
        _gl.PixelStore(PixelStoreParameter.UnpackRowLength, 0);
    }

    public void Bind(int unit)
    {
        _gl.ActiveTexture(TextureUnit.Texture0 + unit);
        _gl.BindTexture(TextureTarget.Texture2D, Handle);
    }

    public void Dispose() => _gl.DeleteTexture(Handle);
}

/// <summary>A framebuffer object rendering into one texture it owns.</summary>
internal sealed class RenderTarget : IDisposable
{
    private readonly GL _gl;

    public RenderTarget(GL gl, int width, int height, InternalFormat format, bool linear = false)
    {
        _gl = gl;
        Texture = new Texture2D(gl, width, height, format, linear);
        Handle = gl.GenFramebuffer();
        gl.BindFramebuffer(FramebufferTarget.Framebuffer, Handle);
        gl.FramebufferTexture2D(FramebufferTarget.Framebuffer, FramebufferAttachment.ColorAttachment0, TextureTarget.Texture2D, Texture.Handle, 0);
        var status = gl.CheckFramebufferStatus(FramebufferTarget.Framebuffer);
        if (status != GLEnum.FramebufferComplete)
            throw new InvalidOperationException($"framebuffer {width}x{height} {format} is incomplete: {status}");
    }

    public uint Handle { get; }

    public Texture2D Texture { get; }

    public int Width => Texture.Width;

    public int Height => Texture.Height;

    /// <summary>Binds for drawing and sets the viewport to the whole target.</summary>
    public void BindForDrawing() => BindForDrawing(Width, Height);

    /// <summary>Draws into the bottom-left <paramref name="width"/> x <paramref name="height"/> part only.</summary>
    public void BindForDrawing(int width, int height)
    {
        _gl.BindFramebuffer(FramebufferTarget.Framebuffer, Handle);
        _gl.Viewport(0, 0, (uint)width, (uint)height);
    }

    public void Dispose()
    {
        _gl.DeleteFramebuffer(Handle);
        Texture.Dispose();
    }
}

/// <summary>
/// A linked vertex+fragment program. Compile or link errors throw with the info log and the file names.
/// Uniform locations are looked up once through <see cref="Uniform"/> and cached by the caller.
/// </summary>
internal sealed class ShaderProgram : IDisposable
{
    private readonly GL _gl;

    /// <param name="defines">Lines (<c>#define NAME value\n</c>) put after the fragment shader's #version: a compile-time variant.</param>
    public ShaderProgram(GL gl, ShaderLibrary library, string vertexFile, string fragmentFile, string defines = "")
    {
        _gl = gl;
        uint vs = Compile(ShaderType.VertexShader, vertexFile, library.Source(vertexFile));
        uint fs = Compile(ShaderType.FragmentShader, fragmentFile, library.Source(fragmentFile, defines));
        Handle = gl.CreateProgram();
        gl.AttachShader(Handle, vs);
        gl.AttachShader(Handle, fs);
        gl.LinkProgram(Handle);
        gl.GetProgram(Handle, ProgramPropertyARB.LinkStatus, out int ok);
        gl.DetachShader(Handle, vs);
        gl.DetachShader(Handle, fs);
        gl.DeleteShader(vs);
        gl.DeleteShader(fs);
        if (ok == 0)
            throw new InvalidOperationException($"shader program {vertexFile}+{fragmentFile} failed to link: {gl.GetProgramInfoLog(Handle)}");
    }

    public uint Handle { get; }

    /// <summary>Location of a uniform; a missing uniform is a programming error and throws (so typos surface at start-up).</summary>
    public int Uniform(string name)
    {
        int location = _gl.GetUniformLocation(Handle, name);
        if (location < 0)
            throw new InvalidOperationException($"shader program has no active uniform '{name}'");
        return location;
    }

    public void Use() => _gl.UseProgram(Handle);

    private uint Compile(ShaderType type, string file, string source)
    {
        uint shader = _gl.CreateShader(type);
        _gl.ShaderSource(shader, source);
        _gl.CompileShader(shader);
        _gl.GetShader(shader, ShaderParameterName.CompileStatus, out int ok);
        if (ok == 0)
        {
            string log = _gl.GetShaderInfoLog(shader);
            _gl.DeleteShader(shader);
            throw new InvalidOperationException($"shader '{file}' failed to compile: {log}");
        }
        return shader;
    }

    public void Dispose() => _gl.DeleteProgram(Handle);
}

/// <summary>Draws one full-screen triangle (positions come from gl_VertexID; core profile still needs a bound VAO).</summary>
internal sealed class FullScreenTriangle : IDisposable
{
    private readonly GL _gl;
    private readonly uint _vao;

    public FullScreenTriangle(GL gl)
    {
        _gl = gl;
        _vao = gl.GenVertexArray();
    }

    public void Draw()
    {
        _gl.BindVertexArray(_vao);
        _gl.DrawArrays(PrimitiveType.Triangles, 0, 3);
    }

    public void Dispose() => _gl.DeleteVertexArray(_vao);
}

/// <summary>The current OpenGL renderer's largest texture, and the one check of frame (and mask) sizes against it.</summary>
internal static class TextureLimit
{
    public static int MaxSide(GL gl) => gl.GetInteger(GetPName.MaxTextureSize);

    /// <summary>A one-line user error, ending with <paramref name="advice"/>, when <paramref name="width"/> x <paramref name="height"/> does not fit in one texture.</summary>
    public static void Require(GL gl, string what, int width, int height, string advice)
    {
        int max = MaxSide(gl);
        if (width > max || height > max)
            Throw.User($"{what} of {width}x{height} are larger than this OpenGL renderer's largest texture ({max}x{max}, {gl.GetStringS(StringName.Renderer)}): {advice}");
    }

    /// <summary>What live mode says when frames do not fit: it shows them through OpenGL whichever renderer composites.</summary>
    public const string LiveAdvice = "live mode shows frames through OpenGL whichever renderer composites them: use a smaller --size or scale the video down.";
}
