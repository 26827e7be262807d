using LiveSeg.Capture;
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
/// <para>Under auto-framing every output gets the crop the window shows (the mask's frame's <see cref="FrameSlot.Crop"/>),
/// applied once to the read-back frame by <see cref="CropStage"/> (as <c>video --autoframe</c> crops: the input's size,
/// bilinear; timed as <see cref="Stage.Crop"/>) before it is offered: the sinks, the recording included, never see the
/// whole frame. Without a crop the read-back frame goes out as it is.</para>
/// </summary>
internal sealed class OutputSinks : IDisposable
{
    private readonly GL _gl;
    private readonly int _width;
    private readonly int _height;
    private readonly Mat _frame = new();
    private readonly CropStage _crop = new();
    private ReadbackStage? _readback;
    private CropBox _pendingCrop = CropBox.Full;
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

    /// <summary>
    /// A newly composited frame: its read-back starts (collected by <see cref="Collect"/> after the swap); the outputs
    /// will get <paramref name="crop"/> of it (auto-framing: the crop the window shows; <see cref="CropBox.Full"/> otherwise).
    /// </summary>
    public void Start(RenderTarget target, CropBox crop, long captureTimestamp, int frameIndex, RecordingSink? recording, ref FrameTiming timing)
    {
        if (Sinks.Count == 0 && recording is null)
            return;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _readback ??= new ReadbackStage(_gl, _width, _height, depth: 1);
        if (_readback.Pending > 0)
            Collect(ref timing);
        _readback.Start(target);
        (_pendingCrop, _pendingTimestamp, _pendingIndex, _pendingRecording) = (crop, captureTimestamp, frameIndex, recording);
        timing.Add(Stage.Readback, start);
    }

    /// <summary>
    /// Finishes the read-back, crops it (auto-framing) and offers the frame to the sinks (and to the recording it was
    /// started for).
    /// </summary>
    public void Collect(ref FrameTiming timing)
    {
        if (_readback is null || _readback.Pending == 0)
            return;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        _readback.Finish(_frame);
        timing.Add(Stage.Readback, start);
        Mat frame = _crop.Apply(_frame, _pendingCrop, ref timing);
        start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int i = 0; i < Sinks.Count; i++)
            Sinks[i].Offer(frame, _pendingTimestamp);
        _pendingRecording?.Offer(frame, _pendingTimestamp, _pendingIndex);
        _pendingRecording = null;
        timing.Add(Stage.Readback, start);
    }

    public void Dispose()
    {
        foreach (var sink in Sinks)
            sink.Dispose();
        _readback?.Dispose();
        _crop.Dispose();
        _frame.Dispose();
    }
}
