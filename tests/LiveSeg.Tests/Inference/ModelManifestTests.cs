using System.Text.Json;
using LiveSeg.Inference;

namespace LiveSeg.Tests;

public class ModelManifestTests
{
    private static ModelManifest Parse(string json) => ModelManifest.Parse(JsonDocument.Parse(json).RootElement, "m.json");

    [Fact]
    public void Parse_FullManifest_ReadsEveryField()
    {
        var m = Parse("""
            { "name": "pp", "input": { "name": "x", "width": 398, "height": 224, "layout": "nchw", "color": "bgr", "resize": "area",
              "scale": 0.5, "mean": [1, 2, 3], "std": 2 },
              "output": { "name": "y", "layout": "nhwc", "activation": "softmax", "channel": 1 } }
            """);
        Assert.Equal(("pp", "x", 398, 224, ColorOrder.Bgr, 0.5f), (m.Name, m.InputName, m.Width, m.Height, m.Color, m.Scale));
        Assert.Equal(ResizeMode.Area, m.Resize);
        Assert.Equal([1f, 2f, 3f], m.Mean);
        Assert.Equal([2f, 2f, 2f], m.Std);
        Assert.Equal(("y", TensorLayout.Nhwc, OutputActivation.Softmax, 1), (m.OutputName, m.OutputLayout, m.Activation, m.Channel));
    }

    [Theory]
    [InlineData("""{ "output": {} }""", "field 'input' is missing")]
    [InlineData("""{ "input": { "height": 2 }, "output": {} }""", "field 'width' must be a whole number from 1 to 8192")]
    [InlineData("""{ "input": { "width": 2, "height": 2, "color": "cmyk" }, "output": {} }""", "field 'color' must be one of: rgb, bgr")]
    [InlineData("""{ "input": { "width": 2, "height": 2, "mean": [1, 2] }, "output": {} }""", "field 'mean' must be a number or an array of 3")]
    [InlineData("""{ "input": { "width": 2, "height": 2, "std": 0 }, "output": {} }""", "field 'input.std' must not contain 0")]
    [InlineData("""{ "input": { "width": 2, "height": 2 }, "output": { "activation": "relu" } }""", "field 'activation' must be one of")]
    public void Parse_BadField_NamesManifestAndField(string json, string expected)
    {
        var e = Assert.Throws<LiveSegException>(() => Parse(json));
        Assert.Contains("model manifest 'm.json'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Load_NotJson_SaysSo()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.json"), "{ not json");
        var e = Assert.Throws<LiveSegException>(() => ModelManifest.Load(dir.File("bad.json")));
        Assert.Contains("is not valid JSON", e.Message);
    }
}
