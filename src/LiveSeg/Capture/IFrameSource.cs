using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>
/// A source of BGR frames (video file, image sequence, camera, network stream), opened by <see cref="FrameSources.Open"/>.
/// Open once, then <see cref="Read"/> per frame. What the stages do with a source follows from its capabilities
/// (<see cref="IsLive"/>, <see cref="Reconnects"/>, <see cref="TimestampsKnown"/>, <see cref="FrameRate"/>), never from its type.
/// </summary>
internal interface IFrameSource : IDisposable
{
    int Width { get; }

    int Height { get; }

    /// <summary>Frames a second: the container's, the camera's or the stream's (30 when none was given: <see cref="FrameRateGuessed"/>).</summary>
    double FrameRate { get; }

    /// <summary>True when the source gave no usable frame rate and 30 fps was assumed.</summary>
    bool FrameRateGuessed => false;

    /// <summary>Frames the source announces (0 when unknown, as for a camera or a stream). May be approximate for some containers.</summary>
    int FrameCount { get; }

    /// <summary>Decodes the next frame into <paramref name="destination"/> (reused; reallocated only on a size change). False at the end.</summary>
    bool Read(Mat destination);

    /// <summary>When the frame last read is shown, in nanoseconds from the first frame; meaningful only when <see cref="TimestampsKnown"/>.</summary>
    long FrameTimeNs => -1;

    /// <summary>Frames carry their own presentation times (<see cref="FrameTimeNs"/>): a video file, a stream; not an image sequence or a camera.</summary>
    bool TimestampsKnown => false;

    /// <summary>Frames arrive at the source's own pace (camera, stream): it cannot be paced, looped or rewound, and it may stop.</summary>
    bool IsLive => false;

    /// <summary>When it stops delivering, opening it again may bring it back (a camera plugged in again, a stream restarted).</summary>
    bool Reconnects => false;

    /// <summary>Goes back to the first frame without reopening; false when the source cannot (then reopen it to loop).</summary>
    bool Rewind() => false;

    /// <summary>Makes a <see cref="Read"/> blocked in another thread return false (a stream's pipe); any thread may call it.</summary>
    void Cancel()
    {
    }
}
