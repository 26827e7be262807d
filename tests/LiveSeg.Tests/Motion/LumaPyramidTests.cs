using LiveSeg.Motion;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The block matcher's luma pyramid against its definition, computed the slow way.</summary>
public class LumaPyramidTests
{
    [Theory]
    [InlineData(320, 240)]
    [InlineData(643, 487)] // neither side a multiple of 4 or 8: the rows and columns past the last whole footprint are unused
    public void Levels_AreTheMeansOfTheirFootprints(int width, int height)
    {
        using var frame = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(frame, new Scalar(0, 0, 0), new Scalar(256, 256, 256));
        var pyramid = new LumaPyramid(width, height);
        pyramid.Build(frame, index: 7, sequence: 2);

        var fine = pyramid.Fine;
        Assert.Equal((width / 4, height / 4), (fine.Width, fine.Height));
        for (int y = 0; y < fine.Height; y++)
        {
            for (int x = 0; x < fine.Width; x++)
            {
                int sum = 0;
                for (int r = 0; r < 4; r++)
                {
                    for (int c = 0; c < 4; c++)
                    {
                        Vec3b p = frame.At<Vec3b>(4 * y + r, 4 * x + c);
                        sum += 29 * p.Item0 + 150 * p.Item1 + 77 * p.Item2;
                    }
                }
                Assert.Equal((byte)((sum + 2048) >> 12), fine.Pixels[fine.Offset(x, y)]);
            }
        }
        var coarse = pyramid.Coarse;
        for (int y = 0; y < coarse.Height; y++)
        {
            for (int x = 0; x < coarse.Width; x++)
            {
                int sum = fine.Pixels[fine.Offset(2 * x, 2 * y)] + fine.Pixels[fine.Offset(2 * x + 1, 2 * y)]
                    + fine.Pixels[fine.Offset(2 * x, 2 * y + 1)] + fine.Pixels[fine.Offset(2 * x + 1, 2 * y + 1)];
                Assert.Equal((byte)((sum + 2) >> 2), coarse.Pixels[coarse.Offset(x, y)]);
            }
        }
        // The border repeats the edge.
        Assert.Equal(fine.Pixels[fine.Offset(0, 0)], fine.Pixels[fine.Offset(-LumaPyramid.Pad, -LumaPyramid.Pad)]);
        Assert.Equal(fine.Pixels[fine.Offset(fine.Width - 1, fine.Height - 1)], fine.Pixels[fine.Offset(fine.Width + 3, fine.Height + 5)]);
        Assert.True(pyramid.Holds(7, 2));
    }
}
