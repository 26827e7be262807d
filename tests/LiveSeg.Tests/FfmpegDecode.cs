using System.Diagnostics;
using System.Text.Json;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Reads written videos back through Debian's ffmpeg and ffprobe, as players do: colours converted with the matrix the
/// file is tagged with (OpenCV's decoder always uses BT.601), alpha kept, timestamps as the container holds them.
/// </summary>
public static class FfmpegDecode
{
    public static bool Available => File.Exists("/usr/bin/ffmpeg") && File.Exists("/usr/bin/ffprobe");

    /// <summary>Runs a program to completion; returns (exit code, stdout bytes, stderr).</summary>
    public static (int Code, byte[] Out, string Err) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        Assert.True(p.WaitForExit(120_000), $"{program} hung");
        return (p.ExitCode, ms.ToArray(), err.Result);
    }

    /// <summary>ffprobe's JSON of a file (streams, format; packets with <paramref name="packets"/>).</summary>
    public static JsonElement Probe(string path, bool packets = false)
    {
        var args = new List<string> { "-v", "error", "-of", "json", "-show_streams", "-show_format" };
        if (packets)
            args.AddRange(["-show_packets"]);
        args.Add(path);
        var (code, output, err) = Run("/usr/bin/ffprobe", [.. args]);
        Assert.True(code == 0, $"ffprobe {path}: {err}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>The streams of one kind ("video", "audio").</summary>
    public static List<JsonElement> Streams(string path, string kind) =>
        Probe(path).GetProperty("streams").EnumerateArray().Where(s => s.GetProperty("codec_type").GetString() == kind).ToList();

    /// <summary>The video packets' presentation times in seconds, sorted.</summary>
    public static double[] VideoTimes(string path)
    {
        var root = Probe(path, packets: true);
        int video = Streams(path, "video")[0].GetProperty("index").GetInt32();
        return root.GetProperty("packets").EnumerateArray()
            .Where(p => p.GetProperty("stream_index").GetInt32() == video && p.TryGetProperty("pts_time", out _))
            .Select(p => double.Parse(p.GetProperty("pts_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            .Order().ToArray();
    }

    /// <summary>Every frame of the file as 8-bit BGR (or BGRA with <paramref name="alpha"/>), colours by the file's tags.</summary>
    public static List<Mat> Frames(string path, bool alpha = false, string? decoder = null)
    {
        var v = Streams(path, "video")[0];
        int w = v.GetProperty("width").GetInt32(), h = v.GetProperty("height").GetInt32();
        var args = new List<string> { "-v", "error" };
        if (decoder is not null)
            args.AddRange(["-c:v", decoder]);
        args.AddRange(["-i", path, "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", alpha ? "bgra" : "bgr24", "-"]);
        var (code, output, err) = Run("/usr/bin/ffmpeg", [.. args]);
        Assert.True(code == 0, $"ffmpeg decode {path}: {err}");
        int channels = alpha ? 4 : 3, size = w * h * channels;
        var frames = new List<Mat>();
        for (int at = 0; at + size <= output.Length; at += size)
        {
            var m = new Mat(h, w, alpha ? MatType.CV_8UC4 : MatType.CV_8UC3);
            System.Runtime.InteropServices.Marshal.Copy(output, at, m.Data, size);
            frames.Add(m);
        }
        return frames;
    }
}
