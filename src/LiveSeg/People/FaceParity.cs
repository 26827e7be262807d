using LiveSeg.Inference;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace LiveSeg.People;

/// <summary>How the converted face detector compares with OpenCV DNN running the original .tflite.</summary>
/// <param name="Faces">faces found by ONNX Runtime over all frames (each matched to OpenCV's best-overlapping face)</param>
/// <param name="CountMismatches">frames where the two found a different number of faces</param>
/// <param name="MinIoU">the worst IoU of a matched pair of boxes (1 when no face was found)</param>
/// <param name="MaxScoreDiff">the largest |score difference| of a matched pair</param>
/// <param name="MaxRawDiff">the largest |difference| of any raw output value (box offsets in input pixels, score logits)</param>
internal sealed record FaceParityResult(string Model, int Frames, int Faces, int CountMismatches, double MinIoU, double MaxScoreDiff, double MaxRawDiff);

/// <summary>
/// Checks the face detector's conversion against an independent runtime: OpenCV DNN's own TFLite importer runs the
/// original file on the same letterboxed input; both raw outputs go through the same C# decoder (anchors, NMS), and
/// the faces are compared box by box (IoU) and score by score.
/// </summary>
internal static class FaceParity
{
    public static FaceParityResult Run(string onnxPath, string tflitePath, FaceModelSpec spec, IReadOnlyList<Mat> frames)
    {
        using var detector = new FaceDetector(onnxPath, spec, DeviceChoice.Cpu);
        using var net = CvDnn.ReadNet(tflitePath);
        if (net.Empty())
            Throw.User($"OpenCV DNN cannot load '{tflitePath}'.");
        string[] names = net.GetUnconnectedOutLayersNames().Select(n => n!).ToArray();
        var ortFaces = new FaceDetection[32];
        var cvFaces = new FaceDetection[32];
        int faces = 0, mismatches = 0;
        double minIoU = 1, maxScore = 0, maxRaw = 0;
        foreach (var frame in frames)
        {
            int nOrt = detector.Detect(frame, ortFaces);
            using var blob = CvDnn.BlobFromImage(detector.Square, 1 / 127.5, new Size(spec.Side, spec.Side), new Scalar(127.5, 127.5, 127.5), swapRB: true, crop: false);
            net.SetInput(blob);
            var outs = names.Select(_ => new Mat()).ToArray();
            try
            {
                net.Forward(outs, names);
                float[] reg = Flat(outs.First(o => o.Total() == detector.Regressors.Length && o.Total() != detector.Scores.Length));
                float[] sc = Flat(outs.First(o => o.Total() == detector.Scores.Length));
                maxRaw = Math.Max(maxRaw, MaxDiff(detector.Regressors, reg));
                maxRaw = Math.Max(maxRaw, MaxDiff(detector.Scores, sc));
                int nCv = detector.DecodeInFrame(reg, sc, cvFaces);
                mismatches += nCv == nOrt ? 0 : 1;
                for (int i = 0; i < nOrt; i++)
                {
                    faces++;
                    int best = -1;
                    float bestIoU = 0;
                    for (int j = 0; j < nCv; j++)
                    {
                        float iou = ortFaces[i].IoU(cvFaces[j]);
                        if (iou > bestIoU)
                            (best, bestIoU) = (j, iou);
                    }
                    minIoU = Math.Min(minIoU, bestIoU);
                    if (best >= 0)
                        maxScore = Math.Max(maxScore, Math.Abs(ortFaces[i].Score - cvFaces[best].Score));
                    else
                        maxScore = Math.Max(maxScore, ortFaces[i].Score);
                }
            }
            finally
            {
                foreach (var o in outs)
                    o.Dispose();
            }
        }
        return new FaceParityResult(spec.Name, frames.Count, faces, mismatches, minIoU, maxScore, maxRaw);
    }

    private static float[] Flat(Mat m)
    {
        using var flat = m.Reshape(1, 1);
        flat.GetArray(out float[] v);
        return v;
    }

    private static double MaxDiff(ReadOnlySpan<float> a, float[] b)
    {
        double d = 0;
        for (int i = 0; i < a.Length; i++)
            d = Math.Max(d, Math.Abs(a[i] - b[i]));
        return d;
    }

    /// <summary>Still images (jpg/png) of a folder, every <paramref name="step"/>-th in name order, at most <paramref name="count"/>.</summary>
    public static List<Mat> LoadImages(string folder, int count, int step = 1)
    {
        var frames = new List<Mat>();
        if (!Directory.Exists(folder))
            return frames;
        foreach (string file in Directory.GetFiles(folder).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).Where((_, i) => i % step == 0).Take(count))
        {
            var m = Cv2.ImRead(file, ImreadModes.Color);
            if (m.Empty())
                m.Dispose();
            else
                frames.Add(m);
        }
        return frames;
    }
}
