using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Metrics;
using LiveSeg.Motion;

namespace LiveSeg.Live;

/// <summary>Whether live mode warps an older mask to the newer frame it is drawn over (<c>--motion-comp</c>).</summary>
internal enum MotionCompMode
{
    /// <summary>On in latest-wins mode (where a mask is drawn over a newer frame), off with --sync; off for the rest of the session if it proves too slow.</summary>
    Auto,
    On,
    Off,
}

internal static class MotionCompModes
{
    public static MotionCompMode Parse(string value) =>
        Enum.TryParse(value, ignoreCase: true, out MotionCompMode m) && Enum.IsDefined(m) && !int.TryParse(value, out _)
            ? m
            : Throw.User<MotionCompMode>($"unknown motion compensation '{value}': use auto, on or off.");
}

/// <summary>
/// Live mode's motion compensation, the GL thread's part: when the shown frame is newer than the mask's frame (same run
/// of frames), the motion between them (<see cref="LumaPyramid"/> of each, built once per frame; <see cref="BlockMatcher"/>,
/// once per pair) as a <see cref="MotionField"/> for the compositor's warp. Also the mask's age when drawn
/// (<see cref="Ages"/>). Auto turns itself off, for the session, when its mean cost over the first
/// <see cref="ProbeFrames"/> warps exceeds a quarter of the source's frame period. Made once; a frame allocates nothing.
/// </summary>
internal sealed class MotionComp(MotionCompMode mode, bool sync, int width, int height, double sourceFps)
{
    /// <summary>Warps over which auto measures its cost before deciding to stay on.</summary>
    public const int ProbeFrames = 30;

    private readonly LumaPyramid _shown = new(width, height);
    private readonly LumaPyramid _maskFrame = new(width, height);
    private readonly MotionField _field = new(width, height);
    private readonly BlockMatcher _matcher = new(MotionField.GridWidthFor(width), MotionField.GridHeightFor(height));
    private bool _on = mode == MotionCompMode.On || (mode == MotionCompMode.Auto && !sync);
    private int _fieldFrame = -1, _fieldMask = -1, _fieldSequence = -1;
    private long _probeTicks;
    private int _probes;

    /// <summary>The mask's age when drawn (frames, ms), per newly shown frame.</summary>
    public MaskAgeStats Ages { get; } = new();

    public bool On => _on;

    /// <summary>For the header line and the HUD.</summary>
    public string Describe() => (mode, _on) switch
    {
        (MotionCompMode.Off, _) => "motion comp off",
        (MotionCompMode.On, _) => "motion comp on",
        (_, true) => "motion comp on (auto: latest wins)",
        (_, false) when sync => "motion comp off (auto: --sync draws each frame with its own mask)",
        _ => "motion comp off (auto: it cost more than a quarter of a frame here)",
    };

    /// <summary>
    /// The field that brings <paramref name="result"/>'s mask to <paramref name="shown"/>, or null when there is
    /// nothing to warp (same frame, another run of frames, or off). Adds its time to <paramref name="timing"/>'s
    /// <see cref="Stage.Motion"/>; with <paramref name="newlyShown"/> records the mask's age.
    /// </summary>
    public MotionField? For(FrameSlot shown, FrameSlot result, bool newlyShown, ref FrameTiming timing)
    {
        bool sameRun = shown.Sequence == result.Sequence;
        int age = sameRun ? Math.Max(0, shown.Index - result.Index) : 0;
        if (newlyShown)
            Ages.Add(age, sameRun ? Math.Max(0, shown.TimestampNs - result.TimestampNs) / 1e6 : 0);
        if (!_on || age == 0)
            return null;
        if (_fieldFrame == shown.Index && _fieldMask == result.Index && _fieldSequence == shown.Sequence)
            return _field; // a redraw of the same pair (HUD, key): the field is already made
        long t = Stopwatch.GetTimestamp();
        if (!_shown.Holds(shown.Index, shown.Sequence))
            _shown.Build(shown.Image, shown.Index, shown.Sequence);
        // The mask's frame: the steadiness meter built its luma on the inference thread; else it is built here.
        LumaPyramid older = result.Luma is { } built && built.Holds(result.Index, result.Sequence) && built.FrameWidth == width ? built : _maskFrame;
        if (older == _maskFrame && !_maskFrame.Holds(result.Index, result.Sequence))
            _maskFrame.Build(result.Image, result.Index, result.Sequence);
        _matcher.Estimate(_shown, older, _field);
        _field.Age = age;
        (_fieldFrame, _fieldMask, _fieldSequence) = (shown.Index, result.Index, shown.Sequence);
        long spent = timing.Add(Stage.Motion, t) - t;
        if (mode == MotionCompMode.Auto && _probes < ProbeFrames)
        {
            _probeTicks += spent;
            if (++_probes == ProbeFrames && sourceFps > 0 && StageInfo.TicksToMs(_probeTicks) / ProbeFrames > 250.0 / sourceFps)
                _on = false;
        }
        return _field;
    }
}
