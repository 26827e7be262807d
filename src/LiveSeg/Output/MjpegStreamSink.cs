using System.Diagnostics;
using System.Net;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// The MJPEG stream as an output (<c>liveseg live --serve HOST:PORT</c>): its own thread encodes the newest composited
/// frame to JPEG once (off the GL thread; at most <c>maxFps</c> a second), and <see cref="MjpegServer"/> sends it to
/// every client.
/// </summary>
internal sealed class MjpegStreamSink : LatestFrameSink
{
    private readonly LatestJpeg _latest = new();
    private readonly JpegEncoder _encoder;
    private readonly long _minInterval;
    private long _nextDue;

    public MjpegStreamSink(IPEndPoint endpoint, int quality, int maxFps, Func<string> status) : base("liveseg-jpeg")
    {
        Server = new MjpegServer(endpoint, _latest, status); // first: the usual failure (port in use) leaves nothing open
        _encoder = new JpegEncoder(quality);
        _minInterval = maxFps > 0 ? Stopwatch.Frequency / maxFps : 0;
    }

    public MjpegServer Server { get; }

    public override string Name => $"stream {Server.Url}";

    /// <summary>Frames not encoded because of the frame-rate cap (not counted as drops).</summary>
    public long Skipped { get; private set; }

    protected override bool Consume(Mat frame, long captureTimestamp)
    {
        if (_minInterval > 0 && !Due(Stopwatch.GetTimestamp()))
        {
            Skipped++;
            return false;
        }
        _latest.Publish(_encoder.Encode(frame), captureTimestamp);
        return true;
    }

    /// <summary>
    /// Frames go out on a grid of 1/maxFps with a quarter period of slack (so capture jitter does not skip every other
    /// frame); after a pause longer than a period the grid starts again from now (no burst of catching-up frames).
    /// </summary>
    private bool Due(long now)
    {
        if (now < _nextDue - _minInterval / 4)
            return false;
        _nextDue = now - _nextDue > _minInterval ? now + _minInterval : _nextDue + _minInterval;
        return true;
    }

    public override void Dispose()
    {
        Server.Dispose();
        base.Dispose();
        _encoder.Dispose();
    }
}
