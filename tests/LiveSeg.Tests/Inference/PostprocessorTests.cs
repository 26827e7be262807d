using LiveSeg.Inference;
using LiveSeg.Masks;

namespace LiveSeg.Tests;

public class PostprocessorTests
{
    private static ModelManifest M(OutputActivation a, int channel = 0, TensorLayout layout = TensorLayout.Nchw) =>
        new() { Width = 2, Height = 1, Activation = a, Channel = channel, OutputLayout = layout };

    [Fact]
    public void Postprocess_Sigmoid_MatchesFormula()
    {
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.Sigmoid), 1, 1, 2).Run([0f, 2f], target);
        Assert.Equal(0.5f, mask[0], 6);
        Assert.Equal(1f / (1f + MathF.Exp(-2f)), mask[1], 6);
    }

    [Fact]
    public void Postprocess_SoftmaxChannel1Nchw_MatchesFormula()
    {
        // 2 channels x 2 pixels, NCHW: channel 0 = [1, 0], channel 1 = [1, 3]
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.Softmax, channel: 1), 2, 1, 2).Run([1f, 0f, 1f, 3f], target);
        Assert.Equal(0.5f, mask[0], 6);
        Assert.Equal(MathF.Exp(3) / (MathF.Exp(3) + 1), mask[1], 6);
    }

    [Fact]
    public void Postprocess_SoftmaxNhwc_ReadsInterleavedChannels()
    {
        // NHWC: pixel 0 = (c0 1, c1 1), pixel 1 = (c0 0, c1 3)
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.Softmax, 1, TensorLayout.Nhwc), 2, 1, 2).Run([1f, 1f, 0f, 3f], target);
        Assert.Equal(0.5f, mask[0], 6);
        Assert.Equal(MathF.Exp(3) / (MathF.Exp(3) + 1), mask[1], 6);
    }

    [Fact]
    public void Postprocess_NoneClampsAndArgmaxPicksLargest()
    {
        var target = new Mask(2, 1);
        float[] mask = target.Data;
        new Postprocessor(M(OutputActivation.None), 1, 1, 2).Run([-0.5f, 1.5f], target);
        Assert.Equal([0f, 1f], mask);
        new Postprocessor(M(OutputActivation.Argmax, channel: 1), 2, 1, 2).Run([0.2f, 0.9f, 0.8f, 0.1f], target);
        Assert.Equal([1f, 0f], mask);
    }
}
