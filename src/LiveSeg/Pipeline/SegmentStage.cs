using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;

namespace LiveSeg.Pipeline;

/// <summary>
/// The segment stage of both compositions: preprocess → infer → postprocess (<see cref="OnnxSegmenter"/>) → temporal
/// smoothing, timed into the slot. Runs on one thread (the inference thread); model swaps, smoothing changes and resets
/// may be asked for from any thread and take effect at the next frame. The smoother starts afresh on a new model and on
/// a new sequence of frames (a file looped, a camera reconnected: <see cref="FrameSlot.Sequence"/>).
/// </summary>
internal sealed class SegmentStage : IDisposable
{
    private readonly ModelSettings _settings;
    private OnnxSegmenter _segmenter;
    private TemporalSmoother _smoother;
    private ModelSpec? _pendingModel;
    private volatile float _smoothing;
    private volatile bool _resetRequested;
    private int _sequence = -1;

    public SegmentStage(ModelSettings model, MaskSettings mask)
    {
        _settings = model;
        _smoothing = mask.Smoothing;
        _segmenter = new OnnxSegmenter(model.Model, model.Device, model.Threads);
        _smoother = new TemporalSmoother(_segmenter.MaskWidth * _segmenter.MaskHeight, _smoothing);
    }

    /// <summary>The running segmenter (swapped by <see cref="SwapModel"/> on the inference thread).</summary>
    public OnnxSegmenter Segmenter => Volatile.Read(ref _segmenter);

    public int MaskWidth => Segmenter.MaskWidth;

    public int MaskHeight => Segmenter.MaskHeight;

    /// <summary>Temporal smoothing weight, 0..0.98 (live mode's +/- changes it).</summary>
    public float Smoothing
    {
        get => _smoothing;
        set => _smoothing = Math.Clamp(value, 0f, MaskSettings.MaxSmoothing);
    }

    /// <summary>Frames whose smoothing history was dropped (new sequence, new model, reset): for tests and the HUD.</summary>
    public int Resets { get; private set; }

    /// <summary>The last segmented frame at the model's input size (BGR; valid until the next <see cref="Segment"/>).</summary>
    public OpenCvSharp.Mat? ModelFrame => _segmenter.ModelFrame;

    /// <summary>Loads <paramref name="model"/> (same device and threads) before the next frame.</summary>
    public void SwapModel(ModelSpec model) => Volatile.Write(ref _pendingModel, model);

    /// <summary>Forgets the smoothing history before the next frame.</summary>
    public void Reset() => _resetRequested = true;

    /// <summary>Segments <paramref name="slot"/>'s image into its mask (sized to the model), smoothed; adds the stage times.</summary>
    public void Segment(FrameSlot slot)
    {
        if (Interlocked.Exchange(ref _pendingModel, null) is { } model)
            Load(model);
        if (_resetRequested || slot.Sequence != _sequence)
        {
            _sequence = slot.Sequence;
            _resetRequested = false;
            _smoother.Reset();
            Resets++;
        }
        OnnxSegmenter segmenter = _segmenter;
        segmenter.Segment(slot.Image, slot.ImageArray, slot.Mask, ref slot.Timing); // sizes the mask to the model
        long t = Stopwatch.GetTimestamp();
        _smoother.Keep = _smoothing;
        _smoother.Apply(slot.Mask, slot.Image);
        slot.Timing.Add(Stage.Postprocess, t);
    }

    private void Load(ModelSpec model)
    {
        var next = new OnnxSegmenter(model, _settings.Device, _settings.Threads);
        var old = Interlocked.Exchange(ref _segmenter, next);
        old.Dispose();
        if (_smoother.Length != next.MaskWidth * next.MaskHeight)
            _smoother = new TemporalSmoother(next.MaskWidth * next.MaskHeight, _smoothing);
        _smoother.Reset();
        Resets++;
    }

    public void Dispose() => _segmenter.Dispose();
}
