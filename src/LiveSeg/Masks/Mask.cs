namespace LiveSeg.Masks;

/// <summary>What a <see cref="Mask"/>'s values mean.</summary>
internal enum MaskKind
{
    /// <summary>Foreground probability 0..1 (the model's output, smoothed or warped).</summary>
    Probability,

    /// <summary>Coverage 0..1 ready to composite with (a refined or thresholded mask).</summary>
    Alpha,

    /// <summary>A class index per texel, 0..<see cref="Mask.ClassCount"/> − 1, stored as float.</summary>
    ClassMap,
}

/// <summary>
/// A mask: <see cref="Width"/> x <see cref="Height"/> float values, row-major, top-left origin, in place of the loose
/// (float[] data, int width, int height) triple. Made once and reused frame after frame: <see cref="Resize"/> and
/// <see cref="CopyFrom"/> allocate only when the size changes (another model in live mode), so the per-frame path
/// allocates nothing. <see cref="Data"/> holds exactly Width x Height values.
/// </summary>
internal sealed class Mask
{
    public Mask(int width, int height, MaskKind kind = MaskKind.Probability, int classCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        if (kind != MaskKind.ClassMap && classCount != 1)
            throw new ArgumentException($"a {kind} mask has one class, not {classCount}", nameof(classCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        (Width, Height, Kind, ClassCount) = (width, height, kind, classCount);
        Data = width * height == 0 ? [] : new float[width * height];
    }

    /// <summary>A mask over existing values (no copy): <paramref name="data"/> must hold <paramref name="width"/> x <paramref name="height"/> values.</summary>
    public Mask(float[] data, int width, int height, MaskKind kind = MaskKind.Probability)
    {
        if (data.Length != width * height)
            throw new ArgumentException($"a {width}x{height} mask holds {width * height} values, not {data.Length}", nameof(data));
        (Data, Width, Height, Kind, ClassCount) = (data, width, height, kind, 1);
    }

    /// <summary>The values, Width x Height, row-major, row 0 = top.</summary>
    public float[] Data { get; private set; }

    public int Width { get; private set; }

    public int Height { get; private set; }

    public MaskKind Kind { get; private set; }

    /// <summary>Classes of a <see cref="MaskKind.ClassMap"/>; 1 for the other kinds.</summary>
    public int ClassCount { get; private set; }

    /// <summary>Width x Height.</summary>
    public int Length => Data.Length;

    public float this[int x, int y]
    {
        get => Data[y * Width + x];
        set => Data[y * Width + x] = value;
    }

    /// <summary>True when this mask is <paramref name="width"/> x <paramref name="height"/>.</summary>
    public bool IsSize(int width, int height) => width == Width && height == Height;

    /// <summary>
    /// Sizes the mask to <paramref name="width"/> x <paramref name="height"/>: reallocates (zeroed) only when the size
    /// changes, else keeps the values. True when it reallocated.
    /// </summary>
    public bool Resize(int width, int height)
    {
        if (IsSize(width, height))
            return false;
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        (Width, Height) = (width, height);
        Data = width * height == 0 ? [] : new float[width * height];
        return true;
    }

    /// <summary>Copies <paramref name="source"/>'s size, kind and values (allocates only when the size changes).</summary>
    public void CopyFrom(Mask source)
    {
        Resize(source.Width, source.Height);
        (Kind, ClassCount) = (source.Kind, source.ClassCount);
        source.Data.CopyTo(Data, 0);
    }

    /// <summary>Sets what the values mean (the data stays).</summary>
    public void SetKind(MaskKind kind, int classCount = 1)
    {
        if (kind != MaskKind.ClassMap && classCount != 1)
            throw new ArgumentException($"a {kind} mask has one class, not {classCount}", nameof(classCount));
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        (Kind, ClassCount) = (kind, classCount);
    }

    /// <summary>
    /// mask.glsl's bilinear sample of this mask at frame position (px, py) of a <paramref name="frameWidth"/> x
    /// <paramref name="frameHeight"/> frame: pixel centres aligned (as OpenCV INTER_LINEAR), edges repeated.
    /// </summary>
    public float SampleBilinear(int frameWidth, int frameHeight, float px, float py)
    {
        int mw = Width, mh = Height;
        float[] mask = Data;
        float srcX = px * ((float)mw / frameWidth) - 0.5f, srcY = py * ((float)mh / frameHeight) - 0.5f;
        float fx = MathF.Floor(srcX), fy = MathF.Floor(srcY);
        float wx = srcX - fx, wy = srcY - fy;
        int x0 = Math.Clamp((int)fx, 0, mw - 1), x1 = Math.Clamp((int)fx + 1, 0, mw - 1);
        int y0 = Math.Clamp((int)fy, 0, mh - 1), y1 = Math.Clamp((int)fy + 1, 0, mh - 1);
        float top = Mix(mask[y0 * mw + x0], mask[y0 * mw + x1], wx);
        float bottom = Mix(mask[y1 * mw + x0], mask[y1 * mw + x1], wx);
        return Mix(top, bottom, wy);
    }

    /// <summary>GLSL mix(x, y, a) = x·(1−a) + y·a.</summary>
    public static float Mix(float x, float y, float a) => x * (1 - a) + y * a;

    public override string ToString() => $"{Kind} mask {Width}x{Height}" + (Kind == MaskKind.ClassMap ? $", {ClassCount} classes" : "");
}
