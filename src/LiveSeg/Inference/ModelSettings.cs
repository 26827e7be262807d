namespace LiveSeg.Inference;

/// <summary>Which model runs where: the model, the execution provider asked for, ONNX Runtime's intra-op threads (0 = its default).</summary>
internal sealed record ModelSettings(ModelSpec Model, DeviceChoice Device = DeviceChoice.Auto, int Threads = 0)
{
    /// <summary>The same device and threads with another model (live mode's model swap).</summary>
    public ModelSettings With(ModelSpec model) => this with { Model = model };
}
