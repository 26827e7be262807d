using LiveSeg.Capture;
using LiveSeg.People;
using LiveSeg.Rendering;

namespace LiveSeg.Live;

/// <summary>
/// Live mode's people (<c>--person</c>): the people stage on the inference thread right after segmentation, and the
/// click lock. A left click in the window (GL thread) → the point of the frame shown there (<see cref="WindowToFrame"/>:
/// the letterbox undone) → at the inference thread's next frame, the person under that point in the last frame's
/// instance map (<see cref="IdAt"/>) → <see cref="PeopleStage.Choice"/> = that person's id: the others become
/// background in the window, the recording and every output. <c>A</c> keeps everyone again. After each frame the
/// people in view are marked in the slot (<see cref="FrameSlot.People"/>) for the HUD's ids. Requests cross threads as
/// one reference (the newest wins); answers come back as a line for the HUD.
/// </summary>
internal sealed class LivePeople(PeopleSettings settings) : IDisposable
{
    /// <summary>A click this close to a person (mask pixels, either way) still picks them.</summary>
    public const int PickRadius = 2;

    private Request? _pending;
    private string? _answer;

    /// <summary>A click at (U, V), 0..1 of the frame, or (All) the A key.</summary>
    private sealed record Request(float U, float V, bool All);

    private CropBox _crop = CropBox.Full; // inference thread only

    public PeopleStage Stage { get; } = new(settings);

    /// <summary>GL thread: a left click at (<paramref name="x"/>, <paramref name="y"/>) of the framebuffer; false when it missed the picture.</summary>
    public bool Click(double x, double y, (int Width, int Height) framebuffer, int frameWidth, int frameHeight)
    {
        if (WindowToFrame(x, y, framebuffer.Width, framebuffer.Height, frameWidth, frameHeight) is not { } at)
            return false;
        Volatile.Write(ref _pending, new Request(at.U, at.V, All: false));
        return true;
    }

    /// <summary>GL thread: everyone is kept again (from the next frame).</summary>
    public void KeepAll() => Volatile.Write(ref _pending, new Request(0, 0, All: true));

    /// <summary>GL thread: what the last request did ("person 2 locked", "no person there"), once; null when nothing new.</summary>
    public string? TakeAnswer() => Interlocked.Exchange(ref _answer, null);

    /// <summary>Inference thread, after segmentation: applies a pending click or A, then detects, tracks, splits, filters and marks.</summary>
    public void Process(FrameSlot slot, OpenCvSharp.Mat? modelFrame)
    {
        if (Interlocked.Exchange(ref _pending, null) is { } request)
            Volatile.Write(ref _answer, Resolve(request));
        Stage.Process(slot, modelFrame);
        _crop = slot.Crop;
        Mark(slot);
    }

    /// <summary>A request against the last frame's instance map (the frame on screen, or the one after it).</summary>
    private string Resolve(Request request)
    {
        if (request.All)
        {
            Stage.Choice = PersonChoice.All;
            return "all people kept";
        }
        if (Stage.Split is not { } split)
            return "no people seen yet";
        var (u, v) = ShownToFrame(_crop, request.U, request.V);
        int id = IdAt(split.Labels, split.Width, split.Height, Stage.LabelIds, u, v);
        if (id == 0)
            return "no person there: click on a person (A: all people)";
        Stage.Choice = new PersonChoice(PersonChoiceKind.Ids, [id]);
        return $"person {id} locked: the others are background (A: all people)";
    }

    /// <summary>The people in view (tracked and seen at the last detection) and whether the mask keeps each.</summary>
    private void Mark(FrameSlot slot)
    {
        var choice = Stage.Choice;
        int n = 0;
        foreach (ref readonly var track in Stage.Tracker.Tracks)
        {
            if (!track.Visible || n == FrameSlot.MaxPeople)
                continue;
            var f = track.Box;
            slot.People[n++] = new PersonMark(track.Id, new CropBox(f.XMin, f.YMin, f.Width, f.Height), Stage.Keeps(choice, track.Id));
        }
        slot.PeopleCount = n;
    }

    /// <summary>
    /// A framebuffer point (pixels from the top-left corner) → the point of the frame shown there, 0..1 (x right, y down),
    /// as <see cref="GlCompositor.Present"/> draws it: scaled to fit with the aspect kept, centred. Null on the black bars.
    /// </summary>
    public static (float U, float V)? WindowToFrame(double x, double y, int windowWidth, int windowHeight, int frameWidth, int frameHeight)
    {
        var (lx, ly, lw, lh) = GlCompositor.Letterbox(frameWidth, frameHeight, windowWidth, windowHeight);
        // Letterbox counts from GL's bottom-left origin: the picture's top row is windowHeight - (ly + lh) from the top.
        double u = (x - lx) / lw, v = (y - (windowHeight - ly - lh)) / lh;
        return u is >= 0 and < 1 && v is >= 0 and < 1 ? ((float)u, (float)v) : null;
    }

    /// <summary>
    /// A point (<paramref name="u"/>, <paramref name="v"/>) of the picture in the window (0..1) → the point of the frame:
    /// the window shows <paramref name="crop"/> of it under auto-framing (<see cref="CropBox.Full"/> otherwise).
    /// </summary>
    public static (float U, float V) ShownToFrame(CropBox crop, float u, float v) => (crop.X + u * crop.W, crop.Y + v * crop.H);

    /// <summary>
    /// The person at (<paramref name="u"/>, <paramref name="v"/>) of an instance map (<paramref name="labels"/>, 0 = no
    /// person, k = <paramref name="labelIds"/>[k − 1]): the label there, or the nearest within <see cref="PickRadius"/>;
    /// 0 when there is none.
    /// </summary>
    public static int IdAt(ReadOnlySpan<byte> labels, int width, int height, ReadOnlySpan<int> labelIds, float u, float v)
    {
        int cx = Math.Clamp((int)(u * width), 0, width - 1), cy = Math.Clamp((int)(v * height), 0, height - 1);
        int best = 0, bestDistance = int.MaxValue;
        for (int y = Math.Max(0, cy - PickRadius); y <= Math.Min(height - 1, cy + PickRadius); y++)
        {
            for (int x = Math.Max(0, cx - PickRadius); x <= Math.Min(width - 1, cx + PickRadius); x++)
            {
                int label = labels[y * width + x], distance = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                if (label != 0 && distance < bestDistance)
                    (best, bestDistance) = (label, distance);
            }
        }
        return best == 0 || best > labelIds.Length ? 0 : labelIds[best - 1];
    }

    public void Dispose() => Stage.Dispose();
}
