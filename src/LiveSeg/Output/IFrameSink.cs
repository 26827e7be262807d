using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// Where live mode's composited frames go besides the window: a recording, the MJPEG stream, a virtual camera. The GL
/// thread offers each new frame once (BGR, frame size, read back once for every sink by <see cref="OutputSinks"/>); a
/// sink copies what it needs and does its work on its own thread, so a slow sink never stalls the game loop.
/// </summary>
internal interface IFrameSink : IDisposable
{
    /// <summary>What and where, for the header and summary lines ("stream http://127.0.0.1:8080/").</summary>
    string Name { get; }

    /// <summary>A new composited frame (GL thread). Copies and returns at once; never blocks.</summary>
    void Offer(Mat frame, long captureTimestamp);

    /// <summary>Frames the sink finished with (served, written).</summary>
    long Delivered { get; }

    /// <summary>Frames offered but replaced or skipped before the sink could take them (it was busy).</summary>
    long Dropped { get; }

    /// <summary>Why the sink stopped working, or null. The live loop ends with this error.</summary>
    Exception? Failure { get; }
}
