namespace LiveSeg.Media;

/// <summary>
/// An output container, by extension: which codecs it holds, the default codec (with and without alpha), which sound
/// and subtitle codecs it takes as they are, and what the others become.
/// </summary>
/// <param name="Extension">".mp4".</param>
/// <param name="Format">FFmpeg's muxer (-f).</param>
/// <param name="Codecs">The video codecs it holds.</param>
/// <param name="Default">The codec when none is asked for.</param>
/// <param name="AlphaDefault">The codec for an alpha output, or null when the container has none that keeps alpha.</param>
/// <param name="AudioCopies">Sound codecs copied bit-exact (null: every codec).</param>
/// <param name="AudioEncoder">The encoder for the others (null: the container takes no sound here).</param>
/// <param name="SubtitleCopies">Subtitle codecs copied as they are (null: every codec).</param>
/// <param name="SubtitleEncoder">What text subtitles become otherwise (null: dropped).</param>
internal sealed record Container(string Extension, string Format, VideoCodec[] Codecs, VideoCodec Default, VideoCodec? AlphaDefault,
    string[]? AudioCopies, string? AudioEncoder, string[]? SubtitleCopies, string? SubtitleEncoder)
{
    /// <summary>Text subtitle codecs (convertible); picture subtitles (DVD, PGS) cannot become text.</summary>
    public static readonly string[] TextSubtitles = ["subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text"];

    private static readonly string[] s_mp4Audio = ["aac", "mp3", "ac3", "eac3", "alac", "opus"];

    public static readonly IReadOnlyList<Container> All =
    [
        new(".mp4", "mp4", [VideoCodec.H264, VideoCodec.Hevc, VideoCodec.Av1, VideoCodec.Vp9, VideoCodec.Mp4v, VideoCodec.Mjpeg], VideoCodec.H264, null,
            s_mp4Audio, "aac", ["mov_text"], "mov_text"),
        new(".m4v", "mp4", [VideoCodec.H264, VideoCodec.Hevc, VideoCodec.Av1, VideoCodec.Mp4v], VideoCodec.H264, null, s_mp4Audio, "aac", ["mov_text"], "mov_text"),
        new(".mov", "mov", [VideoCodec.H264, VideoCodec.Hevc, VideoCodec.Prores, VideoCodec.Mjpeg, VideoCodec.Mp4v], VideoCodec.H264, VideoCodec.Prores,
            ["aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s24le", "pcm_s16be", "pcm_s24be", "pcm_f32le"], "aac", ["mov_text"], "mov_text"),
        new(".mkv", "matroska", Enum.GetValues<VideoCodec>()[1..], VideoCodec.H264, VideoCodec.Ffv1, null, "libopus", null, "ass"),
        new(".webm", "webm", [VideoCodec.Vp9, VideoCodec.Av1], VideoCodec.Vp9, VideoCodec.Vp9, ["opus", "vorbis"], "libopus", ["webvtt"], "webvtt"),
        new(".avi", "avi", [VideoCodec.Mjpeg, VideoCodec.Mp4v, VideoCodec.Ffv1, VideoCodec.H264], VideoCodec.Mjpeg, VideoCodec.Ffv1,
            ["mp3", "ac3", "aac", "pcm_s16le", "pcm_u8"], "pcm_s16le", [], null),
    ];

    /// <summary>The container for <paramref name="path"/>'s extension, or null.</summary>
    public static Container? For(string path) =>
        All.FirstOrDefault(c => c.Extension.Equals(Path.GetExtension(path), StringComparison.OrdinalIgnoreCase));

    /// <summary>The extensions, for messages: ".mp4, .mov, .mkv, .webm, .avi".</summary>
    public static string Extensions => string.Join(", ", All.Where(c => c.Extension != ".m4v").Select(c => c.Extension));

    public bool Holds(VideoCodec codec) => Codecs.Contains(codec);
}

/// <summary>What happens to one non-video stream of the input: copied, re-encoded (and to what) or dropped, and why.</summary>
internal sealed record StreamPlan(MediaStream Stream, string? Encoder, string Note)
{
    public bool Kept => Encoder is not null;
}

/// <summary>Plans the sound and subtitles of an output: every stream copied where the container takes it, else re-encoded, else dropped with a note.</summary>
internal static class StreamPlanner
{
    public static IReadOnlyList<StreamPlan> Plan(Container container, MediaInfo input)
    {
        var plans = new List<StreamPlan>();
        foreach (var a in input.Audio)
        {
            if (container.AudioCopies is null || container.AudioCopies.Contains(a.Codec))
                plans.Add(new(a, "copy", $"audio {a.Codec}{Lang(a)} copied"));
            else if (container.AudioEncoder is { } enc)
                plans.Add(new(a, enc, $"audio {a.Codec}{Lang(a)} re-encoded to {Short(enc)} ({container.Extension} does not take {a.Codec})"));
            else
                plans.Add(new(a, null, $"audio {a.Codec}{Lang(a)} dropped ({container.Extension} takes no sound)"));
        }
        foreach (var s in input.Subtitles)
        {
            bool text = Container.TextSubtitles.Contains(s.Codec);
            if (container.SubtitleCopies is null || container.SubtitleCopies.Contains(s.Codec))
                plans.Add(new(s, "copy", $"subtitles {s.Codec}{Lang(s)} copied"));
            else if (text && container.SubtitleEncoder is { } enc)
                plans.Add(new(s, enc, $"subtitles {s.Codec}{Lang(s)} converted to {enc}"));
            else
                plans.Add(new(s, null, $"subtitles {s.Codec}{Lang(s)} dropped ({container.Extension} cannot hold {(text ? "them" : "picture subtitles")})"));
        }
        return plans;
    }

    private static string Lang(MediaStream s) => s.Language is { } l && l != "und" ? $" [{l}]" : "";

    private static string Short(string encoder) => encoder switch
    {
        "libopus" => "Opus",
        "aac" => "AAC",
        "pcm_s16le" => "PCM",
        _ => encoder,
    };
}
