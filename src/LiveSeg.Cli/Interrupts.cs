using System.Runtime.InteropServices;

namespace LiveSeg.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl-C) or SIGTERM into a cancellation, so a run stops capturing, finishes the frames in
/// flight and finalises its output. A second signal terminates at once.
/// </summary>
public sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    public Interrupts()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested)
            return; // second signal: default action (terminate)
        context.Cancel = true;
        Console.Error.WriteLine();
        Console.Error.WriteLine("liveseg: interrupted: finishing the frames in flight and closing the output (press Ctrl-C again to abort at once)");
        _cts.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cts.Dispose();
    }
}
