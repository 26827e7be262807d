using System.Text.Json;
using LiveSeg.IO;
using LiveSeg.Media;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>What a video output is: its path, frame size and layout, how to encode it, and where its sound comes from.</summary>
/// <param name="Path">The file (or a PNG pattern such as out/%05d.png).</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Pixels">Colour, colour with alpha, or a grey matte.</param>
/// <param name="Encode">Codec, encoder, quality, sound.</param>
/// <param name="Media">The input whose sound is carried over, and the timing.</param>
internal sealed record VideoOutput(string Path, int Width, int Height, RawPixels Pixels, EncodeSettings Encode, MediaContext Media)
{
    public bool Alpha => Pixels == RawPixels.Bgra32;

    public bool Matte => Pixels == RawPixels.Gray8;

    /// <summary>"output video", "matte", for messages.</summary>
    public string Role => Matte ? "matte" : "output video";
}

/// <summary>
/// Writes frames to a video file, safely: through FFmpeg (<see cref="FfmpegEncoder"/>: H.264 and the other codecs, the
/// input's sound, each frame at its own time) or, where ffmpeg is missing, OpenCV's writer as a named fallback; a PNG
/// pattern is an image sequence. Frames go to a temporary file beside the target, and <see cref="Finish"/> closes it,
/// checks that it holds every frame written (and the sound planned), and only then renames it over the target. An
/// abandoned or failed sink leaves the previous target as it was.
/// </summary>
internal sealed class VideoFileSink : IDisposable
{
    private readonly IFrameEncoder _encoder;
    private readonly AtomicFile? _file;
    private readonly VideoOutput _o;
    private bool _closed;

    /// <param name="output">What to write.</param>
    /// <param name="plan">The output's <see cref="Plan"/> when the caller already checked it (null: checked here).</param>
    public VideoFileSink(VideoOutput output, WritePlan? plan = null)
    {
        _o = output;
        Path = output.Path;
        plan ??= Plan(output);
        if (plan.Sequence)
        {
            _encoder = new PngSequenceEncoder(output.Path, output.Media.Info?.Audio.Count ?? 0);
            return;
        }
        _file = new AtomicFile(output.Path, output.Role);
        try
        {
            _encoder = plan.Spec is null
                ? new OpenCvEncoder(_file.TempPath, output.Path, output.Media.NominalRate.IsValid ? output.Media.NominalRate.Value : 30, output.Width, output.Height)
                : new FfmpegEncoder(_file.TempPath, output.Path, plan.Container!, plan.Spec,
                    EncoderChoice.Choose(plan.Spec, output.Encode, output.Width, output.Height, output.Pixels, output.Matte, output.Path),
                    output.Width, output.Height, output.Pixels, output.Media, output.Encode.KeepStreams && !output.Matte, output.Encode.Tags, output.Encode.KeepStartTime);
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>For the header line: "H.264 in .mp4 via ffmpeg: libx264, preset superfast, crf 20 (cpu); audio aac copied".</summary>
    public string CodecName => _encoder.Description;

    /// <summary>What changed on the way (a stream re-encoded or dropped), for the user.</summary>
    public IReadOnlyList<string> Notes => _encoder.Notes;

    /// <summary>Each frame keeps the time it is given (FFmpeg); false for the fallback and image sequences (a constant rate).</summary>
    public bool KeepsTimestamps => _encoder.KeepsTimestamps;

    public int FramesWritten { get; private set; }

    /// <summary>Encodes one frame of the size and layout given at construction, shown at <paramref name="timestampNs"/> from the start.</summary>
    public void Write(Mat frame, long timestampNs)
    {
        try
        {
            _encoder.Write(frame, timestampNs);
        }
        catch (LiveSegException e) when (_file is not null)
        {
            throw new LiveSegException($"{e.Message}: {AtomicFile.KeptNote(_file.Target)}.", e.ExitCode, e);
        }
        FramesWritten++;
    }

    /// <summary>
    /// Closes the file (the encoder finishes it), checks it holds every frame written at the right size and the sound
    /// planned, and renames it over the target. Returns false (target untouched) when no frame was written. A file that
    /// does not check out is deleted, the target is left as it was, and a one-line error says so.
    /// </summary>
    public bool Finish()
    {
        if (FramesWritten == 0 && _file is not null)
        {
            Dispose(); // nothing to keep: the encoder is stopped and its temporary file deleted
            return false;
        }
        try
        {
            Close();
        }
        catch (LiveSegException e)
        {
            _file?.Dispose();
            throw new LiveSegException($"{e.Message}: {AtomicFile.KeptNote(_file?.Target ?? Path)}.", e.ExitCode, e);
        }
        if (_file is null)
            return FramesWritten > 0;
        if (FramesWritten == 0)
        {
            _file.Dispose();
            return false;
        }
        string? problem = _encoder is OpenCvEncoder
            ? VerifyWithOpenCv(_file.TempPath, FramesWritten, _o.Width, _o.Height)
            : Verify(_file.TempPath, FramesWritten, _o.Width, _o.Height, _encoder.AudioStreams);
        if (problem is not null)
        {
            _file.Dispose();
            Throw.User($"{_o.Role} '{Path}' could not be completed: {problem}: {AtomicFile.KeptNote(_file.Target)}.");
        }
        _file.Commit();
        return true;
    }

    /// <summary>Closes without keeping anything unless <see cref="Finish"/> ran: the temporary file is deleted.</summary>
    public void Dispose()
    {
        if (!_closed)
        {
            _closed = true;
            _encoder.Dispose();
        }
        _file?.Dispose();
    }

    private void Close()
    {
        if (_closed)
            return;
        _closed = true;
        try
        {
            _encoder.Close();
        }
        finally
        {
            _encoder.Dispose();
        }
    }

    /// <summary>How an output will be written: a PNG sequence, FFmpeg with this container and codec, or the OpenCV fallback (Spec null).</summary>
    public sealed record WritePlan(bool Sequence, Container? Container, CodecSpec? Spec);

    /// <summary>
    /// Checks, before any work, that <paramref name="o"/> can be written: a writable folder, a container and a codec that
    /// holds these frames (size, alpha) and takes the settings asked (--crf range), and ffmpeg where it is needed.
    /// </summary>
    public static WritePlan Plan(VideoOutput o)
    {
        string path = o.Path;
        var e = o.Encode;
        if (o.Path.Contains('%', StringComparison.Ordinal) && !File.Exists(o.Path))
        {
            if (e.Codec != VideoCodec.Auto)
                Throw.User($"{o.Role} '{path}': an image sequence is written as PNG: leave out the codec, or give a video file name.");
            PngSequenceEncoder.Check(path);
            return new(true, null, null);
        }
        OutputCheck.File(path, o.Role);
        var container = Container.For(path)
            ?? Throw.User<Container>($"{o.Role} '{path}': no video container for the extension '{System.IO.Path.GetExtension(path)}': use {Container.Extensions}, or a PNG pattern such as out/%05d.png.");
        if (!FfmpegTool.Available)
        {
            if (e.Codec != VideoCodec.Auto || o.Alpha || o.Matte || e.Crf is not null || e.Preset is not null || e.Encoder is not (VideoEncoder.Auto or VideoEncoder.Cpu))
                Throw.User($"{o.Role} '{path}': {(o.Alpha ? "alpha" : o.Matte ? "a matte" : "the codec settings asked for")} need(s) Debian's ffmpeg, which is not installed: run scripts/install-deps (apt install ffmpeg).");
            OpenCvEncoder.Codec(path, o.Width, o.Height);
            return new(false, container, null);
        }
        VideoCodec codec = e.Codec;
        if (codec == VideoCodec.Auto)
        {
            codec = o.Alpha
                ? container.AlphaDefault ?? Throw.User<VideoCodec>($"{o.Role} '{path}': {container.Extension} cannot hold a transparent background: use .mov (ProRes 4444), .webm (VP9), .mkv (FFV1) or out/%05d.png.")
                : o.Matte ? container.Format is "matroska" or "avi" ? VideoCodec.Ffv1 : container.Format == "webm" ? VideoCodec.Vp9 : VideoCodec.H264
                : container.Default;
        }
        var spec = VideoCodecs.Spec(codec);
        if (!container.Holds(codec))
            Throw.User($"{o.Role} '{path}': {spec.Name} does not go in {container.Extension}: use {string.Join(", ", container.Codecs.Select(VideoCodecs.CliName))}, or another extension.");
        if (o.Alpha && !spec.TakesAlpha)
            Throw.User($"{o.Role} '{path}': {spec.Name} cannot carry a transparent background: use prores (.mov), vp9 (.webm) or ffv1 (.mkv).");
        if (e.Crf is { } crf)
        {
            if (spec.CrfRange is not { } r)
                Throw.Setting(n => $"{o.Role} '{path}': {n("Crf")} does not apply to {spec.Name} (it has no constant-quality scale): leave it out.");
            else if (crf < r.Min || crf > r.Max)
                Throw.Setting(n => $"{o.Role} '{path}': {n("Crf")} {crf} is out of range for {spec.Name}: {r.Min}..{r.Max} (lower is better; default {r.Default}).");
        }
        VideoCodecs.CheckPreset(e.Preset);
        if ((o.Width | o.Height) % 2 != 0 && o.Width > 0 && !spec.KeepsOddSizes)
            Throw.Setting(n => $"{o.Role} '{path}': {spec.Name} needs an even frame size, and {o.Width}x{o.Height} is odd: use {n("Codec")} vp9 (.webm), ffv1 (.mkv) or prores (.mov), which keep any size.");
        return new(false, container, spec);
    }

    /// <summary>Reads a written file with ffprobe: null when it holds <paramref name="frames"/> video frames of the size and <paramref name="audio"/> audio streams, else what is wrong.</summary>
    public static string? Verify(string path, int frames, int width, int height, int audio)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            return "the file is missing or empty after closing";
        var r = FfmpegTool.Run(FfmpegTool.Ffprobe!, ["-v", "error", "-count_packets", "-show_entries", "stream=codec_type,nb_read_packets,width,height", "-of", "json", "--", path], TimeSpan.FromMinutes(10));
        if (r.ExitCode != 0)
            return $"the written file does not open as a video ({EncoderChoice.Shorten(r.LastErrorLine)})";
        using var doc = JsonDocument.Parse(r.Output);
        int video = -1, w = 0, h = 0, sound = 0;
        foreach (var s in doc.RootElement.GetProperty("streams").EnumerateArray())
        {
            string kind = s.GetProperty("codec_type").GetString() ?? "";
            if (kind == "audio")
                sound++;
            if (kind != "video" || video >= 0)
                continue;
            video = int.TryParse(s.TryGetProperty("nb_read_packets", out var n) ? n.GetString() : null, out int count) ? count : 0;
            (w, h) = (s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32());
        }
        if (video < 0)
            return "the written file has no video stream";
        if (w != width || h != height)
            return $"the written frames are {w}x{h}, not {width}x{height}";
        if (video != frames)
            return $"the written file holds {video} of the {frames} frames encoded";
        return sound < audio ? $"the written file holds {sound} of the {audio} audio streams planned" : null;
    }

    /// <summary>Reopens a file the OpenCV fallback wrote: null when it decodes with <paramref name="frames"/> frames of the given size, else what is wrong.</summary>
    public static string? VerifyWithOpenCv(string path, int frames, int width, int height)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            return "the file is missing or empty after closing";
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
            return "the written file does not open as a video";
        using var frame = new Mat();
        if (!capture.Read(frame) || frame.Empty())
            return "the written file has no decodable frame";
        if (frame.Width != width || frame.Height != height)
            return $"the written frames are {frame.Width}x{frame.Height}, not {width}x{height}";
        int n = 1;
        while (capture.Grab())
            n++;
        return n == frames ? null : $"the written file holds {n} of the {frames} frames encoded";
    }
}
