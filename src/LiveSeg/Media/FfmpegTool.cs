using System.Diagnostics;
using System.Text;

namespace LiveSeg.Media;

/// <summary>
/// Debian's <c>ffmpeg</c> and <c>ffprobe</c> programs (installed by scripts/install-deps), found on PATH: the media layer
/// that encodes and muxes LiveSeg's videos (H.264, VP9, ProRes, …, with the input's sound and timing). Null paths when
/// missing: then the video writer falls back to OpenCV's, and says so.
/// </summary>
internal static class FfmpegTool
{
    /// <summary>The ffmpeg program, or null when it is not on PATH.</summary>
    public static string? Ffmpeg => FindOnPath("ffmpeg");

    /// <summary>The ffprobe program, or null when it is not on PATH.</summary>
    public static string? Ffprobe => FindOnPath("ffprobe");

    /// <summary>Both programs are there.</summary>
    public static bool Available => Ffmpeg is not null && Ffprobe is not null;

    /// <summary>util-linux's setsid: runs the encoder in a session of its own, so a Ctrl-C meant for LiveSeg does not stop it before the frames in flight are written.</summary>
    public static string? Setsid => FindOnPath("setsid");

    public static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>A finished short run of a program: exit code (-1 when it did not finish in time), standard output and error.</summary>
    public readonly record struct Result(int ExitCode, string Output, string Error)
    {
        /// <summary>The last non-empty line of standard error: FFmpeg's reason for failing.</summary>
        public string LastErrorLine => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
    }

    /// <summary>Runs <paramref name="program"/> to completion (short jobs: probes and checks), killing it after <paramref name="timeout"/>.</summary>
    public static Result Run(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        using var p = Process.Start(Piped(program, args)) ?? throw new InvalidOperationException($"{program} did not start");
        p.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (!p.WaitForExit(timeout))
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
            p.WaitForExit();
            return new Result(-1, stdout.ToString(), stderr.ToString());
        }
        p.WaitForExit(); // drains the asynchronous readers
        lock (stdout)
        lock (stderr)
            return new Result(p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>How LiveSeg starts ffmpeg and ffprobe: all three standard streams piped, <paramref name="args"/> after the program.</summary>
    public static ProcessStartInfo Piped(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The first line of <c>ffmpeg -version</c> ("ffmpeg version 5.1.6-0+deb12u1 …"), or null.</summary>
    public static string? Version()
    {
        if (Ffmpeg is not { } ffmpeg)
            return null;
        var r = Run(ffmpeg, ["-hide_banner", "-version"], TimeSpan.FromSeconds(10));
        return r.ExitCode == 0 ? r.Output.Split('\n')[0].Split(" Copyright", 2)[0].Trim() : null;
    }

    /// <summary>The video encoders this ffmpeg was built with (names such as libx264, h264_nvenc), from <c>ffmpeg -encoders</c>.</summary>
    public static IReadOnlySet<string> BuiltEncoders()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (Ffmpeg is not { } ffmpeg)
            return names;
        var r = Run(ffmpeg, ["-hide_banner", "-encoders"], TimeSpan.FromSeconds(10));
        foreach (string line in r.Output.Split('\n'))
        {
            string[] cols = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length >= 2 && cols[0].Length == 6 && cols[0][0] is 'V' or 'A' or 'S')
                names.Add(cols[1]);
        }
        return names;
    }
}
