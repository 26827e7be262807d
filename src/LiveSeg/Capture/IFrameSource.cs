using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>A source of BGR frames (video file, image sequence, camera). Open once, then <see cref="Read"/> per frame.</summary>
internal interface IFrameSource : IDisposable
{
    int Width { get; }

    int Height { get; }

    double Fps { get; }

    /// <summary>Frames the source announces (0 when unknown, as for a camera). May be approximate for some containers.</summary>
    int FrameCount { get; }

    /// <summary>Decodes the next frame into <paramref name="destination"/> (reused; reallocated only on a size change). False at the end.</summary>
    bool Read(Mat destination);

    /// <summary>When the frame last read is shown, in nanoseconds from the first frame (a file's own timestamps); -1 when the source has no clock of its own.</summary>
    long FrameTimeNs => -1;
}
