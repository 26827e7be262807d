using LiveSeg.Inference;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace LiveSeg.People;

/// <summary>
/// BGR frame (any size) → faces in 0..1 of the frame, through the converted MediaPipe face detector on ONNX Runtime.
/// Input as MediaPipe's ImageToTensorCalculator makes it: the frame letterboxed into the model's square (scaled to
/// fit, centred, black bars), RGB, scaled to −1..1. Boxes are mapped back out of the letterbox. Every buffer (the
/// square image, the input and output tensors, the decoder's) is made once: <see cref="Detect"/> allocates nothing
/// while the frame size stays the same. One instance is used by one thread at a time.
/// </summary>
internal sealed class FaceDetector : IDisposable
{
    private readonly InferenceSession _session;
    private readonly FaceDecoder _decoder;
    private readonly Mat _square;
    private readonly float[] _input, _regressors, _scores;
    private readonly OrtValue _inputValue, _regressorsValue, _scoresValue;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private Size _frameSize;
    private Rect _roi;
    private Mat? _roiView;
    private OutputArray? _roiArray;

    public FaceDetector(string onnxPath, FaceModelSpec spec, DeviceChoice device = DeviceChoice.Cpu, int threads = 1)
    {
        Spec = spec;
        int side = spec.Side;
        _session = ExecutionProviders.CreateSession(onnxPath, device, threads, [1, 3, side, side]).Session;
        try
        {
            _decoder = new FaceDecoder(spec);
            int n = _decoder.AnchorCount;
            var outputs = _session.OutputMetadata;
            string regressors = outputs.FirstOrDefault(o => o.Value.Dimensions is [1, _, FaceDecoder.ValuesPerAnchor]).Key
                ?? Throw.User<string>($"face detector '{onnxPath}' has no [1,{n},16] box output (it has {string.Join(", ", outputs.Keys)}): run 'liveseg models fetch face --force'.");
            string scores = outputs.FirstOrDefault(o => o.Value.Dimensions is [1, _, 1]).Key
                ?? Throw.User<string>($"face detector '{onnxPath}' has no [1,{n},1] score output: run 'liveseg models fetch face --force'.");
            if (outputs[regressors].Dimensions[1] != n)
                Throw.User($"face detector '{onnxPath}' has {outputs[regressors].Dimensions[1]} anchors, {spec.Name} needs {n}: run 'liveseg models fetch face --force'.");
            _square = new Mat(side, side, MatType.CV_8UC3, Scalar.All(0));
            _input = new float[3 * side * side];
            _regressors = new float[n * FaceDecoder.ValuesPerAnchor];
            _scores = new float[n];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, side, side]);
            _regressorsValue = OrtValue.CreateTensorValueFromMemory(_regressors, [1, n, FaceDecoder.ValuesPerAnchor]);
            _scoresValue = OrtValue.CreateTensorValueFromMemory(_scores, [1, n, 1]);
            _binding = _session.CreateIoBinding();
            _binding.BindInput(_session.InputMetadata.Keys.First(), _inputValue);
            _binding.BindOutput(regressors, _regressorsValue);
            _binding.BindOutput(scores, _scoresValue);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public FaceModelSpec Spec { get; }

    /// <summary>The raw outputs of the last <see cref="Detect"/> (valid until the next call): box rows and score logits.</summary>
    public ReadOnlySpan<float> Regressors => _regressors;

    public ReadOnlySpan<float> Scores => _scores;

    /// <summary>The letterboxed model input of the last call (BGR, Side x Side; valid until the next call).</summary>
    public Mat Square => _square;

    /// <summary>Detects faces in <paramref name="frameBgr"/>; writes at most faces.Length, best first; returns the count.</summary>
    public int Detect(Mat frameBgr, Span<FaceDetection> faces)
    {
        using var array = InputArray.Create(frameBgr);
        return Detect(frameBgr, array, faces);
    }

    /// <summary>
    /// As <see cref="Detect(Mat, Span{FaceDetection})"/>, with <paramref name="frameArray"/> an InputArray over
    /// <paramref name="frameBgr"/> made once by the caller (<see cref="Capture.FrameSlot.ImageArray"/>): allocates nothing.
    /// </summary>
    public int Detect(Mat frameBgr, InputArray frameArray, Span<FaceDetection> faces)
    {
        Letterbox(frameBgr, frameArray);
        FillInput();
        _session.RunWithBinding(_runOptions, _binding);
        return DecodeInFrame(_regressors, _scores, faces);
    }

    /// <summary>Decodes raw outputs (this model's layout) and maps the boxes from the square back to the frame.</summary>
    public int DecodeInFrame(ReadOnlySpan<float> regressors, ReadOnlySpan<float> scores, Span<FaceDetection> faces)
    {
        int count = _decoder.Decode(regressors, scores, faces);
        float side = Spec.Side;
        float left = _roi.X / side, top = _roi.Y / side, w = _roi.Width / side, h = _roi.Height / side;
        for (int i = 0; i < count; i++)
        {
            var f = faces[i];
            faces[i] = new FaceDetection((f.XMin - left) / w, (f.YMin - top) / h, (f.XMax - left) / w, (f.YMax - top) / h, f.Score);
        }
        return count;
    }

    /// <summary>Scales the frame to fit the square, centred; the bars stay black (made once per frame size).</summary>
    private void Letterbox(Mat frame, InputArray frameArray)
    {
        if (frame.Width != _frameSize.Width || frame.Height != _frameSize.Height)
        {
            _frameSize = new Size(frame.Width, frame.Height);
            int side = Spec.Side;
            double scale = Math.Min((double)side / frame.Width, (double)side / frame.Height);
            int w = Math.Clamp((int)Math.Round(frame.Width * scale), 1, side), h = Math.Clamp((int)Math.Round(frame.Height * scale), 1, side);
            _roi = new Rect((side - w) / 2, (side - h) / 2, w, h);
            _square.SetTo(Scalar.All(0));
            _roiArray?.Dispose();
            _roiView?.Dispose();
            _roiView = new Mat(_square, _roi);
            _roiArray = OutputArray.Create(_roiView);
        }
        NativeCv.Resize(frameArray, _roiArray!, _roi.Size, InterpolationFlags.Area);
    }

    /// <summary>BGR bytes → planar RGB floats in −1..1 (value / 127.5 − 1).</summary>
    private unsafe void FillInput()
    {
        int side = Spec.Side, plane = side * side;
        var bytes = new ReadOnlySpan<byte>(_square.DataPointer, plane * 3);
        for (int p = 0; p < plane; p++)
        {
            _input[p] = bytes[3 * p + 2] / 127.5f - 1f;
            _input[plane + p] = bytes[3 * p + 1] / 127.5f - 1f;
            _input[2 * plane + p] = bytes[3 * p] / 127.5f - 1f;
        }
    }

    public void Dispose()
    {
        _binding?.Dispose();
        _inputValue?.Dispose();
        _regressorsValue?.Dispose();
        _scoresValue?.Dispose();
        _runOptions.Dispose();
        _roiArray?.Dispose();
        _roiView?.Dispose();
        _square?.Dispose();
        _session.Dispose();
    }
}
