using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// The pixelate effect's look, beyond parity (CompositorTests and CpuRendererTests hold its three paths to each other):
/// the background in blocks of one colour each, the mean of the block's sample grid; the person untouched; the
/// person's colour kept out of the blocks beside it; and the command line end to end.
/// </summary>
[Slow]
public sealed class PixelateEffectTests : IDisposable
{
    private const int W = 64, H = 48, Block = 8;
    private readonly TempDir _dir = new();

    /// <summary>A noisy frame; the mask 1 (person) at x ≥ 32, 0 elsewhere, at the frame's size (exact at pixel centres).</summary>
    private static (Mat Output, Mat Frame) Render(bool simd)
    {
        var settings = new EffectSettings { Effect = EffectKind.Pixelate, BlockSize = Block, Refine = RefineKind.Off };
        using var fast = new FastCpuCompositor(W, H, W, H, settings, threads: 2, useSimd: simd);
        using var slot = new FrameSlot(W, H);
        using (var frame = CompositorTests.Pattern(W, H, seed: 3))
            frame.CopyTo(slot.Image);
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < W; x++)
                slot.Mask.Data[y * W + x] = x >= 32 ? 1 : 0;
        }
        fast.Submit(slot);
        fast.Complete(slot);
        return (slot.Output.Clone(), slot.Image.Clone());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Background_IsBlocksOfOneColour_TheMeanOfTheirSamples_PersonIsTheFrame(bool simd)
    {
        var (output, frame) = Render(simd);
        using (output)
        using (frame)
        {
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    Vec3b o = output.At<Vec3b>(y, x);
                    if (x >= 32)
                        Assert.Equal(frame.At<Vec3b>(y, x), o); // the person: the frame itself
                    else
                        Assert.Equal(output.At<Vec3b>(y / Block * Block, x / Block * Block), o); // one colour per block
                }
            }
            // Block (0, 0): every sample weighs the same (background), so its colour is the plain mean of the frame at
            // the 4x4 grid of pixels 1, 3, 5, 7 (floor((2i + 1) · 8 / 8)).
            for (int c = 0; c < 3; c++)
            {
                double sum = 0;
                foreach (int sy in new[] { 1, 3, 5, 7 })
                {
                    foreach (int sx in new[] { 1, 3, 5, 7 })
                        sum += frame.At<Vec3b>(sy, sx)[c];
                }
                Assert.InRange(output.At<Vec3b>(0, 0)[c], sum / 16 - 1, sum / 16 + 1);
            }
            // The noise is gone from the background: its pixels differ from the frame's.
            using var diff = new Mat();
            Cv2.Absdiff(output[new Rect(0, 0, 32, H)], frame[new Rect(0, 0, 32, H)], diff);
            Assert.True(Cv2.Mean(diff).Val1 > 30, $"the background still looks like the frame (mean difference {Cv2.Mean(diff).Val1:0.0})");
        }
    }

    [Fact]
    public void Video_Pixelate_WritesBlocksAroundASharpPerson_AndThePersonsColourStaysOutOfThem()
    {
        const int width = 160, height = 120;
        string input = _dir.File("input.mkv");
        Synthetic.WriteVideo(input, 4, width, height, 12);
        string model = Synthetic.ColorKeyModel(_dir);
        Directory.CreateDirectory(_dir.File("out"));
        var r = Cli.Run("video", input, "-o", _dir.File("out/%05d.png"), "--model", model, "--effect", "pixelate", "--block", "8",
            "--smooth", "0", "--refine", "off", "--frames", "2");
        Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
        string first = Directory.GetFiles(_dir.File("out"), "*.png").Order(StringComparer.Ordinal).First();
        using var frame = Cv2.ImRead(first);
        Assert.Equal((width, height), (frame.Width, frame.Height));
        Rect sq = Synthetic.SquareAt(0, width, height);
        Vec3b inside = frame.At<Vec3b>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2), outside = frame.At<Vec3b>(3, 3);
        Assert.True(inside.Item2 > 240 && inside.Item0 < 15, $"the square (person) stays red, got {inside}");
        Assert.True(outside.Item0 > 240 && outside.Item2 < 15, $"the background stays blue, got {outside}");
        // The block left of the square holds red samples, weighted down by the mask: it stays blue, not purple.
        Vec3b beside = frame.At<Vec3b>(sq.Y + sq.Height / 2, sq.X - 3);
        Assert.True(beside.Item0 > 200 && beside.Item2 < 60, $"the person's red leaked into the block beside it: {beside}");
    }

    public void Dispose() => _dir.Dispose();
}
