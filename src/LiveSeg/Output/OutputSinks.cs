using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;
using Silk.NET.OpenGL;

namespace LiveSeg.Output;

/// <summary>
/// Live mode's outputs beside the window (GL thread): each newly shown composited frame is read back once — started
/// into a pixel buffer object as soon as it is composited (<see cref="Start"/>), collected after the swap
/// (<see cref="Collect"/>), so a GPU copies it while the window is drawn — and offered to every sink: the stream, the
/// virtual camera, and the recording while one runs. Nothing is read back when no sink is there.
/// </summary>
internal sealed class OutputSinks : IDisposable
{
    private readonly GL _gl;
    private readonly int _width;
    private readonly int _height;
    private readonly Mat _frame = new();
    private ReadbackStage? _readback;
    private long _pendingTimestamp;
    private int _pendingIndex;
    private RecordingSink? _pendingRecording;

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

    /// <summary>A newly composited frame: its read-back starts (collected by <see cref="Collect"/> after the swap).</summary>
    public void Start(RenderTarget target, long captureTimestamp, int frameIndex, RecordingSink? recording, ref FrameTiming timing)
    {
        if (Sinks.Count == 0 && recording is null)
            return;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _readback ??= new ReadbackStage(_gl, _width, _height, depth: 1);
        if (_readback.Pending > 0)
            Collect(ref timing);
        _readback.Start(target);
        (_pendingTimestamp, _pendingIndex, _pendingRecording) = (captureTimestamp, frameIndex, recording);
        timing.Add(Stage.Readback, start);
    }

    /// <summary>Finishes the read-back and offers the frame to the sinks (and to the recording it was started for).</summary>
    public void Collect(ref FrameTiming timing)
    {
        if (_readback is null || _readback.Pending == 0)
            return;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _readback.Finish(_frame);
        for (int i = 0; i < Sinks.Count; i++)
            Sinks[i].Offer(_frame, _pendingTimestamp);
        _pendingRecording?.Offer(_frame, _pendingTimestamp, _pendingIndex);
        _pendingRecording = null;
        timing.Add(Stage.Readback, start);
    }

    public void Dispose()
    {
        foreach (var sink in Sinks)
            sink.Dispose();
        _readback?.Dispose();
        _frame.Dispose();
    }
}
