namespace LiveSeg.Inference;

/// <summary>Which model runs where: the model, the execution provider asked for, ONNX Runtime's intra-op threads (0 = its default).</summary>
public sealed record ModelSettings(ModelSpec Model, DeviceChoice Device = DeviceChoice.Auto, int Threads = 0)
{
    /// <summary>The same device and threads with another model (live mode's model swap).</summary>
    public ModelSettings With(ModelSpec model) => this with { Model = model };
}

/// <summary>What happens to the model's mask before rendering: temporal smoothing (weight of the previous mask, 0 = off).</summary>
public readonly record struct MaskSettings()
{
    public float Smoothing { get; init; } = 0.3f;

    public const float MaxSmoothing = 0.95f;

    public MaskSettings Validated()
    {
        if (Smoothing is < 0f or > MaxSmoothing || float.IsNaN(Smoothing))
            Throw.User($"--smooth {Smoothing} is out of range: use 0 (off) to {MaxSmoothing}.");
        return this;
    }
}
