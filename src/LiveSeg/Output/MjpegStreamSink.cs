using System.Diagnostics;
using System.Net;
using OpenCvSharp;

namespace LiveSeg.Output;

/// <summary>
/// The MJPEG stream as an output (<c>liveseg live --serve HOST:PORT</c>): its own thread encodes the newest composited
/// frame to JPEG once (off the GL thread; at most <c>maxFps</c> a second), and <see cref="MjpegServer"/> sends it to
/// every client.
/// </summary>
public sealed class MjpegStreamSink : LatestFrameSink
{
    private readonly JpegEncoder _encoder;
    private readonly LatestJpeg _latest = new();
    private readonly long _minInterval;
    private long _nextDue;

    public MjpegStreamSink(IPEndPoint endpoint, int quality, int maxFps, Func<string> status) : base("liveseg-jpeg")
    {
        _encoder = new JpegEncoder(quality);
        _minInterval = maxFps > 0 ? Stopwatch.Frequency / maxFps : 0;
        Server = new MjpegServer(endpoint, _latest, status);
    }

    public MjpegServer Server { get; }

    public override string Name => $"stream {Server.Url}";

    /// <summary>Frames not encoded because of the frame-rate cap (not counted as drops).</summary>
    public long Skipped { get; private set; }

    protected override void Consume(Mat frame, long captureTimestamp)
    {
        if (_minInterval > 0)
        {
            // Frames due on a grid of 1/maxFps, with half a period of slack so jitter does not skip every other frame.
            long now = Stopwatch.GetTimestamp();
            if (now < _nextDue - _minInterval / 2)
            {
                Skipped++;
                return;
            }
            _nextDue = Math.Max(_nextDue + _minInterval, now);
        }
        _latest.Publish(_encoder.Encode(frame), captureTimestamp);
    }

    public override void Dispose()
    {
        Server.Dispose();
        base.Dispose();
        _encoder.Dispose();
    }
}
