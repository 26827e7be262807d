using System.Collections.Concurrent;
using System.Globalization;

namespace LiveSeg.Media;

/// <summary>How a video is to be encoded, as asked: <c>--codec</c>, <c>--encoder</c>, <c>--crf</c>, <c>--preset</c>, <c>--no-audio</c>.</summary>
internal sealed record EncodeSettings
{
    public VideoCodec Codec { get; init; }

    public VideoEncoder Encoder { get; init; }

    /// <summary>Constant quality (lower is better); null: the codec's default.</summary>
    public int? Crf { get; init; }

    /// <summary>An x264/x265 preset name; null: <see cref="VideoCodecs.DefaultPreset"/>.</summary>
    public string? Preset { get; init; }

    /// <summary>Carry the input's sound, subtitles, chapters and tags over (false: <c>--no-audio</c>).</summary>
    public bool KeepStreams { get; init; } = true;

    /// <summary>Keep the frames' times as given, not moved to start at 0 (a part of a video: it joins back at its place).</summary>
    public bool KeepStartTime { get; init; }

    /// <summary>Tags written into the output container (a part's <see cref="Concat.SourceTag"/>); empty: none.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags { get; init; } = [];
}

/// <summary>The encoder a run uses and why: "libx264 (auto: no NVIDIA device, no VA-API render node)".</summary>
/// <param name="Encoder">FFmpeg's encoder name.</param>
/// <param name="Args">Its arguments (quality, speed, pixel format, colour).</param>
/// <param name="GlobalArgs">Arguments before the inputs (a VA-API device).</param>
/// <param name="Why">For the header line.</param>
internal sealed record ChosenEncoder(string Encoder, IReadOnlyList<string> Args, IReadOnlyList<string> GlobalArgs, string Why);

/// <summary>
/// Picks the encoder: <c>auto</c> tries the hardware encoders whose device exists (NVENC where an NVIDIA device is,
/// VA-API and QSV where a render node is), each proven by encoding a first frame at the run's size, and falls back to
/// the CPU; a named one must open or the run stops with FFmpeg's reason. The CPU encoder is proven the same way, so a
/// size or setting it refuses is a one-line error before any work.
/// </summary>
internal static class EncoderChoice
{
    private static readonly ConcurrentDictionary<string, string?> s_proofs = new();

    private const string RenderNode = "/dev/dri/renderD128";

    public static ChosenEncoder Choose(CodecSpec spec, EncodeSettings s, int width, int height, RawPixels pixels, bool matte, string outputForMessages)
    {
        string ffmpeg = FfmpegTool.Ffmpeg ?? throw new InvalidOperationException("ffmpeg is missing");
        string preset = VideoCodecs.CheckPreset(s.Preset);
        var tried = new List<string>();
        var kinds = s.Encoder switch
        {
            VideoEncoder.Auto when !matte && pixels != RawPixels.Bgra32 => new[] { VideoEncoder.Nvenc, VideoEncoder.Vaapi, VideoEncoder.Qsv },
            VideoEncoder.Auto or VideoEncoder.Cpu => [],
            var k => [k],
        };
        IReadOnlySet<string>? built = null;
        foreach (var kind in kinds)
        {
            if (!spec.HardwareEncoders.TryGetValue(kind, out string? hw))
            {
                if (s.Encoder == kind)
                    Throw.Setting(n => $"output '{outputForMessages}': {n("Encoder")} {kind.ToString().ToLowerInvariant()} has no {spec.Name} encoder: use {n("Encoder")} cpu, or {n("Codec")} h264/hevc.");
                continue;
            }
            string? missing = DeviceMissing(kind);
            if (missing is not null && s.Encoder == VideoEncoder.Auto)
            {
                tried.Add(missing);
                continue;
            }
            built ??= FfmpegTool.BuiltEncoders();
            if (!built.Contains(hw))
            {
                if (s.Encoder == kind)
                    Throw.Setting(n => $"output '{outputForMessages}': this ffmpeg has no {hw} encoder: use {n("Encoder")} cpu or auto.");
                tried.Add($"ffmpeg has no {hw}");
                continue;
            }
            var candidate = Make(spec, hw, s.Crf, preset, pixels, matte, kind);
            string? failure = Prove(ffmpeg, candidate, width, height, pixels);
            if (failure is null)
                return candidate with { Why = s.Encoder == VideoEncoder.Auto ? $"{hw} (auto: it encoded a first frame)" : hw };
            if (s.Encoder == kind)
                Throw.Setting(n => $"output '{outputForMessages}': the {hw} encoder did not open ({failure}): use {n("Encoder")} cpu or auto.");
            tried.Add($"{hw} did not open ({failure})");
        }
        var cpu = Make(spec, spec.CpuEncoder, s.Crf, preset, pixels, matte, VideoEncoder.Cpu);
        string? cpuFailure = Prove(ffmpeg, cpu, width, height, pixels);
        if (cpuFailure is not null)
            Throw.User($"output '{outputForMessages}': the {spec.Name} encoder ({spec.CpuEncoder}) did not open at {width}x{height} ({cpuFailure}): try --codec ffv1 in .mkv, or another size or setting.");
        string why = s.Encoder == VideoEncoder.Auto && tried.Count > 0 ? $" (auto: {string.Join("; ", tried)})" : s.Encoder == VideoEncoder.Auto ? " (cpu)" : "";
        return cpu with { Why = spec.CpuEncoder + DescribeQuality(spec, s.Crf, preset, matte) + why };
    }

    private static string DescribeQuality(CodecSpec spec, int? crf, string preset, bool matte)
    {
        if (matte)
            return ", lossless";
        var parts = new List<string>();
        if (spec.Codec is VideoCodec.H264 or VideoCodec.Hevc or VideoCodec.Av1 or VideoCodec.Vp9)
            parts.Add($"preset {preset}");
        if (spec.CrfRange is { } r)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"crf {crf ?? r.Default}"));
        return parts.Count > 0 ? $", {string.Join(", ", parts)}" : "";
    }

    /// <summary>
    /// Every encoder of the codec table this ffmpeg was built with, each proven by encoding one 64x64 frame: (codec,
    /// encoder, null when it works or why not). For <c>liveseg doctor</c>.
    /// </summary>
    public static List<(CodecSpec Codec, string Encoder, string? Failure)> Survey()
    {
        var found = new List<(CodecSpec, string, string?)>();
        if (FfmpegTool.Ffmpeg is not { } ffmpeg)
            return found;
        var built = FfmpegTool.BuiltEncoders();
        foreach (var spec in VideoCodecs.All)
        {
            foreach (var (kind, name) in spec.HardwareEncoders.Prepend(new(VideoEncoder.Cpu, spec.CpuEncoder)))
            {
                if (!built.Contains(name))
                {
                    found.Add((spec, name, "not in this ffmpeg build"));
                    continue;
                }
                string? missing = DeviceMissing(kind);
                found.Add((spec, name, missing ?? Prove(ffmpeg, Make(spec, name, null, VideoCodecs.DefaultPreset, RawPixels.Bgr24, false, kind), 64, 64, RawPixels.Bgr24)));
            }
        }
        return found;
    }

    /// <summary>Why a hardware kind cannot be here (its device node is missing), or null.</summary>
    private static string? DeviceMissing(VideoEncoder kind) => kind switch
    {
        VideoEncoder.Nvenc => File.Exists("/dev/nvidiactl") || File.Exists("/dev/nvidia0") ? null : "no NVIDIA device",
        VideoEncoder.Vaapi => File.Exists(RenderNode) ? null : "no VA-API render node",
        VideoEncoder.Qsv => File.Exists(RenderNode) ? null : "no Quick Sync render node",
        _ => null,
    };

    private static ChosenEncoder Make(CodecSpec spec, string encoder, int? crf, string preset, RawPixels pixels, bool matte, VideoEncoder kind)
    {
        var args = new List<string>(VideoCodecs.EncoderArgs(spec, encoder, crf, preset, pixels, matte));
        args.AddRange(VideoCodecs.ColourArgs(spec, encoder, matte));
        IReadOnlyList<string> global = kind == VideoEncoder.Vaapi ? ["-vaapi_device", RenderNode] : [];
        return new ChosenEncoder(encoder, args, global, encoder);
    }

    /// <summary>Encodes one frame of the run's size and layout with the candidate: null when it works, else FFmpeg's reason.</summary>
    private static string? Prove(string ffmpeg, ChosenEncoder e, int width, int height, RawPixels pixels)
    {
        string key = string.Join('\u0001', [e.Encoder, .. e.Args, .. e.GlobalArgs, width.ToString(CultureInfo.InvariantCulture), height.ToString(CultureInfo.InvariantCulture), pixels.ToString()]);
        return s_proofs.GetOrAdd(key, _ =>
        {
            string source = string.Create(CultureInfo.InvariantCulture, $"color=c=gray:s={width}x{height}:r=1,format={RawFrameStream.PixelFormatName(pixels)}");
            List<string> args = ["-hide_banner", "-nostdin", "-loglevel", "error", .. e.GlobalArgs, "-f", "lavfi", "-i", source, "-frames:v", "1", "-c:v", e.Encoder, .. e.Args, "-f", "null", "-"];
            var r = FfmpegTool.Run(ffmpeg, args, TimeSpan.FromSeconds(30));
            return r.ExitCode == 0 ? null : r.ExitCode == -1 ? "it did not answer in 30 s" : Shorten(r.LastErrorLine);
        });
    }

    /// <summary>FFmpeg's line without its "[libx264 @ 0x55…]" prefix.</summary>
    public static string Shorten(string line)
    {
        int at = line.IndexOf("] ", StringComparison.Ordinal);
        string s = line.StartsWith('[') && at > 0 ? line[(at + 2)..] : line;
        return s.Length == 0 ? "no reason given" : s.TrimEnd('.');
    }
}
