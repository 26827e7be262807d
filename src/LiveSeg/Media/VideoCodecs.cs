namespace LiveSeg.Media;

/// <summary>The video codec of an output file: <c>--codec</c>. Auto picks by the container (see docs/cli.md, "Recorded video").</summary>
public enum VideoCodec
{
    /// <summary>By the output's extension: H.264 for .mp4/.mov/.mkv, VP9 for .webm, Motion JPEG for .avi (with alpha: ProRes 4444 in .mov, VP9 in .webm, FFV1 in .mkv/.avi).</summary>
    Auto,

    /// <summary>H.264 (libx264 or a hardware encoder): plays everywhere.</summary>
    H264,

    /// <summary>HEVC / H.265 (libx265 or a hardware encoder).</summary>
    Hevc,

    /// <summary>AV1 (SVT-AV1).</summary>
    Av1,

    /// <summary>VP9 (libvpx), with alpha in .webm.</summary>
    Vp9,

    /// <summary>FFV1: lossless, keeps any frame size, and alpha.</summary>
    Ffv1,

    /// <summary>Apple ProRes (422 HQ; 4444 with alpha): for editors.</summary>
    Prores,

    /// <summary>Motion JPEG: every frame a JPEG.</summary>
    Mjpeg,

    /// <summary>MPEG-4 Part 2: the old default, for players that want it.</summary>
    Mp4v,
}

/// <summary>Which encoder runs the codec: <c>--encoder</c>. Auto tries the hardware encoder that opens, then the CPU.</summary>
public enum VideoEncoder
{
    /// <summary>A hardware encoder where one opens (a first frame proves it), else the CPU.</summary>
    Auto,

    /// <summary>The CPU encoder (libx264, libx265, …).</summary>
    Cpu,

    /// <summary>NVIDIA's NVENC.</summary>
    Nvenc,

    /// <summary>VA-API (Intel, AMD on Linux).</summary>
    Vaapi,

    /// <summary>Intel Quick Sync.</summary>
    Qsv,
}

/// <summary>What LiveSeg knows of one codec: its encoders and how to drive them.</summary>
/// <param name="Codec">The codec.</param>
/// <param name="Name">For people ("H.264").</param>
/// <param name="CpuEncoder">FFmpeg's CPU encoder.</param>
/// <param name="KeepsOddSizes">Encodes a frame of odd width or height as it is (4:2:0 encoders need even sizes).</param>
/// <param name="TakesAlpha">Can carry an alpha channel.</param>
/// <param name="CrfRange">The --crf range, or null when the codec takes none.</param>
/// <param name="HardwareEncoders">FFmpeg's hardware encoders by kind (none for most).</param>
internal sealed record CodecSpec(VideoCodec Codec, string Name, string CpuEncoder, bool KeepsOddSizes, bool TakesAlpha,
    (int Min, int Max, int Default)? CrfRange, IReadOnlyDictionary<VideoEncoder, string> HardwareEncoders);

/// <summary>The codec table and the per-codec FFmpeg arguments.</summary>
internal static class VideoCodecs
{
    private static readonly Dictionary<VideoEncoder, string> s_none = [];

    public static readonly IReadOnlyList<CodecSpec> All =
    [
        new(VideoCodec.H264, "H.264", "libx264", false, false, (0, 51, 20),
            new Dictionary<VideoEncoder, string> { [VideoEncoder.Nvenc] = "h264_nvenc", [VideoEncoder.Vaapi] = "h264_vaapi", [VideoEncoder.Qsv] = "h264_qsv" }),
        new(VideoCodec.Hevc, "HEVC", "libx265", false, false, (0, 51, 24),
            new Dictionary<VideoEncoder, string> { [VideoEncoder.Nvenc] = "hevc_nvenc", [VideoEncoder.Vaapi] = "hevc_vaapi", [VideoEncoder.Qsv] = "hevc_qsv" }),
        new(VideoCodec.Av1, "AV1", "libsvtav1", false, false, (0, 63, 32), s_none),
        new(VideoCodec.Vp9, "VP9", "libvpx-vp9", true, true, (0, 63, 32), s_none),
        new(VideoCodec.Ffv1, "FFV1 (lossless)", "ffv1", true, true, null, s_none),
        new(VideoCodec.Prores, "ProRes", "prores_ks", true, true, null, s_none),
        new(VideoCodec.Mjpeg, "Motion JPEG", "mjpeg", true, false, null, s_none),
        new(VideoCodec.Mp4v, "MPEG-4 Part 2 (mp4v)", "mpeg4", false, false, null, s_none),
    ];

    /// <summary>The x264/x265 preset names (<c>--preset</c>), fastest first.</summary>
    public static readonly string[] Presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];

    /// <summary>The default <c>--preset</c>: the fastest that keeps H.264 near its quality on two cores (docs/benchmarks.md, "Video writer").</summary>
    public const string DefaultPreset = "superfast";

    public static CodecSpec Spec(VideoCodec codec) => All.First(c => c.Codec == codec);

    /// <summary>The codec's name on the command line ("h264").</summary>
    public static string CliName(VideoCodec codec) => codec.ToString().ToLowerInvariant();

    public static VideoCodec Parse(string value) =>
        Enum.TryParse(value, ignoreCase: true, out VideoCodec c) && Enum.IsDefined(c) && !int.TryParse(value, out _) ? c
        : value.Equals("h265", StringComparison.OrdinalIgnoreCase) ? VideoCodec.Hevc
        : value.Equals("x264", StringComparison.OrdinalIgnoreCase) ? VideoCodec.H264
        : Throw.User<VideoCodec>($"unknown codec '{value}': use {string.Join(", ", All.Select(c => CliName(c.Codec)))} (or auto).");

    public static VideoEncoder ParseEncoder(string value) =>
        Enum.TryParse(value, ignoreCase: true, out VideoEncoder e) && Enum.IsDefined(e) && !int.TryParse(value, out _) ? e
        : Throw.User<VideoEncoder>($"unknown encoder '{value}': use auto, cpu, nvenc, vaapi or qsv.");

    /// <summary>The preset checked against the x264/x265 names (null: the default).</summary>
    public static string CheckPreset(string? preset)
    {
        if (preset is null)
            return DefaultPreset;
        string p = preset.Trim().ToLowerInvariant();
        return Presets.Contains(p) ? p : Throw.User<string>($"unknown preset '{preset}': use one of {string.Join(", ", Presets)} (x264/x265 names, fastest first).");
    }

    /// <summary>Encoder arguments after <c>-c:v NAME</c>: quality, speed and pixel format for <paramref name="pixels"/>.</summary>
    public static List<string> EncoderArgs(CodecSpec spec, string encoder, int? crf, string preset, RawPixels pixels, bool matte)
    {
        int speed = Array.IndexOf(Presets, preset); // 0 = ultrafast … 8 = veryslow
        string q(int fallback) => (crf ?? fallback).ToString(System.Globalization.CultureInfo.InvariantCulture);
        bool alpha = pixels == RawPixels.Bgra32;
        var a = new List<string>();
        switch (spec.Codec)
        {
            case VideoCodec.H264 or VideoCodec.Hevc when encoder.EndsWith("_nvenc", StringComparison.Ordinal):
                a.AddRange(["-preset", $"p{Math.Clamp(speed - 1, 1, 7)}", "-rc", "vbr", "-cq", q(spec.CrfRange!.Value.Default), "-pix_fmt", "yuv420p"]);
                break;
            case VideoCodec.H264 or VideoCodec.Hevc when encoder.EndsWith("_qsv", StringComparison.Ordinal):
                a.AddRange(["-preset", speed <= 2 ? "veryfast" : speed <= 5 ? "medium" : "veryslow", "-global_quality", q(spec.CrfRange!.Value.Default), "-pix_fmt", "nv12"]);
                break;
            case VideoCodec.H264 or VideoCodec.Hevc when encoder.EndsWith("_vaapi", StringComparison.Ordinal):
                a.AddRange(["-qp", q(spec.CrfRange!.Value.Default)]);
                break;
            case VideoCodec.H264:
                a.AddRange(matte
                    ? ["-preset", preset, "-qp", "0", "-pix_fmt", "yuvj420p"]
                    : ["-preset", preset, "-crf", q(spec.CrfRange!.Value.Default), "-pix_fmt", "yuv420p"]);
                break;
            case VideoCodec.Hevc:
                a.AddRange(["-preset", preset, "-crf", q(spec.CrfRange!.Value.Default), "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-x265-params", "log-level=error"]);
                break;
            case VideoCodec.Av1:
                a.AddRange(["-preset", Math.Clamp(12 - speed, 2, 12).ToString(System.Globalization.CultureInfo.InvariantCulture), "-crf", q(spec.CrfRange!.Value.Default), "-pix_fmt", "yuv420p"]);
                break;
            case VideoCodec.Vp9:
                a.AddRange(["-b:v", "0", "-row-mt", "1", "-deadline", speed <= 4 ? "realtime" : "good", "-cpu-used", speed <= 4 ? (8 - speed).ToString(System.Globalization.CultureInfo.InvariantCulture) : "2"]);
                // --crf 0 is libvpx's lossless mode (an exact alpha plane; about 20x the size of the default).
                a.AddRange(matte ? ["-lossless", "1", "-pix_fmt", "yuv444p"]
                    : crf == 0 ? ["-lossless", "1", "-pix_fmt", alpha ? "yuva420p" : "yuv420p"]
                    : ["-crf", q(spec.CrfRange!.Value.Default), "-pix_fmt", alpha ? "yuva420p" : "yuv420p"]);
                if (alpha)
                    a.AddRange(["-auto-alt-ref", "0"]);
                break;
            case VideoCodec.Ffv1:
                a.AddRange(["-level", "3", "-pix_fmt", pixels switch { RawPixels.Bgra32 => "bgra", RawPixels.Gray8 => "gray", _ => "bgr0" }]);
                break;
            case VideoCodec.Prores:
                a.AddRange(alpha ? ["-profile:v", "4444", "-pix_fmt", "yuva444p10le", "-alpha_bits", "16"] : ["-profile:v", "hq", "-pix_fmt", "yuv422p10le"]);
                a.AddRange(["-vendor", "apl0"]);
                break;
            case VideoCodec.Mjpeg:
                a.AddRange(["-q:v", "3", "-pix_fmt", "yuvj420p"]);
                break;
            case VideoCodec.Mp4v:
                a.AddRange(["-q:v", "3", "-pix_fmt", "yuv420p"]);
                break;
        }
        return a;
    }

    /// <summary>
    /// Colour arguments: YUV outputs are converted with the BT.709 matrix (limited range) and tagged so players read them
    /// the same way (FFmpeg's default RGB→YUV matrix is BT.601, which shifts colours when tagged 709). Full-range JPEG-style
    /// outputs (Motion JPEG, the lossless H.264 matte) and RGB codecs are left as they are.
    /// </summary>
    public static List<string> ColourArgs(CodecSpec spec, string encoder, bool matte)
    {
        bool yuvLimited = !matte && spec.Codec is VideoCodec.H264 or VideoCodec.Hevc or VideoCodec.Av1 or VideoCodec.Vp9 or VideoCodec.Prores or VideoCodec.Mp4v;
        if (!yuvLimited)
            return [];
        var a = new List<string>();
        if (encoder.EndsWith("_vaapi", StringComparison.Ordinal))
            a.AddRange(["-vf", "scale=out_color_matrix=bt709:out_range=tv,format=nv12,hwupload"]);
        else
            a.AddRange(["-vf", "scale=out_color_matrix=bt709:out_range=tv"]);
        a.AddRange(["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"]);
        if (spec.Codec == VideoCodec.Prores)
            a.AddRange(["-bsf:v", "prores_metadata=color_primaries=bt709:color_trc=bt709:colorspace=bt709"]); // ffmpeg 5.1's mov muxer drops ProRes's tags otherwise
        return a;
    }
}
