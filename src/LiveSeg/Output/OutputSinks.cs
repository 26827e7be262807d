using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Output;

/// <summary>
/// Live mode's outputs beside the window (GL thread): each newly shown composited frame is read back once, through a
/// ring of pixel buffer objects one frame behind (<see cref="ReadbackStage"/>, so the loop never waits for the GPU),
/// and offered to every sink — the stream, the virtual camera, and the recording while one runs. Nothing is read back
/// when no sink is there.
/// </summary>
public sealed class OutputSinks : IDisposable
{
    private readonly GL _gl;
    private readonly int _width;
    private readonly int _height;
    private readonly Mat _frame = new();
    private ReadbackStage? _readback;
    private long _pendingTimestamp;

    public OutputSinks(GL gl, int width, int height, IReadOnlyList<IFrameSink> sinks)
    {
        (_gl, _width, _height) = (gl, width, height);
        Sinks = sinks;
    }

    /// <summary>The sinks that run the whole session (not the recording, which R starts and stops).</summary>
    public IReadOnlyList<IFrameSink> Sinks { get; }

    /// <summary>The first sink that failed, if any (the loop ends with its error).</summary>
    public Exception? Failure
    {
        get
        {
            for (int i = 0; i < Sinks.Count; i++)
            {
                if (Sinks[i].Failure is { } failure)
                    return failure;
            }
            return null;
        }
    }

    /// <summary>A newly shown frame: the previous one (read back by now) goes to the sinks, this one's read-back starts.</summary>
    public void Submit(RenderTarget target, long captureTimestamp, IFrameSink? recording)
    {
        if (Sinks.Count == 0 && recording is null)
        {
            Flush(null);
            return;
        }
        _readback ??= new ReadbackStage(_gl, _width, _height, depth: 2);
        if (_readback.Pending > 0)
            Flush(recording);
        _readback.Start(target);
        _pendingTimestamp = captureTimestamp;
    }

    /// <summary>Hands the frame still being read back to the sinks (at the end, and before a recording stops).</summary>
    public void Flush(IFrameSink? recording)
    {
        if (_readback is null || _readback.Pending == 0)
            return;
        _readback.Finish(_frame);
        for (int i = 0; i < Sinks.Count; i++)
            Sinks[i].Offer(_frame, _pendingTimestamp);
        recording?.Offer(_frame, _pendingTimestamp);
    }

    public void Dispose()
    {
        foreach (var sink in Sinks)
            sink.Dispose();
        _readback?.Dispose();
        _frame.Dispose();
    }
}
