using LiveSeg.Capture;

namespace LiveSeg.People;

/// <summary>
/// Auto-framing's virtual camera: a crop of the frame, at the frame's aspect ratio, that keeps the chosen people centred
/// with their height <see cref="Size"/> of the crop's (or their width, for a group wider than tall). The crop follows
/// its target like a damped spring (critically damped, time constant <see cref="Settle"/> frames) whose acceleration
/// and speed are bounded (<see cref="MaxAccel"/>,
/// <see cref="MaxSpeed"/>, in shares of the frame per frame), so the picture never jumps or shakes; the crop always stays
/// inside the frame and never zooms in past <see cref="MinHeight"/> of it. With nobody in view it brakes (within the same
/// bound) and holds still.
/// </summary>
internal sealed class AutoFrameCamera
{
    public const float MinHeight = 0.25f;
    public const float MaxAccel = 0.002f;
    public const float MaxSpeed = 0.03f;
    public const float Settle = 12f;
    private float _cx = 0.5f, _cy = 0.5f, _h = 1f, _vx, _vy, _vh;
    private bool _started;

    /// <param name="size">the people's height as a share of the crop's (0.1..1)</param>
    public AutoFrameCamera(float size)
    {
        Size = Math.Clamp(size, 0.1f, 1f);
    }

    public float Size { get; }

    /// <summary>The crop now.</summary>
    public CropBox Crop => Clamp(_cx, _cy, _h);

    /// <summary>Forgets the motion (a new sequence): the next target is taken at once.</summary>
    public void Reset() => _started = false;

    /// <summary>
    /// One frame: moves towards the crop that frames <paramref name="people"/> (their bounding box in 0..1 of the frame;
    /// null when nobody is in view) and returns the crop.
    /// </summary>
    public CropBox Step(CropBox? people)
    {
        if (people is not { } p)
        {
            // Nobody in view: brake (no faster than the camera may accelerate) and then hold still.
            if (_started)
            {
                Brake(ref _cx, ref _vx);
                Brake(ref _cy, ref _vy);
                Brake(ref _h, ref _vh);
                return Keep(Crop);
            }
            return Crop;
        }
        // Tall enough for their height, and wide enough for a group side by side (the same share of the crop's width).
        float th = Math.Clamp(MathF.Max(p.H, p.W) / Size, MinHeight, 1f);
        var target = Clamp(p.X + p.W / 2, p.Y + p.H / 2, th);
        float tx = target.X + target.W / 2, ty = target.Y + target.H / 2;
        if (!_started)
        {
            (_cx, _cy, _h, _vx, _vy, _vh) = (tx, ty, th, 0, 0, 0);
            _started = true;
            return Crop;
        }
        Spring(ref _cx, ref _vx, tx);
        Spring(ref _cy, ref _vy, ty);
        Spring(ref _h, ref _vh, th);
        return Keep(Crop);
    }

    /// <summary>Takes the clamped crop as the camera's state, so that the camera does not push against an edge.</summary>
    private CropBox Keep(CropBox c)
    {
        _h = c.H;
        (_cx, _cy) = (c.X + c.W / 2, c.Y + c.H / 2);
        return c;
    }

    /// <summary>Slows down by at most <see cref="MaxAccel"/> a frame.</summary>
    private static void Brake(ref float x, ref float v)
    {
        v -= Math.Clamp(v, -MaxAccel, MaxAccel);
        x += v;
    }

    /// <summary>Critically damped spring step (dt = 1 frame) with bounded acceleration and speed.</summary>
    private static void Spring(ref float x, ref float v, float target)
    {
        const float w = 2f / Settle;
        float a = w * w * (target - x) - 2 * w * v;
        v += Math.Clamp(a, -MaxAccel, MaxAccel);
        v = Math.Clamp(v, -MaxSpeed, MaxSpeed);
        x += v;
    }

    /// <summary>The crop of height h (0..1 of the frame's) centred at (cx, cy), at the frame's aspect, moved inside the frame.</summary>
    private CropBox Clamp(float cx, float cy, float h)
    {
        h = Math.Clamp(h, MinHeight, 1f);
        float w = h; // equal shares of width and height keep the frame's aspect ratio
        float x = Math.Clamp(cx - w / 2, 0, 1 - w), y = Math.Clamp(cy - h / 2, 0, 1 - h);
        return new CropBox(x, y, w, h);
    }
}
