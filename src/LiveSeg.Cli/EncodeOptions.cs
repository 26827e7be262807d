using System.CommandLine;
using System.Globalization;
using LiveSeg.Media;

namespace LiveSeg.Cli;

/// <summary>--codec, --encoder, --crf, --preset, --no-audio and --matte (video): how the output is encoded and what it carries.</summary>
internal sealed class EncodeOptions
{
    public Option<string> Codec { get; } = Opt.Checked("--codec",
        "video codec: auto = by extension (.mp4/.mov/.mkv H.264, .webm VP9, .avi Motion JPEG; alpha: .mov ProRes 4444, .webm VP9, .mkv FFV1)",
        "auto|h264|hevc|av1|vp9|ffv1|prores|mjpeg|mp4v", v => VideoCodecs.Parse(v), "auto",
        ["auto", "h264", "hevc", "av1", "vp9", "ffv1", "prores", "mjpeg", "mp4v"]);

    public Option<string> Encoder { get; } = Opt.Checked("--encoder",
        "auto: a hardware encoder that opens (NVENC, VA-API, Quick Sync; a first frame proves it), else the CPU",
        "auto|cpu|nvenc|vaapi|qsv", v => VideoCodecs.ParseEncoder(v), "auto", ["auto", "cpu", "nvenc", "vaapi", "qsv"]);

    public Option<string> Crf { get; } = Opt.Checked("--crf",
        "constant quality, lower is better: 0..51 for h264/hevc (default 20/24), 0..63 for vp9/av1 (default 32)", "N", v => ParseCrf(v), null, []);

    public Option<string> Preset { get; } = Opt.Checked("--preset",
        $"encoder speed, x264/x265 names: {string.Join(", ", VideoCodecs.Presets)} (default {VideoCodecs.DefaultPreset}; mapped for VP9, AV1 and hardware encoders)",
        "NAME", v => VideoCodecs.CheckPreset(v), null, VideoCodecs.Presets);

    public Option<bool> NoAudio { get; } = Opt.Flag("--no-audio", "drop the input's sound, subtitles, chapters and tags (kept by default)");

    public Option<string?> Matte { get; } = Opt.Text("--matte", "also write the mask itself (8-bit grey, lossless: FFV1 in .mkv, H.264 lossless in .mp4, or out/%05d.png), frame for frame", "FILE");

    public void AddTo(Command command)
    {
        command.Add(Codec);
        command.Add(Encoder);
        command.Add(Crf);
        command.Add(Preset);
        command.Add(NoAudio);
        command.Add(Matte);
    }

    public EncodeSettings Read(ParseResult r) => new()
    {
        Codec = VideoCodecs.Parse(r.GetValue(Codec)!),
        Encoder = VideoCodecs.ParseEncoder(r.GetValue(Encoder)!),
        Crf = r.GetValue(Crf) is { } crf ? ParseCrf(crf) : null,
        Preset = r.GetValue(Preset),
        KeepStreams = !r.GetValue(NoAudio),
    };

    private static int ParseCrf(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v is >= 0 and <= 63
            ? v : Throw.User<int>($"--crf '{text}' is not a quality: give a whole number, 0..51 for h264/hevc, 0..63 for vp9/av1 (lower is better).");
}
