using LiveSeg.Threading;

namespace LiveSeg.Output;

/// <summary>
/// Limits of the stream server (docs/cli.md, "Live mode's outputs"). A connection is <em>pending</em> until it has sent a
/// complete request head; only then does it count against the stream cap or the page reserve.
/// </summary>
internal sealed record MjpegServerOptions
{
    /// <summary>Clients of /stream.mjpg at once, in all.</summary>
    public int MaxStreams { get; init; } = 128;

    /// <summary>Clients of /stream.mjpg at once from one address.</summary>
    public int MaxStreamsPerAddress { get; init; } = 16;

    /// <summary>Other answers (/, /stats.json, /frame.jpg, errors) being sent at once: their own reserve, apart from the streams.</summary>
    public int PageReserve { get; init; } = 16;

    /// <summary>Pending connections kept, in all; a new one beyond this closes the oldest.</summary>
    public int MaxPending { get; init; } = 256;

    /// <summary>Pending connections kept from one address; a new one beyond this closes that address's oldest.</summary>
    public int MaxPendingPerAddress { get; init; } = 32;

    /// <summary>A connection that has not sent a complete request head within this is closed.</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A send (a frame, a page) that does not complete within this closes its connection.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the deadlines are checked.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The clock deadlines are measured on (tests inject a fake one).</summary>
    public IClock Clock { get; init; } = SystemClock.Instance;
}
