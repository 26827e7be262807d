using LiveSeg.Models;
using LiveSeg.People;
using OpenCvSharp;
using Xunit.Abstractions;

namespace LiveSeg.Tests;

/// <summary>
/// The face detectors as users get them: fetched from npm (pinned, SHA-256 checked) and converted by the importer, then
/// proven against OpenCV DNN running the original .tflite on real frames (../shared/datasets/videos and
/// ../shared/datasets/person/images; the test says so and fails when they are absent), and checked on photos with
/// person masks: each face found lies on the person, in the upper part of the mask.
/// </summary>
[Slow]
public sealed class FaceDetectorTests(ITestOutputHelper output)
{
    private static readonly Lazy<string> s_folder = new(() => ModelFetcher.Fetch(FaceModels.Package, _ => { }));

    private static List<Mat> RealFrames(int perSource)
    {
        string videos = Repo.Shared("datasets", "videos"), images = Repo.Shared("datasets", "person", "images");
        Assert.True(Directory.Exists(videos) && Directory.Exists(images), $"real frames are needed from {videos} and {images}: this test needs ../shared");
        var (frames, _) = ParityCheck.LoadFrames(videos, perSource);
        frames.AddRange(FaceParity.LoadImages(images, perSource, step: 3));
        return frames;
    }

    [Theory]
    [InlineData("face-short")]
    [InlineData("face-full")]
    public void ConvertedDetector_MatchesOpenCvDnnOnTheOriginal_BoxIoUAndScore(string name)
    {
        var spec = FaceModels.Named(name);
        string folder = s_folder.Value;
        Assert.Equal(spec.Sha256, ModelFetcher.Hash(Path.Combine(folder, spec.Tflite)));
        var frames = RealFrames(30);
        try
        {
            var r = FaceParity.Run(Path.Combine(folder, name + ".onnx"), Path.Combine(folder, spec.Tflite), spec, frames);
            output.WriteLine($"{name}: {r.Frames} frames, {r.Faces} faces, {r.CountMismatches} count mismatches, min IoU {r.MinIoU:F5}, max score diff {r.MaxScoreDiff:E2}, max raw diff {r.MaxRawDiff:E2}");
            Assert.True(r.Faces >= 10, $"only {r.Faces} faces found in {r.Frames} frames: the comparison says too little");
            Assert.Equal(0, r.CountMismatches);
            Assert.True(r.MinIoU >= 0.95, $"box IoU {r.MinIoU} below 0.95");
            Assert.True(r.MaxScoreDiff <= 1e-3, $"score difference {r.MaxScoreDiff} above 1e-3");
        }
        finally
        {
            frames.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void Detect_OnPersonPhotos_FacesLieOnThePersonsUpperPart()
    {
        var spec = FaceModels.Full;
        string images = Repo.Shared("datasets", "person", "images"), masks = Repo.Shared("datasets", "person", "masks");
        Assert.True(Directory.Exists(masks), $"person photos with masks are needed from {masks}: this test needs ../shared");
        using var detector = new FaceDetector(Path.Combine(s_folder.Value, spec.Name + ".onnx"), spec);
        var faces = new FaceDetection[8];
        int photos = 0, found = 0;
        foreach (string file in Directory.GetFiles(images, "*.jpg").Order(StringComparer.Ordinal).Take(40))
        {
            string maskFile = Path.Combine(masks, Path.GetFileNameWithoutExtension(file) + ".png");
            if (!File.Exists(maskFile))
                continue;
            using var image = Cv2.ImRead(file);
            using var mask = Cv2.ImRead(maskFile, ImreadModes.Grayscale);
            photos++;
            int n = detector.Detect(image, faces);
            for (int i = 0; i < n; i++)
            {
                var f = faces[i];
                int x = (int)(f.CentreX * image.Width), y = (int)(f.CentreY * image.Height);
                output.WriteLine($"{Path.GetFileName(file)} {image.Width}x{image.Height}: face {f.XMin:F3},{f.YMin:F3}..{f.XMax:F3},{f.YMax:F3} score {f.Score:F3}");
                Assert.InRange(x, 0, image.Width - 1);
                Assert.InRange(y, 0, image.Height - 1);
                Assert.True(mask.At<byte>(y, x) > 127, $"{file}: the face centre ({x}, {y}) is not on the person");
                found++;
            }
        }
        Assert.True(photos >= 10 && found >= 5, $"{found} faces in {photos} photos with masks: too few to say anything");
    }
}
