using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;

namespace LiveSeg.People;

/// <summary>Settings of the people stage: which people to keep, the detector, and how often it runs.</summary>
/// <param name="DetectorPath">the converted detector (.onnx)</param>
/// <param name="DetectEvery">run the face detector on every Nth frame (1..30); the tracker predicts in between</param>
/// <param name="HiddenFrames">how long a person may stay hidden and keep their id (frames: a second of video)</param>
/// <param name="AutoFrame">auto-framing: the kept people's height as a share of the output (0.1..1); 0: off</param>
internal sealed record PeopleSettings(PersonChoice Choice, FaceModelSpec Detector, string DetectorPath, int DetectEvery = 5, int HiddenFrames = 30,
    float AutoFrame = 0);

/// <summary>
/// The people stage, after segmentation on the inference thread: faces (every <see cref="PeopleSettings.DetectEvery"/>
/// frames) → tracked people with stable ids → the person mask split into instances → the mask keeps only the chosen
/// people (the others become background: every effect, the matte and alpha output follow). Contract: the slot's
/// BGR image and its float mask (model size) in, the same mask filtered in place; timed as <see cref="Stage.People"/>.
/// Buffers are made once (again only when the mask size changes, on a model swap).
/// </summary>
internal sealed unsafe class PeopleStage : IDisposable
{
    private readonly PeopleSettings _settings;
    private readonly FaceDetector _detector;
    private readonly PersonTracker _tracker;
    private readonly FaceDetection[] _found = new FaceDetection[PersonTracker.MaxTracks];
    private readonly PersonSeed[] _seeds = new PersonSeed[PersonTracker.MaxTracks];
    private readonly int[] _seedIds = new int[PersonTracker.MaxTracks];
    private readonly int[] _area = new int[PersonTracker.MaxTracks + 1];
    private readonly bool[] _keep = new bool[PersonTracker.MaxTracks + 1];
    private readonly AutoFrameCamera? _camera;
    private InstanceSplit? _split;
    // The frame at the mask's size (BGR), the colours of the people's remembered shapes, when the segmenter's own
    // (its input, bilinear) is not at the mask's size.
    private Mat? _small;
    private OutputArray? _smallOut;
    private int _sequence = -1;
    private long _frame;
    private volatile PersonChoice _choice;

    public PeopleStage(PeopleSettings settings)
    {
        _settings = settings;
        _choice = settings.Choice;
        _detector = new FaceDetector(settings.DetectorPath, settings.Detector, DeviceChoice.Cpu, threads: 1);
        _tracker = new PersonTracker(settings.HiddenFrames);
        if (settings.AutoFrame > 0)
            _camera = new AutoFrameCamera(settings.AutoFrame);
    }

    /// <summary>Which people are kept (live mode's click and A change it; takes effect at the next frame).</summary>
    public PersonChoice Choice
    {
        get => _choice;
        set
        {
            _choice = value;
            LockedId = 0;
        }
    }

    /// <summary>The id largest/center/left/right locked on (0: none yet).</summary>
    public int LockedId { get; private set; }

    public PersonTracker Tracker => _tracker;

    /// <summary>The instance map of the last frame (labels 1..n) and the person id of each label (valid until the next frame).</summary>
    public InstanceSplit? Split => _split;

    public ReadOnlySpan<int> LabelIds => _seedIds;

    /// <summary>
    /// Detects (or predicts), tracks, splits and filters the slot's mask. <paramref name="modelFrame"/>: the frame the
    /// segmenter saw (BGR at its input size, <see cref="OnnxSegmenter.ModelFrame"/>): at the mask's size, the colours
    /// of the people's shapes are taken from it (no second resize of the frame); otherwise the stage resizes the frame.
    /// </summary>
    public void Process(FrameSlot slot, Mat? modelFrame = null)
    {
        long t = Stopwatch.GetTimestamp();
        if (slot.Sequence != _sequence)
        {
            _sequence = slot.Sequence;
            _tracker.Reset();
            _frame = 0;
            LockedId = 0;
            _camera?.Reset();
            _split?.Forget();
        }
        bool detecting = _frame % _settings.DetectEvery == 0;
        if (detecting)
        {
            int n = _detector.Detect(slot.Image, slot.ImageArray, _found);
            _tracker.Update(_frame, _found.AsSpan(0, n));
        }
        else
        {
            _tracker.Predict(_frame);
        }
        _frame++;
        if (_split is null || !slot.Mask.IsSize(_split.Width, _split.Height))
        {
            _split = new InstanceSplit(slot.Mask.Width, slot.Mask.Height);
            DisposeColours();
        }
        var colours = Colours(slot, modelFrame);
        // Every tracked person is a seed: a seen face seeds its pixels; a hidden or missed face keeps its person's
        // previous region (the split's memory), so their body neither joins a neighbour nor vanishes.
        int seeds = 0;
        foreach (ref readonly var track in _tracker.Tracks)
        {
            _seeds[seeds] = new PersonSeed(track.Id, track.Box, track.Visible, track.Vx, track.Vy, detecting && track.LastSeen == _frame - 1);
            _seedIds[seeds++] = track.Id;
        }
        Array.Clear(_seedIds, seeds, _seedIds.Length - seeds);
        _split.Next(slot.Mask, _seeds.AsSpan(0, seeds), colours);
        for (int k = 0; k < seeds; k++)
        {
            if (_split.FoundByBody(k, out var found))
                _tracker.FoundByBody(_seedIds[k], found);
        }
        CountAreas(seeds);
        var choice = _choice;
        if (!choice.KeepsEveryone)
            Filter(slot.Mask, seeds, choice);
        if (_camera is not null)
            slot.Crop = _camera.Step(KeptBox(slot.Mask, _split.Labels, seeds, choice.KeepsEveryone));
        slot.Timing.Add(Stage.People, t);
    }

    /// <summary>Whether <paramref name="choice"/> keeps person <paramref name="id"/> now (a one-person choice: the id locked on).</summary>
    public bool Keeps(PersonChoice choice, int id) => choice.Kind switch
    {
        PersonChoiceKind.All => true,
        PersonChoiceKind.Ids => Array.IndexOf(choice.Ids, id) >= 0,
        _ => id == LockedId,
    };

    /// <summary>Zeroes the mask wherever the pixel's person is not kept.</summary>
    private void Filter(Mask kept, int seeds, PersonChoice choice)
    {
        float[] mask = kept.Data;
        byte[] labels = _split!.Labels;
        Array.Clear(_keep);
        // The lock follows the id through occlusion: while the tracker still knows the person (tracked, or lost but
        // remembered), nobody else is kept; only a forgotten person's lock moves on.
        if (choice.Kind != PersonChoiceKind.Ids && (LockedId == 0 || !_tracker.Knows(LockedId)))
            LockedId = Pick(choice.Kind, seeds);
        for (int k = 0; k < seeds; k++)
            _keep[k + 1] = Keeps(choice, _seedIds[k]);
        for (int p = 0; p < mask.Length; p++)
        {
            if (!_keep[labels[p]])
                mask[p] = 0;
        }
    }

    /// <summary>
    /// Each instance's area; a person whose face is not seen but whose body is (at least <see cref="MinBodyShare"/> of
    /// the mask) stays tracked (a person walking behind another keeps their id while any of them shows).
    /// </summary>
    private void CountAreas(int seeds)
    {
        byte[] labels = _split!.Labels;
        Array.Clear(_area);
        for (int p = 0; p < labels.Length; p++)
            _area[labels[p]]++;
        int min = (int)(MinBodyShare * labels.Length);
        for (int k = 0; k < seeds; k++)
        {
            if (!_seeds[k].FaceSeen && _area[k + 1] >= min)
                _tracker.BodySeen(_seedIds[k], _frame - 1);
        }
    }

    /// <summary>The smallest body (share of the mask's pixels) that keeps a person with a hidden face tracked.</summary>
    public const float MinBodyShare = 0.003f;

    /// <summary>
    /// The bounding box (0..1) of the kept people — their mask (≥ 0.5, on a person's instance: a stray blob that is
    /// nobody's does not move the camera) and their faces (seen now: a small person's mask may miss the head) — or null when
    /// nobody is kept.
    /// </summary>
    private CropBox? KeptBox(Mask kept, byte[] labels, int seeds, bool everyone)
    {
        float[] mask = kept.Data;
        int w = kept.Width, h = kept.Height;
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (mask[y * w + x] < 0.5f || labels[y * w + x] == 0)
                    continue;
                x0 = Math.Min(x0, x);
                x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y);
                y1 = Math.Max(y1, y);
            }
        }
        float left = (float)x0 / w, top = (float)y0 / h, right = (float)(x1 + 1) / w, bottom = (float)(y1 + 1) / h;
        bool any = x1 >= 0;
        for (int k = 0; k < seeds; k++)
        {
            if ((!everyone && !_keep[k + 1]) || !_seeds[k].FaceSeen)
                continue; // a hidden face's box is only a prediction: their body (in the mask) frames them
            var f = _seeds[k].Face;
            (left, top) = (MathF.Min(left, Math.Clamp(f.XMin, 0, 1)), MathF.Min(top, Math.Clamp(f.YMin, 0, 1)));
            (right, bottom) = any ? (MathF.Max(right, Math.Clamp(f.XMax, 0, 1)), MathF.Max(bottom, Math.Clamp(f.YMax, 0, 1))) : (Math.Clamp(f.XMax, 0, 1), Math.Clamp(f.YMax, 0, 1));
            any = true;
        }
        return any ? new CropBox(left, top, right - left, bottom - top) : null;
    }

    /// <summary>The visible person a one-person choice means now (0: nobody visible).</summary>
    private int Pick(PersonChoiceKind kind, int seeds)
    {
        int best = -1;
        float bestValue = float.NegativeInfinity;
        for (int k = 0; k < seeds; k++)
        {
            if (_area[k + 1] == 0)
                continue; // tracked but not in the picture now
            float cx = _seeds[k].Face.CentreX;
            float value = kind switch
            {
                PersonChoiceKind.Largest => _area[k + 1],
                PersonChoiceKind.Center => -MathF.Abs(cx - 0.5f),
                PersonChoiceKind.Left => -cx,
                _ => cx,
            };
            if (value > bestValue)
                (best, bestValue) = (k, value);
        }
        return best < 0 ? 0 : _seedIds[best];
    }

    /// <summary>The frame's colours at the mask's size: the segmenter's input frame when it is that size, else the frame resized here (bilinear, as the segmenter does).</summary>
    private ReadOnlySpan<byte> Colours(FrameSlot slot, Mat? modelFrame)
    {
        int w = _split!.Width, h = _split.Height;
        Mat? frame = modelFrame is { } m && m.Width == w && m.Height == h && m.Type() == MatType.CV_8UC3 && m.IsContinuous() ? m : null;
        if (frame is null)
        {
            _small ??= new Mat(h, w, MatType.CV_8UC3);
            _smallOut ??= OutputArray.Create(_small);
            NativeCv.Resize(slot.ImageArray, _smallOut, new Size(w, h), InterpolationFlags.Linear);
            frame = _small;
        }
        return new ReadOnlySpan<byte>(frame.DataPointer, 3 * w * h);
    }

    private void DisposeColours()
    {
        _smallOut?.Dispose();
        _small?.Dispose();
        (_small, _smallOut) = (null, null);
    }

    public void Dispose()
    {
        _detector.Dispose();
        DisposeColours();
    }
}
