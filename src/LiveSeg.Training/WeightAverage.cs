using static TorchSharp.torch;

namespace LiveSeg.Training;

/// <summary>
/// An exponential moving average of a network's weights: after each optimiser step every parameter and floating-point
/// buffer (BatchNorm running mean and variance) of the average moves towards the trained network's by (1 − decay);
/// integer buffers (BatchNorm's batch counter) are copied. Both networks must have the same architecture.
/// </summary>
internal static class WeightAverage
{
    public static void CopyInto(SegmentationModel average, SegmentationModel source) => Blend(average, source, 0);

    public static void Update(SegmentationModel average, SegmentationModel source, double decay)
    {
        if (!(decay is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "the decay must be in [0, 1)");
        Blend(average, source, decay);
    }

    private static void Blend(SegmentationModel average, SegmentationModel source, double decay)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var from = source.state_dict();
        foreach (var (name, target) in average.state_dict())
        {
            var value = from[name];
            if (decay == 0 || !target.is_floating_point())
                target.copy_(value);
            else
                target.mul_(decay).add_(value, 1 - decay);
        }
    }
}
