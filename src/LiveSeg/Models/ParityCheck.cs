using System.Diagnostics;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace LiveSeg.Models;

/// <summary>How a converted model compares with OpenCV DNN running the original .tflite, and how fast each is.</summary>
internal sealed record ParityResult(string Model, int Frames, string FramesFrom, double MaxAbsDiff, double MinIoU, int WorstFrame,
    double OrtMedianMs, double OrtP95Ms, double CvMedianMs, double CvP95Ms);

/// <summary>
/// Checks a TFLite→ONNX conversion against an independent implementation: OpenCV DNN's own TFLite importer runs the
/// original file, ONNX Runtime (CPU) runs the converted one, on the same frames resized to the model input.
/// Compares every mask pixel (max |difference|) and the 0.5-thresholded masks (IoU), and times both.
/// </summary>
internal static class ParityCheck
{
    public static ParityResult Run(string onnxPath, string tflitePath, IReadOnlyList<Mat> frames, string framesFrom)
    {
        var spec = ModelSpec.FromFile(onnxPath, null);
        int w = spec.Manifest.Width, h = spec.Manifest.Height;
        using var segmenter = new OnnxSegmenter(spec, DeviceChoice.Cpu);
        using var net = CvDnn.ReadNet(tflitePath);
        if (net.Empty())
            Throw.User($"OpenCV DNN cannot load '{tflitePath}'.");
        var ortMask = new Mask(segmenter.MaskWidth, segmenter.MaskHeight);
        float[] ort = ortMask.Data;
        var ortMs = new double[frames.Count];
        var cvMs = new double[frames.Count];
        double maxDiff = 0, minIoU = 1;
        int worst = -1;
        using var resized = new Mat();
        for (int i = 0; i < frames.Count; i++)
        {
            Cv2.Resize(frames[i], resized, new Size(w, h), 0, 0, InterpolationFlags.Linear);
            var timing = new FrameTiming();
            segmenter.Segment(resized, ortMask, ref timing);
            ortMs[i] = StageInfo.TicksToMs(timing.Ticks[(int)Stage.Inference]);

            long t = Stopwatch.GetTimestamp();
            using var blob = CvDnn.BlobFromImage(resized, 1 / 255.0, new Size(w, h), new Scalar(0, 0, 0), swapRB: true, crop: false);
            net.SetInput(blob);
            using var output = net.Forward();
            cvMs[i] = StageInfo.TicksToMs(Stopwatch.GetTimestamp() - t);
            if (output.Total() != ort.Length)
                Throw.User($"OpenCV DNN output has {output.Total()} values, ONNX Runtime {ort.Length}: the models disagree on the output size.");
            using var flat = output.Reshape(1, 1);
            flat.GetArray(out float[] cv);

            var (diff, iou) = Compare(ort, cv);
            if (diff >= maxDiff)
                (maxDiff, worst) = (diff, i);
            minIoU = Math.Min(minIoU, iou);
        }
        var o = LatencySummary.Of("ort", ortMs);
        var c = LatencySummary.Of("cv", cvMs);
        return new ParityResult(Path.GetFileNameWithoutExtension(onnxPath), frames.Count, framesFrom, maxDiff, minIoU, worst, o.P50, o.P95, c.P50, c.P95);
    }

    /// <summary>Two masks of one frame (0..1 values): the largest |difference| and the IoU of the masks thresholded at 0.5 (1 when both are empty).</summary>
    public static (double MaxAbsDiff, double IoU) Compare(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"masks of {a.Length} and {b.Length} values");
        double diff = 0;
        long inter = 0, union = 0;
        for (int p = 0; p < a.Length; p++)
        {
            diff = Math.Max(diff, Math.Abs(a[p] - b[p]));
            bool x = a[p] >= 0.5f, y = b[p] >= 0.5f;
            inter += x && y ? 1 : 0;
            union += x || y ? 1 : 0;
        }
        return (diff, union == 0 ? 1 : (double)inter / union);
    }

    /// <summary>
    /// <paramref name="count"/> frames spread evenly over the clips in <paramref name="videoFolder"/>; generated frames
    /// (gradients and shapes) when the folder is absent. Returns the frames and a note on where they came from.
    /// </summary>
    public static (List<Mat> Frames, string From) LoadFrames(string? videoFolder, int count)
    {
        var frames = new List<Mat>();
        string[] clips = videoFolder is not null && Directory.Exists(videoFolder) ? Directory.GetFiles(videoFolder, "*.mp4").Order().ToArray() : [];
        if (clips.Length > 0)
        {
            int perClip = (count + clips.Length - 1) / clips.Length;
            foreach (string clip in clips)
            {
                using var cap = new VideoCapture(clip);
                int total = Math.Max(1, (int)cap.FrameCount);
                for (int k = 0; k < perClip && frames.Count < count; k++)
                {
                    cap.Set(VideoCaptureProperties.PosFrames, (long)k * total / perClip);
                    var m = new Mat();
                    if (cap.Read(m) && !m.Empty())
                        frames.Add(m);
                    else
                        m.Dispose();
                }
            }
            return (frames, $"{frames.Count} frames of {clips.Length} clips in {videoFolder}");
        }
        var rng = new Random(7);
        for (int i = 0; i < count; i++)
        {
            var m = new Mat(480, 640, MatType.CV_8UC3, new Scalar(rng.Next(256), rng.Next(256), rng.Next(256)));
            Cv2.Ellipse(m, new RotatedRect(new Point2f(320 + rng.Next(-100, 100), 260), new Size2f(200, 320), 0), new Scalar(rng.Next(256), rng.Next(256), rng.Next(256)), -1);
            Cv2.Circle(m, new Point(320, 120), 70, new Scalar(90, 120, 200), -1);
            frames.Add(m);
        }
        return (frames, $"{count} generated frames (no clips at {videoFolder ?? "(none)"})");
    }
}
