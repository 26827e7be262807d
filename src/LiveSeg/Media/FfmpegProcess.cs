using System.Diagnostics;

namespace LiveSeg.Media;

/// <summary>
/// A long-running <c>ffmpeg</c> child with its standard streams piped: the encoder writes frames to its input
/// (<see cref="FfmpegEncoder"/>), a network source reads frames from its output (<see cref="MatroskaFrameReader"/>).
/// It runs in a session of its own (setsid, where there is one), so a Ctrl-C meant for LiveSeg does not reach it:
/// LiveSeg decides when it ends. The last lines of its standard error are kept, to say why it stopped.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _errors = new();

    /// <param name="args">ffmpeg's arguments (after the program).</param>
    /// <param name="readsOutput">The caller reads <see cref="Output"/>; false: whatever ffmpeg writes there is drained and dropped.</param>
    public FfmpegProcess(IReadOnlyList<string> args, bool readsOutput)
    {
        string ffmpeg = FfmpegTool.Ffmpeg ?? throw new InvalidOperationException("ffmpeg is missing");
        string? setsid = FfmpegTool.Setsid;
        var psi = setsid is null ? FfmpegTool.Piped(ffmpeg, args) : FfmpegTool.Piped(setsid, [ffmpeg, .. args]);
        _process = new Process { StartInfo = psi };
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        if (!readsOutput)
            _process.OutputDataReceived += (_, _) => { };
        _process.Start();
        _process.BeginErrorReadLine();
        if (!readsOutput)
            _process.BeginOutputReadLine();
    }

    /// <summary>ffmpeg's standard input (the encoder writes its frames there).</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>ffmpeg's standard output (a reader takes its frames from there).</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public void WaitForExit() => _process.WaitForExit();

    public bool WaitForExit(int milliseconds) => _process.WaitForExit(milliseconds);

    /// <summary>Stops ffmpeg at once (and what it started); nothing when it has already ended.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>Why ffmpeg stopped, in a few words: its last error line, else how it ended. Waits for it to end.</summary>
    public string Reason()
    {
        _process.WaitForExit();
        return LastError() is { Length: > 0 } line ? EncoderChoice.Shorten(line)
            : _process.ExitCode > 128 || _process.ExitCode < 0 ? $"it was killed (exit {_process.ExitCode})" : $"exit {_process.ExitCode}, no message";
    }

    /// <summary>The last non-empty line ffmpeg wrote to its standard error, or null.</summary>
    public string? LastError()
    {
        lock (_errors)
            return _errors.LastOrDefault();
    }

    private void Remember(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return;
        lock (_errors)
        {
            _errors.Enqueue(line);
            if (_errors.Count > 20)
                _errors.Dequeue();
        }
    }

    /// <summary>Waits for ffmpeg to end (kill it first to abandon it) and frees the process.</summary>
    public void Dispose()
    {
        _process.WaitForExit();
        _process.Dispose();
    }
}
