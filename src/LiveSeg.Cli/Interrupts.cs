using System.Runtime.InteropServices;

namespace LiveSeg.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl-C) or SIGTERM into <see cref="Token"/> (stop capturing, finish the frames in flight,
/// finalise the output) and the second into <see cref="Abort"/> (drop the frames in flight, finalise what was written).
/// A third signal terminates at once.
/// </summary>
internal sealed class Interrupts : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    public Interrupts()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>Cancelled by the second signal: stop now, keep what was written.</summary>
    public CancellationToken Abort => _abort.Token;

    private void Handle(PosixSignalContext context)
    {
        if (_abort.IsCancellationRequested)
            return; // third signal: default action (terminate)
        context.Cancel = true;
        Console.Error.WriteLine();
        if (_cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("liveseg: interrupted again: dropping the frames in flight and closing the output with the frames written (a third Ctrl-C kills at once)");
            _abort.Cancel();
            return;
        }
        Console.Error.WriteLine("liveseg: interrupted: finishing the frames in flight and closing the output (press Ctrl-C again to stop sooner)");
        _cts.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _cts.Dispose();
        _abort.Dispose();
    }
}
