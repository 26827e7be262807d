using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Live;

/// <summary>
/// The people's ids over the live picture: a small label just above each tracked face (yellow when the mask keeps the
/// person, grey when they became background), part of the HUD (H hides it). Each label is drawn with OpenCV into its own
/// small texture only when an id first shows (or its kept state changes); a frame only blends the textures at the faces
/// through the HUD's program: nothing is allocated per frame. Runs on the GL thread.
/// </summary>
internal sealed unsafe class PeopleLabels : IDisposable
{
    public const int Width = 44, Height = 20;
    private readonly HudStage _hud;
    private readonly Texture2D[] _textures = new Texture2D[FrameSlot.MaxPeople];
    private readonly (int Id, bool Kept)[] _holds = new (int, bool)[FrameSlot.MaxPeople];
    private readonly Mat _image = new(Height, Width, MatType.CV_8UC4);
    private int _next;

    public PeopleLabels(GL gl, HudStage hud)
    {
        _hud = hud;
        for (int i = 0; i < _textures.Length; i++)
            _textures[i] = new Texture2D(gl, Width, Height, InternalFormat.Rgba8);
    }

    /// <summary>
    /// Blends a label above each of <paramref name="people"/>'s faces (0..1 of the <paramref name="frameWidth"/> x
    /// <paramref name="frameHeight"/> frame, shown letterboxed in the <paramref name="windowWidth"/> x
    /// <paramref name="windowHeight"/> framebuffer, or its <paramref name="crop"/> under auto-framing), kept inside the
    /// framebuffer; a face outside the crop gets no label.
    /// </summary>
    public void Draw(ReadOnlySpan<PersonMark> people, CropBox crop, uint framebuffer, int windowWidth, int windowHeight, int frameWidth, int frameHeight)
    {
        var (lx, ly, lw, lh) = GlCompositor.Letterbox(frameWidth, frameHeight, windowWidth, windowHeight);
        int pictureTop = windowHeight - ly - lh; // the picture's top row, counted from the framebuffer's top
        foreach (var p in people)
        {
            float fx = (p.Face.X - crop.X) / crop.W, fy = (p.Face.Y - crop.Y) / crop.H;
            if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1)
                continue;
            int x = Math.Clamp(lx + (int)(fx * lw), 0, Math.Max(0, windowWidth - Width));
            int top = Math.Clamp(pictureTop + (int)(fy * lh) - Height - 2, 0, Math.Max(0, windowHeight - Height));
            _hud.Blend(TextureFor(p.Id, p.Kept), framebuffer, x, windowHeight - top - Height, Width, Height);
        }
    }

    /// <summary>The texture that shows <paramref name="id"/>, drawn now if none does (replacing the oldest drawn).</summary>
    private Texture2D TextureFor(int id, bool kept)
    {
        for (int i = 0; i < _holds.Length; i++)
        {
            if (_holds[i] == (id, kept))
                return _textures[i];
        }
        int slot = _next;
        _next = (_next + 1) % _textures.Length;
        _holds[slot] = (id, kept);
        var ink = kept ? new Scalar(60, 230, 255, 255) : new Scalar(170, 170, 170, 255);
        // One InputOutputArray wrapper per call: OpenCvSharp releases its native part after the call (a second call crashed).
        using (InputOutputArray canvas = _image)
            Cv2.Rectangle(canvas, new Rect(0, 0, Width, Height), new Scalar(20, 20, 20, 190), -1);
        using (InputOutputArray canvas = _image)
            Cv2.Rectangle(canvas, new Rect(0, 0, Width, Height), ink, 1);
        using (InputOutputArray canvas = _image)
            Cv2.PutText(canvas, id.ToString(CultureInfo.InvariantCulture), new Point(5, 15), HersheyFonts.HersheySimplex, 0.5, ink, 1, LineTypes.AntiAlias);
        _textures[slot].Upload(PixelFormat.Bgra, PixelType.UnsignedByte, (void*)_image.Data);
        return _textures[slot];
    }

    public void Dispose()
    {
        foreach (var t in _textures)
            t?.Dispose();
        _image.Dispose();
    }
}
