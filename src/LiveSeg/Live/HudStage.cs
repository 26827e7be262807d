using System.Globalization;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Live;

/// <summary>What the HUD shows; filled by the live loop.</summary>
internal sealed class HudInfo
{
    public required RollingStats Stats { get; init; }

    public string Provider { get; set; } = "";

    public string Model { get; set; } = "";

    public string Effect { get; set; } = "";

    public long Captured { get; set; }

    public long Dropped { get; set; }

    /// <summary>The outputs' drops ("outputs dropped: stream 2 vcam 0"), or null without outputs.</summary>
    public string? Outputs { get; set; }

    /// <summary>A message shown in the HUD's last line (camera lost, screenshot saved, recording), or null.</summary>
    public string? Status { get; set; }

    public bool ShowKeys { get; set; }

    /// <summary>The mask's age when drawn (newest shown frames): frames and ms, p50 and p95.</summary>
    public MaskAgeStats? MaskAge { get; set; }

    /// <summary>"motion comp on (auto: latest wins)" and the like.</summary>
    public string MotionComp { get; set; } = "";

    /// <summary>The live steadiness meter's figures (edge error of each new mask against the previous one warped to it), or null before any.</summary>
    public SteadinessMeter? Steadiness { get; set; }

    /// <summary>The people of the mask's frame (live mode with --person; the slot's own array, no copy), or null without the people stage.</summary>
    public PersonMark[]? People { get; set; }

    public int PeopleCount { get; set; }

    /// <summary>Whether the mask keeps only some people (a click, --person largest or ids): the kept ones are bracketed.</summary>
    public bool PeopleLocked { get; set; }
}

/// <summary>
/// The heads-up display: text and a latency graph drawn with OpenCV into a BGRA image four times a second (not every
/// frame), uploaded into one texture and blended over the window's top-left corner by hud.frag. With the people stage
/// (<c>--person</c>) it has two more lines: the people in view and the people stage's latency.
/// </summary>
internal sealed unsafe class HudStage : IDisposable
{
    public const int Width = 330;
    public const int Height = 224;

    /// <summary>The HUD's height with the people stage's two lines.</summary>
    public const int PeopleHeight = Height + 2 * LineHeight;
    private const int LineHeight = 14;
    private static readonly (Stage Stage, string Label)[] s_rows =
    [
        (Stage.Decode, "decode"), (Stage.Inference, "inference"), (Stage.Motion, "motion comp"), (Stage.Upload, "upload"), (Stage.Composite, "composite"),
        (Stage.EndToEnd, "end to end"),
    ];
    private static readonly (Stage Stage, string Label)[] s_peopleRows = [.. s_rows.Take(2), (Stage.People, "people"), .. s_rows.Skip(2)];
    private readonly (Stage Stage, string Label)[] _rows;
    private readonly int _height;

    private readonly GL _gl;
    private readonly IReadOnlyList<string> _keyLines;
    private readonly FullScreenTriangle _triangle;
    private readonly ShaderProgram _program;
    private readonly int _uOrigin;
    private readonly Texture2D _texture;
    // Drawn with OpenCV through InputOutputArray wrappers disposed at once: an implicit Mat → InputOutputArray
    // conversion left to the finalizer keeps its native part until a GC, and the HUD draws about a hundred lines and
    // texts 4 times a second, so a long live session grew by megabytes before (issue 8's memory figure).
    private readonly Mat _image;

    private long _lastUpdate;

    /// <summary>A HUD whose help (F1) shows <paramref name="keyLines"/>, one line each (the key map's); <paramref name="people"/>: the people stage runs.</summary>
    public HudStage(GL gl, ShaderLibrary shaders, IReadOnlyList<string> keyLines, bool people = false)
    {
        _gl = gl;
        _keyLines = keyLines;
        (_rows, _height) = people ? (s_peopleRows, PeopleHeight) : (s_rows, Height);
        _image = new Mat(_height, Width, MatType.CV_8UC4);
        _triangle = new FullScreenTriangle(gl);
        _program = new ShaderProgram(gl, shaders, ShaderFiles.FullScreen, ShaderFiles.Hud);
        _program.Use();
        gl.Uniform1(_program.Uniform("u_overlay"), 0);
        _uOrigin = _program.Uniform("u_origin");
        _texture = new Texture2D(gl, Width, _height, InternalFormat.Rgba8);
    }

    /// <summary>Redraws the overlay image if a quarter second has passed (or <paramref name="force"/>).</summary>
    public void Update(HudInfo info, bool force = false)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!force && now - _lastUpdate < System.Diagnostics.Stopwatch.Frequency / 4)
            return;
        _lastUpdate = now;
        var stats = info.Stats;
        stats.Compute();
        var inv = CultureInfo.InvariantCulture;
        _image.SetTo(new Scalar(0, 0, 0, 0));
        using (InputOutputArray canvas = _image)
            Cv2.Rectangle(canvas, new Rect(0, 0, Width, _height), new Scalar(20, 20, 20, 150), -1);
        int y = 15;
        void Line(string text, Scalar color)
        {
            // OpenCV's Hershey fonts are ASCII only: the messages' arrows would show as "???".
            if (text.Contains('→', StringComparison.Ordinal))
                text = text.Replace("→", "->", StringComparison.Ordinal);
            using (InputOutputArray canvas = _image)
                Cv2.PutText(canvas, text, new Point(6, y), HersheyFonts.HersheySimplex, 0.36, color, 1, LineTypes.AntiAlias);
            y += LineHeight;
        }
        var white = new Scalar(255, 255, 255, 255);
        var grey = new Scalar(190, 190, 190, 255);
        double e2e50 = stats.P50[(int)Stage.EndToEnd], e2e95 = stats.P95[(int)Stage.EndToEnd];
        Line(string.Create(inv, $"{stats.Fps:F0} fps  end to end {e2e50:F1} / {e2e95:F1} ms p50/p95"), white);
        Line($"{info.Model} on {info.Provider}   effect {info.Effect}", grey);
        double rate = info.Captured == 0 ? 0 : 100.0 * info.Dropped / info.Captured;
        Line(string.Create(inv, $"dropped {info.Dropped} of {info.Captured} frames ({rate:F1}%)"), grey);
        if (info.Outputs is not null)
            Line(info.Outputs, grey);
        if (info.MaskAge is { } age)
        {
            var (f50, f95) = age.Frames(MaskAgeStats.RecentCount);
            var (m50, m95) = age.Milliseconds(MaskAgeStats.RecentCount);
            Line(string.Create(inv, $"mask age {f50:0.#} / {f95:0.#} fr, {m50:F0} / {m95:F0} ms p50/p95"), white);
            Line(info.MotionComp, grey);
        }
        if (info.Steadiness is { } steady)
            Line(steady.Describe(), grey);
        if (info.People is { } people)
            Line(PeopleLine(people.AsSpan(0, info.PeopleCount), info.PeopleLocked), white);
        Line("last 1 s (ms)     p50     p95", grey);
        int rowsTop = y;
        foreach (var (stage, label) in _rows)
        {
            using (InputOutputArray canvas = _image)
                Cv2.PutText(canvas, label, new Point(6, y), HersheyFonts.HersheySimplex, 0.36, white, 1, LineTypes.AntiAlias);
            using (InputOutputArray canvas = _image)
                Cv2.PutText(canvas, string.Create(inv, $"{stats.P50[(int)stage],6:F1}  {stats.P95[(int)stage],6:F1}"), new Point(96, y), HersheyFonts.HersheySimplex, 0.36, white, 1, LineTypes.AntiAlias);
            y += LineHeight;
        }
        DrawGraph(stats, new Rect(200, rowsTop - 11, Width - 206, y - rowsTop + 2));
        if (info.ShowKeys)
        {
            foreach (string line in _keyLines)
                Line(line, new Scalar(120, 230, 255, 255));
        }
        else if (info.Status is not null)
            Line(info.Status, new Scalar(120, 230, 255, 255));
        else
            Line("F1 keys", grey);
        _texture.Upload(PixelFormat.Bgra, PixelType.UnsignedByte, (void*)_image.Data);
    }

    /// <summary>
    /// "people: 1 2 3  click one to lock", or with a lock "people: 1 [2] 3  locked, A: all": the ids in view, the kept
    /// ones bracketed (built four times a second, with the rest of the HUD's text).
    /// </summary>
    public static string PeopleLine(ReadOnlySpan<PersonMark> people, bool locked)
    {
        var text = new System.Text.StringBuilder("people:");
        foreach (var p in people)
            text.Append(locked && p.Kept ? $" [{p.Id}]" : $" {p.Id}");
        if (people.IsEmpty)
            text.Append(" none in view");
        text.Append(locked ? "  locked, A: all" : "  click one to lock");
        return text.ToString();
    }

    /// <summary>Recent end-to-end latencies as bars, newest on the right; the top of the box is 100 ms, green ≤ 50 ms.</summary>
    private void DrawGraph(RollingStats stats, Rect box)
    {
        using (InputOutputArray canvas = _image)
            Cv2.Rectangle(canvas, box, new Scalar(60, 60, 60, 220), 1);
        const double FullScale = 100;
        int bars = Math.Min(box.Width - 2, RollingStats.Capacity);
        for (int i = 0; i < bars; i++)
        {
            double ms = stats.RecentLatency(i);
            if (double.IsNaN(ms))
                break;
            int h = (int)Math.Clamp(ms / FullScale * (box.Height - 2), 1, box.Height - 2);
            int x = box.Right - 2 - i;
            uint bgra = ms <= 50 ? 0xFF5ADC5Au : 0xFFF05A3Cu; // green (90,220,90) or red (60,90,240) in B,G,R,A bytes
            // Bars are written straight into the pixels: 120 Cv2.Line calls per redraw grew native memory in long sessions.
            for (int y = box.Bottom - 1 - h; y <= box.Bottom - 2; y++)
                *(uint*)(_image.Ptr(y) + 4 * x) = bgra;
        }
    }

    /// <summary>Blends the overlay over the top-left corner of the shown framebuffer (height <paramref name="windowHeight"/>).</summary>
    public void Draw(uint framebuffer, int windowHeight) => Blend(_texture, framebuffer, 8, Math.Max(0, windowHeight - _height - 8), Width, _height);

    /// <summary>
    /// Blends <paramref name="overlay"/> (BGRA, row 0 = top, alpha = coverage; <paramref name="width"/> x
    /// <paramref name="height"/>) over <paramref name="framebuffer"/> with its bottom-left corner at (<paramref name="x"/>,
    /// <paramref name="y"/>), GL window coordinates. Also draws the people's labels.
    /// </summary>
    public void Blend(Texture2D overlay, uint framebuffer, int x, int y, int width, int height)
    {
        _gl.BindFramebuffer(FramebufferTarget.Framebuffer, framebuffer);
        _gl.Viewport(x, y, (uint)width, (uint)height);
        _gl.Enable(EnableCap.Blend);
        _gl.BlendFunc(BlendingFactor.SrcAlpha, BlendingFactor.OneMinusSrcAlpha);
        _program.Use();
        _gl.Uniform2(_uOrigin, x, y);
        overlay.Bind(0);
        _triangle.Draw();
        _gl.Disable(EnableCap.Blend);
    }

    public void Dispose()
    {
        _texture.Dispose();
        _program.Dispose();
        _triangle.Dispose();
        _image.Dispose();
    }
}
