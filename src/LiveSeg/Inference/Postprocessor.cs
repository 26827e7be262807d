using LiveSeg.Masks;

namespace LiveSeg.Inference;

/// <summary>
/// Model output tensor → foreground probability mask (float 0..1, output height x width, row-major, top-left origin),
/// applying the manifest's activation to its foreground channel. The rule for non-finite outputs, the same for
/// video, live, image and eval: a pixel whose foreground value (for softmax, any channel) is NaN or ±Inf is background
/// (0), and the first such pixel of a model is reported once (<see cref="OutputWarnings"/>).
/// </summary>
internal sealed class Postprocessor(ModelManifest manifest, int channels, int height, int width)
{
    public int Width => width;

    public int Height => height;

    public int Channels => channels;

    /// <summary>Pixels so far whose model output was NaN or infinite (each set to 0).</summary>
    public long NonFinitePixels { get; private set; }

    /// <summary>The mask of <paramref name="output"/> into <paramref name="target"/>, sized to the output first if it is not (a probability mask).</summary>
    public void Run(ReadOnlySpan<float> output, Mask target)
    {
        target.Resize(width, height);
        target.SetKind(MaskKind.Probability);
        Span<float> mask = target.Data;
        int plane = width * height;
        int fg = manifest.Channel;
        // Element (pixel i, channel c) sits at c*plane+i (NCHW) or i*channels+c (NHWC).
        int pixelStride = manifest.OutputLayout == TensorLayout.Nchw ? 1 : channels;
        int channelStride = manifest.OutputLayout == TensorLayout.Nchw ? plane : 1;
        long nonFinite = 0;
        switch (manifest.Activation)
        {
            case OutputActivation.None:
                for (int i = 0; i < plane; i++)
                {
                    float x = output[i * pixelStride + fg * channelStride];
                    mask[i] = float.IsFinite(x) ? Math.Clamp(x, 0f, 1f) : NonFinite(ref nonFinite);
                }
                break;
            case OutputActivation.Sigmoid:
                for (int i = 0; i < plane; i++)
                {
                    float x = output[i * pixelStride + fg * channelStride];
                    mask[i] = float.IsFinite(x) ? 1f / (1f + MathF.Exp(-x)) : NonFinite(ref nonFinite);
                }
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
                    float p = MathF.Exp(output[b + fg * channelStride] - max) / sum;
                    mask[i] = float.IsFinite(p) && float.IsFinite(max) ? p : NonFinite(ref nonFinite);
                }
                break;
            case OutputActivation.Argmax:
                for (int i = 0; i < plane; i++)
                {
                    int b = i * pixelStride;
                    float v = output[b + fg * channelStride];
                    if (!float.IsFinite(v))
                    {
                        mask[i] = NonFinite(ref nonFinite);
                        continue;
                    }
                    bool best = true;
                    for (int c = 0; c < channels && best; c++)
                        best = c == fg || output[b + c * channelStride] < v;
                    mask[i] = best ? 1f : 0f;
                }
                break;
        }
        if (nonFinite > 0)
        {
            if (NonFinitePixels == 0)
                OutputWarnings.Once("non-finite", $"model '{manifest.Name}' output NaN or infinite values ({nonFinite} of {plane} mask pixels in one frame): they are treated as background (0).");
            NonFinitePixels += nonFinite;
        }
    }

    private static float NonFinite(ref long count)
    {
        count++;
        return 0f;
    }
}
