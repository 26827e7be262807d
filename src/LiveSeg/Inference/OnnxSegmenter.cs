using LiveSeg.Masks;
using LiveSeg.Metrics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace LiveSeg.Inference;

/// <summary>
/// BGR frame → foreground mask through ONNX Runtime. Validates the model against its manifest once, runs one warm-up
/// pass to learn the output shape, then reuses pinned input/output buffers wrapped in <see cref="OrtValue"/>s for every
/// frame: <see cref="Segment"/> allocates nothing. One instance is used by one thread at a time.
/// </summary>
internal sealed class OnnxSegmenter : IDisposable
{
    private readonly InferenceSession _session;
    private readonly Preprocessor _pre;
    private readonly Postprocessor _post;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;
    private readonly RunOptions _runOptions = new();
    private readonly OrtIoBinding _binding;
    private int _disposed;
    private static int s_open;

    /// <summary>Sessions made and not yet disposed (by Dispose or, for an undisposed Segmenter, its finalizer).</summary>
    internal static int OpenSessions => Volatile.Read(ref s_open);

    public OnnxSegmenter(ModelSpec spec, DeviceChoice device, int intraOpThreads = 0)
    {
        Manifest = spec.Manifest;
        var m = spec.Manifest;
        long[] imageShape = m.InputLayout == TensorLayout.Nchw ? [1, 3, m.Height, m.Width] : [1, m.Height, m.Width, 3];
        var choice = ExecutionProviders.CreateSession(spec.OnnxPath, device, intraOpThreads, imageShape);
        _session = choice.Session;
        Provider = choice.Provider;
        ProviderReport = choice.Report;
        try
        {
            var (inputName, inputShape) = ValidateInput(spec);
            string outputName = ResolveOutputName(spec);
            _pre = new Preprocessor(Manifest);
            _input = new float[_pre.TensorLength];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, inputShape);

            // Warm-up with ORT-allocated output: learns the output shape (often symbolic in the graph) and primes caches.
            long[] outShape;
            using (var results = _session.Run(_runOptions, [inputName], [_inputValue], [outputName]))
            {
                var info = results[0].GetTensorTypeAndShape();
                if (info.ElementDataType != TensorElementType.Float)
                    Throw.User($"model '{spec.OnnxPath}': output '{outputName}' is {info.ElementDataType}, not float32: LiveSeg needs a float mask output.");
                outShape = info.Shape;
            }
            (int channels, int h, int w) = OutputGeometry(spec, outShape);
            _post = new Postprocessor(Manifest, channels, h, w);
            _output = new float[outShape.Aggregate(1L, (a, b) => a * b)];
            _outputValue = OrtValue.CreateTensorValueFromMemory(_output, outShape);
            // Bound once: RunWithBinding allocates nothing per frame (Run with name/value lists does).
            _binding = _session.CreateIoBinding();
            _binding.BindInput(inputName, _inputValue);
            _binding.BindOutput(outputName, _outputValue);
            _session.RunWithBinding(_runOptions, _binding);
            Interlocked.Increment(ref s_open);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public ModelManifest Manifest { get; }

    /// <summary>Execution provider that runs the model: TensorRT, CUDA or CPU.</summary>
    public string Provider { get; }

    /// <summary>One line saying which provider runs and why the preferred ones did not.</summary>
    public string ProviderReport { get; }

    public int MaskWidth => _post.Width;

    public int MaskHeight => _post.Height;

    /// <summary>The last segmented frame at the model's input size, BGR (see <see cref="Preprocessor.Last"/>).</summary>
    public Mat? ModelFrame => _pre.Last;

    /// <summary>
    /// Segments one frame into <paramref name="mask"/> (sized to MaskWidth x MaskHeight if it is not: a probability
    /// mask, float 0..1, top-left origin) and adds preprocess, inference and postprocess times to <paramref name="timing"/>.
    /// </summary>
    public void Segment(Mat frameBgr, Mask mask, ref FrameTiming timing)
    {
        using var array = InputArray.Create(frameBgr);
        Segment(frameBgr, array, mask, ref timing);
    }

    /// <summary>The per-frame path: <paramref name="frameArray"/> is an InputArray over the frame made once (FrameSlot.ImageArray).</summary>
    public void Segment(Mat frameBgr, InputArray frameArray, Mask mask, ref FrameTiming timing)
    {
        long t = System.Diagnostics.Stopwatch.GetTimestamp();
        _pre.Run(frameBgr, frameArray, _input);
        t = timing.Add(Stage.Preprocess, t);
        _session.RunWithBinding(_runOptions, _binding);
        t = timing.Add(Stage.Inference, t);
        _post.Run(_output, mask);
        timing.Add(Stage.Postprocess, t);
    }

    private (string Name, long[] Shape) ValidateInput(ModelSpec spec)
    {
        var m = spec.Manifest;
        var inputs = _session.InputMetadata;
        if (inputs.Count != 1)
            Throw.User($"model '{spec.OnnxPath}' has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}): LiveSeg feeds a single image input; export the model with one input.");
        string name = m.InputName ?? inputs.Keys.First();
        if (!inputs.TryGetValue(name, out var meta))
            Throw.User($"model '{spec.OnnxPath}' has no input '{name}' (it has: {string.Join(", ", inputs.Keys)}): fix input.name in the manifest.");
        if (meta.ElementDataType != TensorElementType.Float)
            Throw.User($"model '{spec.OnnxPath}': input '{name}' is {meta.ElementDataType}, not float32: LiveSeg feeds float images.");
        int[] d = meta.Dimensions;
        long[] expected = m.InputLayout == TensorLayout.Nchw ? [1, 3, m.Height, m.Width] : [1, m.Height, m.Width, 3];
        bool ok = d.Length == 4;
        for (int i = 0; ok && i < 4; i++)
            ok = d[i] < 0 || d[i] == expected[i];
        if (!ok)
        {
            string actual = string.Join("x", d.Select(v => v < 0 ? "?" : v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Throw.User($"model '{spec.OnnxPath}' takes input '{name}' of shape {actual}, but its manifest says {string.Join("x", expected)} ({m.InputLayout.ToString().ToUpperInvariant()}, {m.Width}x{m.Height}): fix the manifest's input width/height/layout.");
        }
        return (name, expected);
    }

    private string ResolveOutputName(ModelSpec spec)
    {
        var outputs = _session.OutputMetadata;
        string name = spec.Manifest.OutputName ?? outputs.Keys.First();
        if (!outputs.ContainsKey(name))
            Throw.User($"model '{spec.OnnxPath}' has no output '{name}' (it has: {string.Join(", ", outputs.Keys)}): fix output.name in the manifest.");
        return name;
    }

    /// <summary>The largest output dimension taken (a mask side or a channel count).</summary>
    private const int MaxOutputSide = 16384;

    private static (int Channels, int Height, int Width) OutputGeometry(ModelSpec spec, long[] s)
    {
        var m = spec.Manifest;
        // Checked before any cast or buffer: a zero dimension would reach the renderers as an empty mask.
        if (s.Length is >= 3 and <= 4 && s.Any(d => d <= 0 || d > MaxOutputSide))
            Throw.User($"model '{spec.OnnxPath}' returns a tensor of shape {string.Join("x", s)}: every dimension of a mask output must be 1..{MaxOutputSide}; check the model's export.");
        (int c, int h, int w) = s.Length switch
        {
            3 => (1, (int)s[1], (int)s[2]),
            4 when m.OutputLayout == TensorLayout.Nchw => ((int)s[1], (int)s[2], (int)s[3]),
            4 => ((int)s[3], (int)s[1], (int)s[2]),
            _ => Throw.User<(int, int, int)>($"model '{spec.OnnxPath}' returns a tensor of rank {s.Length} ({string.Join("x", s)}): a segmentation output must be 1xCxHxW, 1xHxWxC or 1xHxW."),
        };
        if (s[0] != 1)
            Throw.User($"model '{spec.OnnxPath}' returns batch {s[0]}: LiveSeg needs batch 1.");
        if (m.Channel >= c)
            Throw.User($"model '{spec.OnnxPath}' returns {c} channel(s) ({string.Join("x", s)}), but the manifest's output.channel is {m.Channel}: use 0..{c - 1}, or check output.layout.");
        if (m.Activation == OutputActivation.Softmax && c < 2)
            Throw.User($"model '{spec.OnnxPath}' returns 1 channel, but the manifest asks for softmax: use \"sigmoid\" or \"none\".");
        return (c, h, w);
    }

    /// <summary>Frees the session and its buffers; safe to call twice, and from a finalizer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Interlocked.Decrement(ref s_open);
        _binding?.Dispose();
        _inputValue?.Dispose();
        _outputValue?.Dispose();
        _runOptions.Dispose();
        _pre?.Dispose();
        _session.Dispose();
    }
}
