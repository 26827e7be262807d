namespace LiveSeg.Effects;

/// <summary>
/// What an effect's <see cref="ReferencePass"/> reads of the CPU reference compositor (in Rendering/) for one
/// frame: its size and settings, the frame, the mask as mask.glsl samples it, and the background (replace).
/// </summary>
internal interface IReferenceInputs
{
    int Width { get; }

    int Height { get; }

    /// <summary>The compositor's settings (fixed while it lives).</summary>
    EffectSettings Settings { get; }

    /// <summary>The frame being composited: RGB floats 0..1, frame size x 3.</summary>
    float[] Frame { get; }

    /// <summary>mask.glsl matte: the feathered edge of blur and replace.</summary>
    float Matte(float m);

    /// <summary>mask.glsl maskAt: the mask in use, bilinear, pixel centres aligned, edges repeated; pos in frame pixel-centre coordinates.</summary>
    float MaskAt(float px, float py);

    /// <summary>mask.glsl maskNearest: the mask texel covering frame pixel (x, y).</summary>
    float MaskNearest(int x, int y);

    /// <summary>The background image (replace) at pixel (x, y), RGB 0..1.</summary>
    Rgb BackgroundAt(int x, int y);
}
