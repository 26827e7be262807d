using LiveSeg.Masks;

namespace LiveSeg.Tests;

public class BinaryMaskTests
{
    [Fact]
    public void KeepLargestFilled_DropsSmallRegionsAndFillsHoles()
    {
        using var mask = new OpenCvSharp.Mat(40, 60, OpenCvSharp.MatType.CV_8UC1, OpenCvSharp.Scalar.Black);
        OpenCvSharp.Cv2.Rectangle(mask, new OpenCvSharp.Rect(5, 5, 30, 30), OpenCvSharp.Scalar.White, -1);   // the lesion
        OpenCvSharp.Cv2.Rectangle(mask, new OpenCvSharp.Rect(15, 15, 6, 6), OpenCvSharp.Scalar.Black, -1);   // a hole in it
        OpenCvSharp.Cv2.Rectangle(mask, new OpenCvSharp.Rect(45, 10, 5, 5), OpenCvSharp.Scalar.White, -1);   // a speck
        BinaryMask.KeepLargestFilled(mask);
        Assert.Equal(30 * 30, OpenCvSharp.Cv2.CountNonZero(mask));
        Assert.Equal(255, mask.At<byte>(17, 17));
        Assert.Equal(0, mask.At<byte>(12, 47));
    }

    [Fact]
    public void Manifest_ReadsKebabCaseCleanup()
    {
        var m = LiveSeg.Inference.ModelManifest.Parse(System.Text.Json.JsonDocument.Parse(
            """{ "input": { "width": 2, "height": 2 }, "output": { "cleanup": "largest-component" } }""").RootElement, "m.json");
        Assert.Equal(LiveSeg.Masks.MaskCleanup.LargestComponent, m.Cleanup);
        var e = Assert.Throws<LiveSegException>(() => LiveSeg.Inference.ModelManifest.Parse(System.Text.Json.JsonDocument.Parse(
            """{ "input": { "width": 2, "height": 2 }, "output": { "cleanup": "erode" } }""").RootElement, "m.json"));
        Assert.Contains("must be one of: none, largest-component", e.Message);
    }
}
