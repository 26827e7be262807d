using LiveSeg.Capture;
using LiveSeg.People;

namespace LiveSeg.Tests;

/// <summary>
/// Auto-framing's virtual camera on a generated path of the framed people's box: it walks, jumps across the frame,
/// leaves it (nobody in view), comes back on the other side, grows and shrinks. The crop stays inside the frame at
/// the frame's aspect, its centre and size move with speed ≤ <see cref="AutoFrameCamera.MaxSpeed"/> and acceleration
/// ≤ <see cref="AutoFrameCamera.MaxAccel"/> per axis, it holds still while nobody is in view, and it ends up framing
/// the people at the asked size.
/// </summary>
public class AutoFrameCameraTests
{
    private const float Eps = 1e-5f;

    /// <summary>The people's box at frame t of the path (null: nobody in view).</summary>
    private static CropBox? Path(int t) => t switch
    {
        < 60 => new CropBox(0.2f + 0.003f * t, 0.3f, 0.12f, 0.5f),       // walking right
        < 120 => new CropBox(0.75f, 0.35f, 0.12f, 0.5f),                  // jumped to the right
        < 135 => new CropBox(0.93f, 0.15f, 0.07f, 0.3f),                  // half out at the right edge, nearer
        < 200 => null,                                                     // gone while the camera still moves
        < 260 => new CropBox(0.0f, 0.4f, 0.1f, 0.45f),                    // back, at the left edge
        < 320 => new CropBox(0.3f, 0.05f, 0.3f, 0.9f),                    // close to the camera: tall
        _ => new CropBox(0.6f, 0.6f, 0.05f, 0.15f),                        // far away: small, low
    };

    [Fact]
    public void GeneratedPath_CropInsideFrame_MotionBounded_HoldsWhileNobodyIsInView()
    {
        var camera = new AutoFrameCamera(0.6f);
        var crops = new List<CropBox>();
        for (int t = 0; t < 420; t++)
            crops.Add(camera.Step(Path(t)));
        for (int t = 0; t < crops.Count; t++)
        {
            var c = crops[t];
            Assert.True(c.X >= -Eps && c.Y >= -Eps && c.X + c.W <= 1 + Eps && c.Y + c.H <= 1 + Eps, $"frame {t}: crop {c} leaves the frame");
            Assert.Equal(c.W, c.H, 5); // the frame's aspect ratio (shares of width and height are equal)
            Assert.InRange(c.H, AutoFrameCamera.MinHeight - Eps, 1 + Eps);
        }
        float Cx(int t) => crops[t].X + crops[t].W / 2;
        float Cy(int t) => crops[t].Y + crops[t].H / 2;
        float H(int t) => crops[t].H;
        foreach (var (name, f) in new (string, Func<int, float>)[] { ("centre x", Cx), ("centre y", Cy), ("size", H) })
        {
            for (int t = 1; t < crops.Count; t++)
            {
                float v = f(t) - f(t - 1);
                Assert.True(MathF.Abs(v) <= AutoFrameCamera.MaxSpeed + Eps, $"{name} moves {v:F4} a frame at frame {t} (> {AutoFrameCamera.MaxSpeed})");
                if (t >= 2)
                {
                    float a = f(t) - 2 * f(t - 1) + f(t - 2);
                    Assert.True(MathF.Abs(a) <= AutoFrameCamera.MaxAccel + Eps, $"{name} accelerates {a:F5} a frame² at frame {t} (> {AutoFrameCamera.MaxAccel})");
                }
            }
        }
        // Nobody in view (135..199): after braking (at most MaxSpeed / MaxAccel frames) the crop stands still.
        Assert.NotEqual(crops[133], crops[134]); // (it was moving when they left)
        int braked = 135 + (int)MathF.Ceiling(AutoFrameCamera.MaxSpeed / AutoFrameCamera.MaxAccel) + 1;
        for (int t = braked; t < 200; t++)
            Assert.Equal(crops[braked], crops[t]);
        // It does follow: at the end of each still stretch the people are framed, centred as far as the frame allows.
        AssertFrames(crops[119], Path(119)!.Value);
        AssertFrames(crops[419], Path(419)!.Value);
    }

    [Fact]
    public void NobodyEverInView_HoldsTheWholeFrame()
    {
        var camera = new AutoFrameCamera(0.6f);
        for (int t = 0; t < 30; t++)
            Assert.Equal(CropBox.Full, camera.Step(null));
    }

    [Fact]
    public void Reset_TakesTheNextTargetAtOnce()
    {
        var camera = new AutoFrameCamera(0.5f);
        camera.Step(new CropBox(0.1f, 0.1f, 0.1f, 0.2f));
        camera.Reset();
        var c = camera.Step(new CropBox(0.6f, 0.5f, 0.1f, 0.2f));
        Assert.Equal(0.4f, c.H, 4);  // 0.2 / 0.5
        Assert.Equal(0.65f, c.X + c.W / 2, 4);
        Assert.Equal(0.6f, c.Y + c.H / 2, 4);
    }

    /// <summary>The crop is the people's height / size high (within the zoom limits) and centred on them, or against the frame's edge.</summary>
    private static void AssertFrames(CropBox crop, CropBox people)
    {
        float h = Math.Clamp(people.H / 0.6f, AutoFrameCamera.MinHeight, 1f);
        Assert.InRange(crop.H, h - 0.005f, h + 0.005f);
        float cx = Math.Clamp(people.X + people.W / 2, h / 2, 1 - h / 2), cy = Math.Clamp(people.Y + people.H / 2, h / 2, 1 - h / 2);
        Assert.InRange(crop.X + crop.W / 2, cx - 0.005f, cx + 0.005f);
        Assert.InRange(crop.Y + crop.H / 2, cy - 0.005f, cy + 0.005f);
    }
}
