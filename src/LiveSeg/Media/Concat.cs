using System.Globalization;
using System.Text;
using System.Text.Json;
using LiveSeg.IO;

namespace LiveSeg.Media;

/// <summary>One part's video stream, as ffprobe describes it.</summary>
internal sealed record PartInfo(string Path, string Codec, int Width, int Height, string PixelFormat, double Start, string? Source);

/// <summary>
/// Joins parts of one video (<c>liveseg video --range</c> outputs, batch chunks) into one file without re-encoding:
/// FFmpeg's concat demuxer with stream copy, each part placed at its own first frame's time (so the joined file keeps
/// the input's timing, gaps and variable rate included), and the sound, subtitles, chapters and tags taken from the
/// original input (copied, or re-encoded where the container needs it), cut at the last frame.
/// </summary>
internal static class Concat
{
    /// <summary>The tag a part carries in its container: the full path of the input it came from.</summary>
    public const string SourceTag = "LIVESEG_SOURCE";

    /// <summary>Probes a part; a file ffprobe cannot read as video is a one-line error naming it.</summary>
    public static PartInfo Probe(string path)
    {
        Throw.IfFileUnreadable(path, "part");
        string ffprobe = FfmpegTool.Ffprobe ?? Throw.User<string>("ffprobe is missing: joining parts needs Debian's ffmpeg (scripts/install-deps installs it).");
        var r = FfmpegTool.Run(ffprobe, ["-v", "error", "-print_format", "json", "-select_streams", "v:0", "-show_entries",
            "stream=codec_name,width,height,pix_fmt,start_time:format_tags", "--", path], TimeSpan.FromSeconds(30));
        try
        {
            using var doc = JsonDocument.Parse(r.ExitCode == 0 ? r.Output : "{}");
            var root = doc.RootElement;
            if (root.TryGetProperty("streams", out var streams) && streams.GetArrayLength() > 0)
            {
                var v = streams[0];
                string? source = null;
                if (root.TryGetProperty("format", out var f) && f.TryGetProperty("tags", out var tags))
                    foreach (var t in tags.EnumerateObject())
                        if (t.Name.Equals(SourceTag, StringComparison.OrdinalIgnoreCase))
                            source = t.Value.GetString();
                double start = double.TryParse(Text(v, "start_time"), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) ? s : 0;
                return new PartInfo(path, Text(v, "codec_name") ?? "unknown", v.GetProperty("width").GetInt32(), v.GetProperty("height").GetInt32(),
                    Text(v, "pix_fmt") ?? "", start, source);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
        }
        return Throw.User<PartInfo>($"part '{path}' is not a video ffprobe can read{(r.LastErrorLine is { Length: > 0 } why ? $" ({EncoderChoice.Shorten(why)})" : "")}: give the files 'liveseg video --range' wrote.");
    }

    /// <summary>
    /// Joins <paramref name="parts"/> (in the order given) into <paramref name="output"/>, with the sound of
    /// <paramref name="audioFrom"/> (null: none). Returns a line for the user: codec, parts, sound.
    /// </summary>
    public static string Join(IReadOnlyList<PartInfo> parts, string output, string? audioFrom)
    {
        if (parts.Count == 0)
            Throw.User("no parts to join: give the part files in order.");
        var first = parts[0];
        foreach (var p in parts.Skip(1))
        {
            if (p.Codec != first.Codec || p.Width != first.Width || p.Height != first.Height || p.PixelFormat != first.PixelFormat)
                Throw.User($"part '{p.Path}' ({p.Codec} {p.Width}x{p.Height} {p.PixelFormat}) differs from '{first.Path}' ({first.Codec} {first.Width}x{first.Height} {first.PixelFormat}): parts must come from one run's settings to be joined without re-encoding.");
        }
        for (int i = 1; i < parts.Count; i++)
            if (parts[i].Start <= parts[i - 1].Start)
                Throw.User($"part '{parts[i].Path}' starts at {parts[i].Start:0.###} s, not after '{parts[i - 1].Path}' ({parts[i - 1].Start:0.###} s): give the parts in order.");
        var container = Container.For(output)
            ?? Throw.User<Container>($"output '{output}': the extension is not one LiveSeg writes: use {Container.Extensions}.");
        if (CodecOf(first.Codec) is not { } codec || !container.Holds(codec))
            Throw.User($"output '{output}': {container.Extension} cannot hold the parts' {first.Codec} without re-encoding: use .mkv (holds every codec) or parts made for {container.Extension}.");
        MediaInfo? info = audioFrom is null ? null : MediaInfo.Probe(audioFrom)
            ?? Throw.User<MediaInfo>($"--audio-from '{audioFrom}' is not a file ffprobe can read: give the original input of the parts.");
        var plans = info is null ? [] : StreamPlanner.Plan(container, info).Where(p => p.Kept).ToList();

        string list = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"liveseg-concat-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        var text = new StringBuilder("ffconcat version 1.0\n");
        for (int i = 0; i < parts.Count; i++)
        {
            text.Append("file '").Append(System.IO.Path.GetFullPath(parts[i].Path).Replace("'", @"'\''", StringComparison.Ordinal)).Append("'\n");
            if (i + 1 < parts.Count)
                text.Append(CultureInfo.InvariantCulture, $"duration {parts[i + 1].Start - parts[i].Start:0.#########}\n");
        }
        File.WriteAllText(list, text.ToString());
        try
        {
            var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                "-itsoffset", first.Start.ToString("0.#########", CultureInfo.InvariantCulture), "-f", "concat", "-safe", "0", "-i", list };
            if (info is not null)
                args.AddRange(["-i", audioFrom!]);
            args.AddRange(["-map", "0:v:0", "-c:v", "copy"]);
            for (int i = 0; i < plans.Count; i++)
            {
                args.AddRange(["-map", $"1:{plans[i].Stream.Index}", $"-c:{i + 1}", plans[i].Encoder!]);
                if (plans[i].Encoder is "aac" or "libopus")
                    args.AddRange([$"-b:{i + 1}", "160k"]);
            }
            args.AddRange(info is null ? ["-map_metadata", "-1"] : ["-map_metadata", "1", "-map_chapters", "1"]);
            if (container.Format is "mp4" or "mov")
                args.AddRange(["-movflags", "+faststart"]);
            if (plans.Count > 0)
                args.Add("-shortest");
            AtomicFile.WriteThrough(output, "joined video", temp =>
            {
                var r = FfmpegTool.Run(FfmpegTool.Ffmpeg!, [.. args, "-f", container.Format, temp], TimeSpan.FromHours(2));
                if (r.ExitCode != 0)
                {
                    TryDelete(temp);
                    Throw.User($"output '{output}': ffmpeg could not join the parts ({EncoderChoice.Shorten(r.LastErrorLine is { Length: > 0 } l ? l : $"exit {r.ExitCode}")}).");
                }
            });
        }
        finally
        {
            TryDelete(list);
        }
        string sound = plans.Count == 0 ? "no sound" : string.Join(", ", plans.Select(p => p.Note));
        return $"{parts.Count} parts of {first.Codec} {first.Width}x{first.Height} joined without re-encoding; {sound}";
    }

    /// <summary>The codec of an ffprobe codec name, or null for one LiveSeg does not write.</summary>
    public static VideoCodec? CodecOf(string name) => name switch
    {
        "h264" => VideoCodec.H264,
        "hevc" => VideoCodec.Hevc,
        "av1" => VideoCodec.Av1,
        "vp9" => VideoCodec.Vp9,
        "ffv1" => VideoCodec.Ffv1,
        "prores" => VideoCodec.Prores,
        "mjpeg" => VideoCodec.Mjpeg,
        "mpeg4" => VideoCodec.Mp4v,
        _ => null,
    };

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
}
