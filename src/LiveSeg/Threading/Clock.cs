using System.Diagnostics;

namespace LiveSeg.Threading;

/// <summary>
/// Time for the stages that wait (pacing a file to its frame rate, retrying a lost camera once a second). Injected, so
/// tests run those paths on a fake clock that advances instantly instead of sleeping.
/// </summary>
internal interface IClock
{
    /// <summary>Now, in <see cref="Stopwatch"/> ticks (<see cref="Stopwatch.Frequency"/> per second).</summary>
    long Now { get; }

    /// <summary>Waits <paramref name="duration"/>, or less if <paramref name="cancel"/> fires.</summary>
    void Wait(TimeSpan duration, CancellationToken cancel);
}

/// <summary>The real clock.</summary>
internal sealed class SystemClock : IClock
{
    public static readonly SystemClock Instance = new();

    public long Now => Stopwatch.GetTimestamp();

    public void Wait(TimeSpan duration, CancellationToken cancel) => cancel.WaitHandle.WaitOne(duration);
}
