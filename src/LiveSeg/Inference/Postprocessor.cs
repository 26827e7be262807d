namespace LiveSeg.Inference;

/// <summary>
/// Model output tensor → foreground probability mask (float 0..1, output height x width, row-major, top-left origin),
/// applying the manifest's activation to its foreground channel.
/// </summary>
internal sealed class Postprocessor(ModelManifest manifest, int channels, int height, int width)
{
    public int Width => width;

    public int Height => height;

    public int Channels => channels;

    public void Run(ReadOnlySpan<float> output, Span<float> mask)
    {
        int plane = width * height;
        int fg = manifest.Channel;
        // Element (pixel i, channel c) sits at c*plane+i (NCHW) or i*channels+c (NHWC).
        int pixelStride = manifest.OutputLayout == TensorLayout.Nchw ? 1 : channels;
        int channelStride = manifest.OutputLayout == TensorLayout.Nchw ? plane : 1;
        switch (manifest.Activation)
        {
            case OutputActivation.None:
                for (int i = 0; i < plane; i++)
                    mask[i] = Math.Clamp(output[i * pixelStride + fg * channelStride], 0f, 1f);
                break;
            case OutputActivation.Sigmoid:
                for (int i = 0; i < plane; i++)
                    mask[i] = 1f / (1f + MathF.Exp(-output[i * pixelStride + fg * channelStride]));
                break;
            case OutputActivation.Softmax:
                for (int i = 0; i < plane; i++)
                {
                    int b = i * pixelStride;
                    float max = float.NegativeInfinity;
                    for (int c = 0; c < channels; c++)
                        max = MathF.Max(max, output[b + c * channelStride]);
                    float sum = 0f;
                    for (int c = 0; c < channels; c++)
                        sum += MathF.Exp(output[b + c * channelStride] - max);
                    mask[i] = MathF.Exp(output[b + fg * channelStride] - max) / sum;
                }
                break;
            case OutputActivation.Argmax:
                for (int i = 0; i < plane; i++)
                {
                    int b = i * pixelStride;
                    float v = output[b + fg * channelStride];
                    bool best = true;
                    for (int c = 0; c < channels && best; c++)
                        best = c == fg || output[b + c * channelStride] < v;
                    mask[i] = best ? 1f : 0f;
                }
                break;
        }
    }
}
