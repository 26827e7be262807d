using System.Globalization;
using OpenCvSharp;

namespace LiveSeg.Media;

/// <summary>What an output file is to hold, beside its frames: where the sound comes from and how time is counted.</summary>
/// <param name="Input">The file whose sound, subtitles, chapters and tags are carried over (null: none).</param>
/// <param name="Info">What ffprobe said of it (null: nothing to carry over, timing by the nominal rate).</param>
/// <param name="NominalRate">The frames' rate as an exact ratio (30/1, 30000/1001).</param>
internal sealed record MediaContext(string? Input, MediaInfo? Info, Rational NominalRate)
{
    /// <summary>The time base output timestamps are counted in: the input's own (so they stay exact), else 1/90000.</summary>
    public Rational TimeBase => Info is { TimeBase.IsValid: true } i && i.TimeBase.Den <= 10_000_000 ? i.TimeBase : new Rational(1, 90000);
}

/// <summary>Writes frames through a process pipe to Debian's ffmpeg, which encodes them and muxes the sound in.</summary>
internal interface IFrameEncoder : IDisposable
{
    /// <summary>For the header line: codec, encoder and why, the sound.</summary>
    string Description { get; }

    /// <summary>Notes for the user (a stream dropped or converted).</summary>
    IReadOnlyList<string> Notes { get; }

    /// <summary>Each frame keeps the time it is given (false: a constant rate, frames one after another).</summary>
    bool KeepsTimestamps { get; }

    /// <summary>Audio streams the finished file is to hold.</summary>
    int AudioStreams { get; }

    void Write(Mat frame, long timestampNs);

    /// <summary>Ends the stream and waits for the file to be complete; a failure is a one-line error (LiveSegException).</summary>
    void Close();
}

/// <summary>
/// The video writer on FFmpeg: LiveSeg's frames, with their timestamps (<see cref="RawFrameStream"/>), go through a pipe
/// to <c>ffmpeg</c>, which converts them (BT.709), encodes them (libx264, …, or a hardware encoder) and muxes them with
/// the input's sound and subtitles copied (or re-encoded where the container needs it), into one file. Audio is cut at
/// the last frame written (<c>-shortest</c>), so a partial run keeps its sound in sync. ffmpeg runs in a session of its
/// own (setsid): a Ctrl-C meant for LiveSeg reaches LiveSeg, which finishes the frames in flight and then closes the pipe.
/// </summary>
internal sealed class FfmpegEncoder : IFrameEncoder
{
    private readonly FfmpegProcess _process;
    private readonly Stream _stdin;
    private readonly RawFrameStream _frames;
    private readonly string _output;
    private bool _closed;

    /// <param name="tempPath">Where ffmpeg writes (the atomic writer's temporary file).</param>
    /// <param name="shownPath">The output as the user named it, for messages.</param>
    /// <param name="container">The container, by extension.</param>
    /// <param name="spec">The codec.</param>
    /// <param name="encoder">The encoder chosen for it (<see cref="EncoderChoice"/>).</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="pixels">The frames' layout.</param>
    /// <param name="media">The sound's source and the time base.</param>
    /// <param name="keepStreams">Carry sound, subtitles, chapters and tags over.</param>
    /// <param name="tags">Tags of LiveSeg's own for the container.</param>
    /// <param name="keepStartTime">The first frame keeps its time (a part of a video), instead of starting at 0.</param>
    public FfmpegEncoder(string tempPath, string shownPath, Container container, CodecSpec spec, ChosenEncoder encoder,
        int width, int height, RawPixels pixels, MediaContext media, bool keepStreams, IReadOnlyList<KeyValuePair<string, string>>? tags = null, bool keepStartTime = false)
    {
        _output = shownPath;
        var plans = keepStreams && media.Info is { } info && media.Input is not null ? StreamPlanner.Plan(container, info) : [];
        Notes = [.. plans.Where(p => !p.Kept || p.Encoder != "copy").Select(p => p.Note)];
        var kept = plans.Where(p => p.Kept).ToList();
        AudioStreams = kept.Count(p => p.Stream.Kind == "audio");
        string streams = kept.Count == 0 ? "no sound" : string.Join(", ", kept.Select(p => p.Note));
        Description = $"{spec.Name} in {container.Extension} via ffmpeg: {encoder.Why}; {streams}";

        var args = new List<string> { "-hide_banner", "-nostdin", "-loglevel", "error", "-y" };
        args.AddRange(encoder.GlobalArgs);
        if (keepStartTime)
            args.Add("-copyts");
        args.AddRange(["-f", "matroska", "-i", "pipe:0"]);
        bool second = media.Input is not null && keepStreams && media.Info is not null;
        if (second)
            args.AddRange(["-i", media.Input!]);
        args.AddRange(["-map", "0:v:0"]);
        foreach (var p in kept)
            args.AddRange(["-map", $"1:{p.Stream.Index}"]);
        args.AddRange(["-c:v:0", encoder.Encoder]);
        args.AddRange(encoder.Args);
        for (int i = 0; i < kept.Count; i++)
        {
            args.AddRange([$"-c:{i + 1}", kept[i].Encoder!]);
            if (kept[i].Encoder is "aac" or "libopus")
                args.AddRange([$"-b:{i + 1}", "160k"]);
        }
        if (second)
            args.AddRange(["-map_metadata", "1", "-map_chapters", "1"]);
        else
            args.AddRange(["-map_metadata", "-1"]);
        foreach (var (key, value) in tags ?? [])
            args.AddRange(["-metadata", $"{key}={value}"]);
        var tb = media.TimeBase;
        args.AddRange(["-fps_mode", "passthrough", "-enc_time_base:v", $"{tb.Num}:{tb.Den}"]);
        if (container.Format is "mp4" or "mov")
            args.AddRange(["-movflags", "+faststart", "-video_track_timescale", tb.Den.ToString(CultureInfo.InvariantCulture)]);
        if (kept.Count > 0)
            args.AddRange(["-shortest"]);
        args.AddRange(["-f", container.Format, tempPath]);
        Arguments = args;

        _process = new FfmpegProcess(args, readsOutput: false);
        _stdin = _process.Input;
        _frames = new RawFrameStream(_stdin, width, height, pixels, media.NominalRate);
        try
        {
            _frames.WriteHeader();
        }
        catch (IOException e)
        {
            Dispose();
            throw Stopped(e);
        }
    }

    /// <summary>The ffmpeg command line (after the program), for tests and --verbose.</summary>
    public IReadOnlyList<string> Arguments { get; }

    public string Description { get; }

    public IReadOnlyList<string> Notes { get; }

    public bool KeepsTimestamps => true;

    public int AudioStreams { get; }

    public void Write(Mat frame, long timestampNs)
    {
        try
        {
            _frames.Write(frame, timestampNs);
        }
        catch (IOException e)
        {
            throw Stopped(e);
        }
    }

    public void Close()
    {
        if (_closed)
            return;
        _closed = true;
        try
        {
            _stdin.Flush();
            _stdin.Dispose();
        }
        catch (IOException)
        {
            // ffmpeg is gone: its exit code and message say why
        }
        _process.WaitForExit();
        if (_process.ExitCode != 0)
            throw Stopped(null);
    }

    private LiveSegException Stopped(Exception? inner)
    {
        if (!_process.WaitForExit(10_000))
            _process.Kill();
        return new LiveSegException($"output '{_output}': ffmpeg stopped while writing ({_process.Reason()})", ExitCodes.BadInput, inner);
    }

    /// <summary>Abandons the file if <see cref="Close"/> did not run: ffmpeg is stopped (the caller deletes its temporary file).</summary>
    public void Dispose()
    {
        if (!_closed)
        {
            _closed = true;
            _process.Kill();
            try
            {
                _stdin.Dispose();
            }
            catch (IOException)
            {
            }
        }
        _process.Dispose();
    }
}
