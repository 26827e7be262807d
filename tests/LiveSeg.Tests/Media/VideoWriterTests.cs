using System.Globalization;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The video writer on FFmpeg, checked with real clients: ffprobe for codecs, sound, rates and every timestamp;
/// ffmpeg's decoders for alpha and mattes; Debian's Chromium for playback; and its failure paths.
/// Clips are made by Debian's ffmpeg (installed by scripts/install-deps).
/// </summary>
[Slow]
public sealed class VideoWriterTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _model;

    public VideoWriterTests()
    {
        Assert.True(FfmpegDecode.Available, "ffmpeg/ffprobe are missing: run scripts/install-deps");
        _model = Synthetic.ColorKeyModel(_dir);
    }

    public void Dispose() => _dir.Dispose();

    private static double Seconds(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static double Rational(string r) => r.Split('/') is [var n, var d] ? Seconds(n) / Seconds(d) : Seconds(r);

    /// <summary>Makes a clip with Debian's ffmpeg from lavfi sources (the arguments after the inputs).</summary>
    private string Clip(string name, params string[] args)
    {
        string path = _dir.File(name);
        var (code, _, err) = FfmpegDecode.Run("/usr/bin/ffmpeg", ["-v", "error", "-y", .. args, path]);
        Assert.True(code == 0, $"test setup: ffmpeg could not make {name}: {err}");
        return path;
    }

    /// <summary>A red square moving over blue (the colour-key model's foreground is red), with a 440 Hz tone.</summary>
    private string ClipWithSound(string name, string rate, double seconds, string audioCodec = "aac") => Clip(name,
        "-f", "lavfi", "-i", $"color=c=blue:s=160x120:r={rate}:d={seconds.ToString(CultureInfo.InvariantCulture)}[bg];color=c=red:s=50x60:r={rate}[fg];[bg][fg]overlay=x='20+t*30':y=30:shortest=1[out0]",
        "-f", "lavfi", "-i", $"sine=f=440:sample_rate=48000:d={seconds.ToString(CultureInfo.InvariantCulture)}",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", audioCodec, "-shortest");

    private Cli.Result Video(string input, string output, params string[] extra) =>
        Cli.Run(["video", input, "-o", output, "--model", _model, "--device", "cpu", .. extra]);

    [Theory]
    [InlineData("30000/1001", 2.0)] // was written as 29997/1000: 3.6 s of drift an hour
    [InlineData("1000", 0.3)] // was "30 fps assumed"
    public void Mp4_IsH264_WithTheInputsSound_ExactRate_AndEveryTimestamp(string rate, double seconds)
    {
        string input = ClipWithSound("clip.mp4", rate, seconds);
        string output = _dir.File("out.mp4");
        var r = Video(input, output);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("H.264 in .mp4 via ffmpeg", r.Stdout);
        var v = FfmpegDecode.Streams(output, "video").Single();
        Assert.Equal("h264", v.GetProperty("codec_name").GetString());
        Assert.Equal("yuv420p", v.GetProperty("pix_fmt").GetString());
        Assert.Equal("bt709", v.GetProperty("color_space").GetString());
        Assert.Equal(rate.Contains('/') ? rate : rate + "/1", v.GetProperty("r_frame_rate").GetString());
        var a = FfmpegDecode.Streams(output, "audio").Single();
        Assert.Equal("aac", a.GetProperty("codec_name").GetString());
        double inAudio = Seconds(FfmpegDecode.Streams(input, "audio").Single().GetProperty("duration").GetString()!);
        double frame = 1 / Rational(rate);
        Assert.InRange(Seconds(a.GetProperty("duration").GetString()!), inAudio - Math.Max(frame, 0.025), inAudio + Math.Max(frame, 0.025));
        double[] before = FfmpegDecode.VideoTimes(input), after = FfmpegDecode.VideoTimes(output);
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
            Assert.True(Math.Abs(before[i] - after[i]) <= 0.001, $"frame {i}: {after[i]} s in the output, {before[i]} s in the input");
    }

    [Fact]
    public void VariableRate_EveryOutputFrameKeepsItsInputTime()
    {
        // 40 frames at 30 fps, then 49 at 15 fps: before, written at a constant 19.8 fps (up to 1.26 s off).
        string input = Clip("vfr.mp4",
            "-f", "lavfi", "-i", "color=c=blue:s=160x120:r=30:d=1.3333", "-f", "lavfi", "-i", "color=c=red:s=160x120:r=15:d=3.2667",
            "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]", "-map", "[v]", "-fps_mode", "passthrough", "-c:v", "libx264", "-pix_fmt", "yuv420p");
        string output = _dir.File("vfr-out.mkv");
        var r = Video(input, output);
        Assert.True(r.ExitCode == 0, r.Stderr);
        double[] before = FfmpegDecode.VideoTimes(input), after = FfmpegDecode.VideoTimes(output);
        int decoded = after.Length;
        Assert.True(decoded >= 88, $"{decoded} frames written");
        for (int i = 0; i < decoded; i++)
            Assert.True(Math.Abs(before[i] - after[i]) <= 0.001, $"frame {i}: {after[i]} s in the output, {before[i]} s in the input");
    }

    [Fact]
    public void FlashAndBeep_StayInSync_WithinOneFrame()
    {
        // A white frame and a 1 kHz beep at each whole second, at 25 fps: the output's flashes and beeps must still coincide.
        string input = Clip("sync.mp4",
            "-f", "lavfi", "-i", "color=c=black:s=160x120:r=25:d=4,drawbox=c=white:t=fill:enable='lt(mod(t\\,1)\\,0.039)'",
            "-f", "lavfi", "-i", "sine=f=1000:sample_rate=48000:d=4,volume=enable='gte(mod(t\\,1)\\,0.04)':volume=0",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest");
        string output = _dir.File("sync-out.mp4");
        var r = Video(input, output, "--effect", "mask", "--smooth", "0", "--codec", "h264");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // Flash times: frames of the input (the output's mask effect shows no flash), placed by the output's timestamps.
        var frames = FfmpegDecode.Frames(input);
        double[] times = FfmpegDecode.VideoTimes(output);
        Assert.Equal(frames.Count, times.Length);
        var flashes = Enumerable.Range(0, frames.Count).Where(i => Cv2.Mean(frames[i]).Val0 > 128).Select(i => times[i]).ToList();
        frames.ForEach(f => f.Dispose());
        var (code, pcm, err) = FfmpegDecode.Run("/usr/bin/ffmpeg", "-v", "error", "-i", output, "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-ar", "8000", "-");
        Assert.True(code == 0, err);
        var beeps = new List<double>();
        bool loud = false;
        for (int i = 0; i + 1 < pcm.Length; i += 2)
        {
            int s = Math.Abs((int)BitConverter.ToInt16(pcm, i));
            if (s > 3000 && !loud)
                beeps.Add(i / 2 / 8000.0);
            if (s > 3000)
                loud = true;
            else if (i / 2 % 80 == 0 && Enumerable.Range(0, Math.Min(40, (pcm.Length - i) / 2)).All(k => Math.Abs(BitConverter.ToInt16(pcm, i + 2 * k)) < 1000))
                loud = false;
        }
        Assert.Equal(4, flashes.Count);
        Assert.Equal(4, beeps.Count);
        for (int i = 0; i < 4; i++)
            Assert.True(Math.Abs(flashes[i] - beeps[i]) < 1 / 25.0, $"second {i}: flash at {flashes[i]:F3} s, beep at {beeps[i]:F3} s");
    }

    [Theory]
    [InlineData("alpha.mov", "prores", null, 1, null)]
    [InlineData("alpha.mkv", "ffv1", null, 1, null)]
    [InlineData("alpha-%03d.png", null, null, 1, null)]
    [InlineData("alpha.webm", "vp9", "libvpx-vp9", 1, "0")]
    public void Alpha_DecodesBackToTheMaskAsComposited(string name, string? codec, string? decoder, int tolerance, string? crf)
    {
        string input = ClipWithSound("in.mp4", "25", 1.0);
        string mask = _dir.File("mask.mkv");
        Assert.Equal(0, Video(input, mask, "--effect", "mask", "--codec", "ffv1", "--smooth", "0").ExitCode);
        string output = _dir.File(name);
        var r = Video(input, output, ["--effect", "alpha", "--smooth", "0", .. crf is null ? Array.Empty<string>() : ["--crf", crf]]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        if (codec is not null)
            Assert.Equal(codec == "vp9" ? "vp9" : codec, FfmpegDecode.Streams(output, "video")[0].GetProperty("codec_name").GetString());
        var expected = FfmpegDecode.Frames(mask);
        List<Mat> got = name.Contains('%')
            ? [.. Enumerable.Range(0, expected.Count).Select(i => Cv2.ImRead(_dir.File($"alpha-{i:D3}.png"), ImreadModes.Unchanged))]
            : FfmpegDecode.Frames(output, alpha: true, decoder);
        Assert.Equal(expected.Count, got.Count);
        var source = FfmpegDecode.Frames(input);
        for (int i = 0; i < got.Count; i++)
        {
            Assert.Equal(4, got[i].Channels());
            using var alpha = got[i].ExtractChannel(3);
            using var want = expected[i].ExtractChannel(0);
            using var diff = new Mat();
            Cv2.Absdiff(alpha, want, diff);
            Cv2.MinMaxLoc(diff, out double _, out double worst);
            Assert.True(worst <= tolerance, $"frame {i}: alpha differs from the mask by up to {worst} LSB");
            // Straight alpha: where the person is, the colours are the frame's own (not darkened by alpha).
            using var bgr = got[i].CvtColor(ColorConversionCodes.BGRA2BGR);
            using var inside = new Mat();
            Cv2.Absdiff(bgr, source[i], inside);
            using var opaque = new Mat();
            Cv2.Compare(alpha, new Scalar(250), opaque, CmpTypes.GT);
            Assert.True(Cv2.Mean(inside, opaque).Val2 < 12, $"frame {i}: the person's colours changed");
        }
    }

    [Fact]
    public void Alpha_Vp9AtItsDefaultQuality_IsLossyOnlyAtTheEdges()
    {
        // VP9's alpha plane is coded like its picture: at the default quality it differs from the mask at moving edges
        // (measured on asl-walk: up to 60 LSB, 0.16 on average); --crf 0 makes it lossless (the theory above).
        string input = ClipWithSound("in.mp4", "25", 1.0);
        string mask = _dir.File("mask.mkv"), output = _dir.File("web.webm");
        Assert.Equal(0, Video(input, mask, "--effect", "mask", "--codec", "ffv1", "--smooth", "0").ExitCode);
        Assert.Equal(0, Video(input, output, "--effect", "alpha", "--smooth", "0").ExitCode);
        var want = FfmpegDecode.Frames(mask);
        var got = FfmpegDecode.Frames(output, alpha: true, decoder: "libvpx-vp9");
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < got.Count; i++)
        {
            using var alpha = got[i].ExtractChannel(3);
            using var expected = want[i].ExtractChannel(0);
            using var diff = new Mat();
            Cv2.Absdiff(alpha, expected, diff);
            Assert.True(Cv2.Mean(diff).Val0 < 1, $"frame {i}: alpha differs from the mask by {Cv2.Mean(diff).Val0:F2} LSB on average");
        }
    }

    [Fact]
    public void Matte_IsTheMask_FrameForFrame_BesideAnyEffect()
    {
        string input = ClipWithSound("in.mp4", "25", 1.0);
        string mask = _dir.File("mask.mkv");
        Assert.Equal(0, Video(input, mask, "--effect", "mask", "--codec", "ffv1", "--smooth", "0").ExitCode);
        string output = _dir.File("blur.mp4"), matte = _dir.File("matte.mkv");
        var r = Video(input, output, "--effect", "blur", "--matte", matte, "--smooth", "0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"matte: {matte}", r.Stdout);
        var v = FfmpegDecode.Streams(matte, "video").Single();
        Assert.Equal("ffv1", v.GetProperty("codec_name").GetString());
        var want = FfmpegDecode.Frames(mask);
        var got = FfmpegDecode.Frames(matte);
        Assert.Equal(want.Count, got.Count);
        for (int i = 0; i < got.Count; i++)
        {
            using var diff = new Mat();
            Cv2.Absdiff(got[i], want[i], diff);
            Cv2.MinMaxLoc(diff.Reshape(1), out double _, out double worst);
            Assert.True(worst <= 1, $"frame {i}: the matte differs from the mask by {worst} LSB");
        }
    }

    [SkippableTheory]
    [InlineData("play.mp4")]
    [InlineData("play.webm")]
    public void Chromium_PlaysTheOutput_AndShowsTheCompositedFrame(string name)
    {
        string? chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists);
        Assert.True(chromium is not null, "chromium is missing: run scripts/install-deps --tests (apt package chromium)");
        const int W = 320, H = 240, Index = 12;
        string input = Clip("moving.mkv", "-f", "lavfi", "-i", $"color=c=blue:s={W}x{H}:r=25:d=2[bg];color=c=red:s=80x100:r=25[fg];[bg][fg]overlay=x='20+t*60':y=60:shortest=1[out0]", "-c:v", "ffv1");
        string reference = _dir.File("reference.mkv"), output = _dir.File(name);
        Assert.Equal(0, Video(input, reference, "--effect", "tint", "--codec", "ffv1", "--smooth", "0").ExitCode);
        var r = Video(input, output, "--effect", "tint", "--smooth", "0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var frames = FfmpegDecode.Frames(reference);
        // A page that loads the file into <video> and seeks to the middle of frame 12; Chromium's screenshot shows that frame.
        string page = _dir.File("page.html");
        File.WriteAllText(page, $$"""
            <!doctype html><html><body style="margin:0;background:#000;overflow:hidden">
            <video id="v" src="{{name}}" muted preload="auto" style="display:block"></video>
            <script>
            const v = document.getElementById('v');
            v.addEventListener('loadeddata', () => { v.currentTime = {{(Index + 0.5) / 25.0}}; });
            </script></body></html>
            """);
        string shot = _dir.File("shot.png");
        var (code, _, err) = FfmpegDecode.Run(chromium!, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
            $"--user-data-dir={_dir.File("profile")}", $"--window-size={W},{H}", "--hide-scrollbars", $"--screenshot={shot}", "--timeout=4000",
            new Uri(page).AbsoluteUri);
        Assert.True(code == 0 && File.Exists(shot), $"chromium: {err}");
        using var seen = Cv2.ImRead(shot);
        using var region = new Mat(seen, new Rect(0, 0, W, H));
        double Diff(Mat expected)
        {
            using var d = new Mat();
            Cv2.Absdiff(region, expected, d);
            var m = Cv2.Mean(d);
            return (m.Val0 + m.Val1 + m.Val2) / 3;
        }
        double right = Diff(frames[Index]), first = Diff(frames[0]);
        Assert.True(right < 6, $"Chromium's frame differs from LiveSeg's composited frame {Index} by {right:F1} on average (codec tolerance 6)");
        Assert.True(right < first / 2, $"Chromium showed another frame (difference {right:F1} to frame {Index}, {first:F1} to frame 0)");
    }

    [Fact]
    public void Webm_IsVp9_AndOpusSoundWhereTheInputHadAac()
    {
        string input = ClipWithSound("in.mp4", "25", 1.0);
        string output = _dir.File("out.webm");
        var r = Video(input, output);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal("vp9", FfmpegDecode.Streams(output, "video").Single().GetProperty("codec_name").GetString());
        Assert.Equal("opus", FfmpegDecode.Streams(output, "audio").Single().GetProperty("codec_name").GetString());
        Assert.Contains("re-encoded to Opus", r.Stderr);
    }

    [Fact]
    public void NoAudio_DropsTheSound()
    {
        string input = ClipWithSound("in.mp4", "25", 1.0);
        string output = _dir.File("silent.mp4");
        Assert.Equal(0, Video(input, output, "--no-audio").ExitCode);
        Assert.Empty(FfmpegDecode.Streams(output, "audio"));
    }

    [Theory]
    [InlineData(new[] { "--crf", "70" }, "--crf")]
    [InlineData(new[] { "--codec", "mjpeg", "--crf", "20" }, "--crf does not apply to Motion JPEG")]
    [InlineData(new[] { "--preset", "warp" }, "unknown preset 'warp'")]
    [InlineData(new[] { "--codec", "prores" }, "ProRes does not go in .mp4")]
    [InlineData(new[] { "--codec", "x265x" }, "unknown codec 'x265x'")]
    [InlineData(new[] { "--encoder", "nvenc" }, "h264_nvenc")]
    public void BadEncodeSettings_OneLineError_Exit2_NothingWritten(string[] extra, string expected)
    {
        string input = ClipWithSound("in.mp4", "25", 0.4);
        string output = _dir.File("bad.mp4");
        var r = Video(input, output, extra);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".bad.mp4*"));
    }

    [Fact]
    public void LongOutputNames_UpToTheLimit_Work_AndLongerOnesAreNamed()
    {
        // A 240-byte name is valid, but its temporary name passed 255 bytes ("writer could not be opened" before).
        string input = Clip("tiny.mkv", "-f", "lavfi", "-i", "color=c=red:s=4x4:r=10:d=1", "-c:v", "ffv1");
        string ok = _dir.File(new string('a', 236) + ".mp4");
        var r = Video(input, ok);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(10, FfmpegDecode.VideoTimes(ok).Length);
        var tooLong = Video(input, _dir.File(new string('b', 256) + ".mp4"));
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("over the file system's limit of 255", tooLong.Stderr);
    }

    [Fact]
    public void AlphaIntoMp4_IsRefusedNamingContainersThatKeepIt()
    {
        string input = ClipWithSound("in.mp4", "25", 0.4);
        var r = Video(input, _dir.File("a.mp4"), "--effect", "alpha");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(".mp4 cannot hold a transparent background: use .mov (ProRes 4444)", r.Stderr);
    }

    [Fact]
    public void WithoutFfmpeg_OpenCvsWriterIsTheNamedFallback()
    {
        string input = ClipWithSound("in.mp4", "25", 0.4);
        string output = _dir.File("fallback.mp4");
        string runtime = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));
        var env = new Dictionary<string, string> { ["PATH"] = _dir.Path, ["DOTNET_ROOT"] = runtime };
        using var run = Cli.Start(env, "video", input, "-o", output, "--model", _model, "--device", "cpu");
        var r = run.WaitForExit();
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("via OpenCV (fallback: ffmpeg is not installed", r.Stdout);
        Assert.Equal("mpeg4", FfmpegDecode.Streams(output, "video").Single().GetProperty("codec_name").GetString());
    }

    [Fact]
    public void FfmpegKilledMidRun_Exit2_AndThePreviousOutputKept()
    {
        string input = Clip("long.mkv", "-f", "lavfi", "-i", "color=c=blue:s=320x240:r=25:d=120[bg];color=c=red:s=50x60:r=25[fg];[bg][fg]overlay=x='t*2':y=30:shortest=1[out0]", "-c:v", "ffv1");
        string output = _dir.File("kept.mp4");
        File.WriteAllText(output, "the previous output");
        using var run = Cli.StartHeld(1000, "video", input, "-o", output, "--model", _model, "--device", "cpu");
        run.WaitForLine(Progress.Started);
        var (code, _, _) = FfmpegDecode.Run("/usr/bin/pkill", "-KILL", "-f", $"liveseg-{run.Id}-");
        Assert.Equal(0, code);
        // The next frame written finds ffmpeg gone; if every frame before the hold was written already, the stop
        // closes the output and finds it then (a signal to a run that has ended already changes nothing).
        run.Signal("TERM");
        var r = run.WaitForExit();
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("ffmpeg stopped while writing", r.Stderr);
        Assert.True(r.Stderr.Contains("the previous 'kept.mp4' was kept unchanged", StringComparison.Ordinal), r.Stderr);
        Assert.Equal("the previous output", File.ReadAllText(output));
        Assert.Empty(Directory.GetFiles(_dir.Path, ".kept.mp4*"));
    }

    [Fact]
    public void Interrupted_LeavesAPlayableFile_WithItsSoundUpToTheLastFrame()
    {
        string input = Clip("long.mp4",
            "-f", "lavfi", "-i", "color=c=blue:s=320x240:r=25:d=120[bg];color=c=red:s=50x60:r=25[fg];[bg][fg]overlay=x='t*2':y=30:shortest=1[out0]",
            "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=120", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest");
        string output = _dir.File("part.mp4");
        using var run = Cli.StartHeld(1000, "video", input, "-o", output, "--model", _model, "--device", "cpu");
        run.WaitForLine(Progress.Started);
        run.Signal("INT");
        var r = run.WaitForExit();
        Assert.Equal(130, r.ExitCode);
        Assert.Contains("is playable", r.Stderr);
        double[] times = FfmpegDecode.VideoTimes(output);
        Assert.InRange(times.Length, 1, 1000);
        double videoEnd = times[^1] + 1 / 25.0;
        double audio = Seconds(FfmpegDecode.Streams(output, "audio").Single().GetProperty("duration").GetString()!);
        Assert.True(Math.Abs(audio - videoEnd) <= 1 / 25.0 + 0.025, $"sound lasts {audio:F3} s, the frames {videoEnd:F3} s");
        Assert.Equal(times.Length, FfmpegDecode.Frames(output).Count);
    }
}
