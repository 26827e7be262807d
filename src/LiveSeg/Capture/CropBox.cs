namespace LiveSeg.Capture;

/// <summary>A crop of the frame in 0..1 units (x right, y down): left, top, width, height.</summary>
internal readonly record struct CropBox(float X, float Y, float W, float H)
{
    public static readonly CropBox Full = new(0, 0, 1, 1);
}
