using OpenCvSharp;

namespace LiveSeg.People;

/// <summary>A person cut out of a photo with its mask: BGR pixels and a 0/255 mask of the same size.</summary>
internal sealed record PersonCutout(string Name, Mat Image, Mat Mask) : IDisposable
{
    public void Dispose()
    {
        Image.Dispose();
        Mask.Dispose();
    }
}

/// <summary>
/// Generated multi-person clips with known instances, for measuring the people stage: persons cut out of photos with
/// their masks, scaled to a common height, walking across a background (the front person first in the list), so that
/// they cross. Frame t: BGR image and the true instance map (0 background, k + 1 person k as seen, after occlusion).
/// </summary>
internal sealed class PeopleClip : IDisposable
{
    private readonly PersonCutout[] _people;
    private readonly Mat _background;
    private readonly (float X0, float X1)[] _paths;
    private readonly Mat[] _scaled, _scaledMasks;

    /// <param name="people">cutouts, front to back</param>
    /// <param name="height">each person's height as a share of the frame's</param>
    public PeopleClip(IReadOnlyList<PersonCutout> people, Mat background, int width, int height, int frames, float personHeight = 0.8f)
    {
        (Width, Height, Frames) = (width, height, frames);
        _people = [.. people];
        _background = new Mat();
        Cv2.Resize(background, _background, new Size(width, height), 0, 0, InterpolationFlags.Area);
        _scaled = new Mat[_people.Length];
        _scaledMasks = new Mat[_people.Length];
        _paths = new (float, float)[_people.Length];
        for (int k = 0; k < _people.Length; k++)
        {
            var p = _people[k];
            double s = personHeight * height / p.Image.Height;
            var size = new Size(Math.Max(1, (int)(p.Image.Width * s)), Math.Max(1, (int)(p.Image.Height * s)));
            size.Width = Math.Min(size.Width, width / 2);
            _scaled[k] = p.Image.Resize(size, 0, 0, InterpolationFlags.Area);
            _scaledMasks[k] = p.Mask.Resize(size, 0, 0, InterpolationFlags.Area);
            // Evenly spaced from 0.15 to 0.85; pairs (0, 1), (2, 3) walk to each other's places, crossing mid-clip;
            // an odd last person walks a little to the left.
            float at = _people.Length == 1 ? 0.5f : 0.15f + 0.7f * k / (_people.Length - 1);
            float partner = k % 2 == 0 ? (k + 1 < _people.Length ? 0.15f + 0.7f * (k + 1) / (_people.Length - 1) : at - 0.1f)
                : 0.15f + 0.7f * (k - 1) / (_people.Length - 1);
            _paths[k] = (at, partner);
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int Frames { get; }
    public int People => _people.Length;

    /// <summary>Person k's centre x (0..1) at frame t: a straight walk along its path.</summary>
    public float CentreX(int k, int t) => _paths[k].X0 + (_paths[k].X1 - _paths[k].X0) * t / Math.Max(1, Frames - 1);

    /// <summary>Draws frame <paramref name="t"/> into <paramref name="frame"/> (BGR) and its instances into <paramref name="truth"/> (8-bit).</summary>
    public void Render(int t, Mat frame, Mat truth)
    {
        _background.CopyTo(frame);
        truth.Create(Height, Width, MatType.CV_8UC1);
        truth.SetTo(Scalar.All(0));
        for (int k = _people.Length - 1; k >= 0; k--) // back to front
        {
            var img = _scaled[k];
            int x = (int)(CentreX(k, t) * Width) - img.Width / 2, y = Height - img.Height - Height / 20;
            var dst = new Rect(x, y, img.Width, img.Height).Intersect(new Rect(0, 0, Width, Height));
            if (dst.Width <= 0 || dst.Height <= 0)
                continue;
            var src = new Rect(dst.X - x, dst.Y - y, dst.Width, dst.Height);
            using var srcImg = new Mat(img, src);
            using var srcMask = new Mat(_scaledMasks[k], src);
            using var hard = new Mat();
            Cv2.Threshold(srcMask, hard, 127, 255, ThresholdTypes.Binary);
            using var frameRoi = new Mat(frame, dst);
            using var truthRoi = new Mat(truth, dst);
            srcImg.CopyTo(frameRoi, hard);
            truthRoi.SetTo(Scalar.All(k + 1), hard);
        }
    }

    /// <summary>
    /// Cutouts from a folder of photos (images/NAME.jpg, masks/NAME.png) that show one person whose face the detector
    /// finds on the mask: the mask's bounding box, cropped. At most <paramref name="count"/>, in name order.
    /// </summary>
    /// <remarks>
    /// With <paramref name="scene"/> and <paramref name="sceneHeight"/> set, a photo also has to show its face to the detector at the
    /// clip's scale (the person alone on that background, <paramref name="personHeight"/> of a frame that high): people the detector cannot see at all
    /// (faces turned away, too small) are a limit of face seeding, measured apart, not by these clips.
    /// </remarks>
    public static List<PersonCutout> LoadCutouts(string dataset, FaceDetector detector, int count, Mat? scene = null, int sceneHeight = 0, float personHeight = 0.8f)
    {
        var result = new List<PersonCutout>();
        var faces = new FaceDetection[4];
        foreach (string file in Directory.GetFiles(Path.Combine(dataset, "images"), "*.jpg").Order(StringComparer.Ordinal))
        {
            string maskFile = Path.Combine(dataset, "masks", Path.GetFileNameWithoutExtension(file) + ".png");
            if (result.Count >= count || !File.Exists(maskFile))
                continue;
            using var image = Cv2.ImRead(file);
            using var mask = Cv2.ImRead(maskFile, ImreadModes.Grayscale);
            if (image.Empty() || mask.Empty() || image.Size() != mask.Size() || image.Height < 300)
                continue;
            if (detector.Detect(image, faces) != 1)
                continue;
            var box = Cv2.BoundingRect(mask);
            // A person seen upright and large: most of the photo's height, taller than wide.
            if (box.Height < 0.6 * image.Height || box.Height < box.Width)
                continue;
            var cutout = new PersonCutout(Path.GetFileName(file), new Mat(image, box).Clone(), new Mat(mask, box).Clone());
            if (scene is not null && sceneHeight > 0 && !SeenAtScale(cutout, detector, scene, sceneHeight, personHeight, faces))
            {
                cutout.Dispose();
                continue;
            }
            result.Add(cutout);
        }
        return result;
    }

    /// <summary>A face found only just (score below this) is missed in many frames of a clip: such photos are not used.</summary>
    public const float MinScoreAtScale = 0.8f;

    /// <summary>The cutout alone, scaled as in a clip, on the clip's background (16:9): does the detector find its one face?</summary>
    private static bool SeenAtScale(PersonCutout c, FaceDetector detector, Mat scene, int sceneHeight, float personHeight, FaceDetection[] faces)
    {
        int width = sceneHeight * 16 / 9;
        using var clip = new PeopleClip([c], scene, width, sceneHeight, 1, personHeight);
        using var frame = new Mat();
        using var truth = new Mat();
        clip.Render(0, frame, truth);
        return detector.Detect(frame, faces) == 1 && faces[0].Score >= MinScoreAtScale;
    }

    public void Dispose()
    {
        _background.Dispose();
        foreach (var m in _scaled.Concat(_scaledMasks))
            m.Dispose();
    }
}
