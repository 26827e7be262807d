using System.Globalization;
using System.Text.Json;

namespace LiveSeg.Media;

/// <summary>One stream of an input file, as ffprobe describes it.</summary>
/// <param name="Index">The stream's index in the file.</param>
/// <param name="Kind">"video", "audio", "subtitle", "data" or "attachment".</param>
/// <param name="Codec">FFmpeg's codec name ("aac", "h264", "subrip", …).</param>
/// <param name="Language">The language tag, or null.</param>
internal sealed record MediaStream(int Index, string Kind, string Codec, string? Language);

/// <summary>
/// What ffprobe says about an input: the video stream's exact rates and time base, and the other streams (sound,
/// subtitles) and chapters a LiveSeg output carries over. Null from <see cref="Probe"/> when ffprobe is missing or
/// cannot read the input (an image sequence, say): then the video is written without them.
/// </summary>
internal sealed record MediaInfo
{
    /// <summary>The first video stream's time base (1/16000, 1/90000): the unit its timestamps are counted in.</summary>
    public Rational TimeBase { get; init; }

    /// <summary>The first video stream's real base frame rate (r_frame_rate: 30/1, 30000/1001).</summary>
    public Rational FrameRate { get; init; }

    /// <summary>Frames over duration (avg_frame_rate); equals <see cref="FrameRate"/> for a constant-rate file.</summary>
    public Rational AverageFrameRate { get; init; }

    /// <summary>The file's duration in seconds (0 when unknown).</summary>
    public double Duration { get; init; }

    public IReadOnlyList<MediaStream> Audio { get; init; } = [];

    public IReadOnlyList<MediaStream> Subtitles { get; init; } = [];

    public int Chapters { get; init; }

    /// <summary>Seconds between the file's start and its video stream's first frame (FFmpeg times the sound from the file's start).</summary>
    public double VideoStart { get; init; }

    /// <summary>The rate a constant-rate output is tagged with: the real base rate when it is sane, else the average.</summary>
    public Rational NominalRate => FrameRate.IsValid && FrameRate.Value < 1000.5 ? FrameRate : AverageFrameRate;

    /// <summary>Probes <paramref name="path"/> with ffprobe (a few milliseconds: headers only). Null when it cannot.</summary>
    public static MediaInfo? Probe(string path)
    {
        // A pipe (FIFO) or device can be read once: probing it would take the frames from the decoder.
        if (FfmpegTool.Ffprobe is not { } ffprobe || LiveSeg.IO.FileIdentity.Of(path) is not { Kind: LiveSeg.IO.FileKind.Regular })
            return null;
        var r = FfmpegTool.Run(ffprobe, ["-v", "error", "-print_format", "json", "-show_streams", "-show_format", "-show_chapters", "--", path], TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0)
            return null;
        try
        {
            return Parse(r.Output);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Reads ffprobe's JSON (<c>-show_streams -show_format -show_chapters</c>).</summary>
    public static MediaInfo? Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (!root.TryGetProperty("streams", out var streams))
            return null;
        var audio = new List<MediaStream>();
        var subtitles = new List<MediaStream>();
        JsonElement? video = null;
        foreach (var s in streams.EnumerateArray())
        {
            string kind = Text(s, "codec_type") ?? "";
            bool picture = s.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var ap) && ap.GetInt32() == 1;
            if (kind == "video" && video is null && !picture)
                video = s;
            var stream = new MediaStream(s.GetProperty("index").GetInt32(), kind, Text(s, "codec_name") ?? "unknown",
                s.TryGetProperty("tags", out var tags) ? Text(tags, "language") : null);
            if (kind == "audio")
                audio.Add(stream);
            else if (kind == "subtitle")
                subtitles.Add(stream);
        }
        if (video is not { } v)
            return null;
        double start(JsonElement e) => double.TryParse(Text(e, "start_time"), NumberStyles.Float, CultureInfo.InvariantCulture, out double t) ? t : 0;
        double duration = root.TryGetProperty("format", out var format) && double.TryParse(Text(format, "duration"), NumberStyles.Float, CultureInfo.InvariantCulture, out double dd) ? dd : 0;
        return new MediaInfo
        {
            TimeBase = Rational.Parse(Text(v, "time_base")),
            FrameRate = Rational.Parse(Text(v, "r_frame_rate")),
            AverageFrameRate = Rational.Parse(Text(v, "avg_frame_rate")),
            Duration = duration,
            Audio = audio,
            Subtitles = subtitles,
            Chapters = root.TryGetProperty("chapters", out var ch) ? ch.GetArrayLength() : 0,
            VideoStart = Math.Max(0, start(v) - (root.TryGetProperty("format", out var f) ? start(f) : 0)),
        };
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
