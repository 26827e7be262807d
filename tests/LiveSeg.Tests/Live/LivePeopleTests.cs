using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Masks;
using LiveSeg.People;
using LiveSeg.Pipeline;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>
/// Live mode's people: the click's way from the window to a person (letterbox undone, the instance map read), and —
/// in the real loop under Xvfb — a real X click (xdotool) that locks one of two people, A that keeps both again, and
/// a click on the background that changes nothing.
/// </summary>
public sealed class LivePeopleTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void WindowToFrame_WindowOfTheFramesSize_IsTheSamePoint()
    {
        var at = LivePeople.WindowToFrame(160, 90, 640, 360, 640, 360)!.Value;
        Assert.Equal((0.25f, 0.25f), (at.U, at.V));
    }

    [Fact]
    public void ShownToFrame_UnderAutoFraming_IsThePointOfTheCrop()
    {
        // The window shows the right half of the frame's lower half, scaled up: its centre is the frame's (0.75, 0.75).
        var crop = new CropBox(0.5f, 0.5f, 0.5f, 0.5f);
        Assert.Equal((0.75f, 0.75f), LivePeople.ShownToFrame(crop, 0.5f, 0.5f));
        Assert.Equal((0.5f, 0.5f), LivePeople.ShownToFrame(crop, 0, 0));
        Assert.Equal((0.25f, 0.8f), LivePeople.ShownToFrame(CropBox.Full, 0.25f, 0.8f)); // no crop: the same point
    }

    [Fact]
    public void WindowToFrame_WiderWindow_BarsLeftAndRight_MissThePicture()
    {
        // A 16:9 frame in a 1000x360 window: the picture is 640 wide from x = 180.
        Assert.Null(LivePeople.WindowToFrame(100, 180, 1000, 360, 640, 360));
        Assert.Null(LivePeople.WindowToFrame(900, 180, 1000, 360, 640, 360));
        var at = LivePeople.WindowToFrame(180 + 64, 36, 1000, 360, 640, 360)!.Value;
        Assert.Equal(0.1f, at.U, 4);
        Assert.Equal(0.1f, at.V, 4);
    }

    [Fact]
    public void WindowToFrame_TallerWindow_CountsFromThePicturesTop_NotGlsBottom()
    {
        // A 640x360 frame in a 640x600 window: bars of 120 above and below. A click 10 px below the picture's top is
        // near the frame's top (v small): GL's bottom-up viewport must not flip it.
        Assert.Null(LivePeople.WindowToFrame(320, 100, 640, 600, 640, 360));
        Assert.Null(LivePeople.WindowToFrame(320, 500, 640, 600, 640, 360));
        var at = LivePeople.WindowToFrame(320, 130, 640, 600, 640, 360)!.Value;
        Assert.Equal(0.5f, at.U, 4);
        Assert.Equal(10f / 360, at.V, 4);
    }

    [Fact]
    public void WindowToFrame_DoubleDensityFramebuffer_ScalesWithIt()
    {
        var at = LivePeople.WindowToFrame(640, 360, 1280, 720, 640, 360)!.Value;
        Assert.Equal((0.5f, 0.5f), (at.U, at.V));
    }

    [Fact]
    public void IdAt_ReadsTheLabelUnderThePoint_OrTheNearestWithinTheRadius_ElseNobody()
    {
        // A 12x4 instance map: label 1 in columns 0-2, label 2 in columns 9-11; labels 1 and 2 are persons 5 and 3.
        const int W = 12, H = 4;
        var labels = new byte[W * H];
        for (int y = 0; y < H; y++)
        {
            for (int x = 0; x < 3; x++)
                labels[y * W + x] = 1;
            for (int x = 9; x < W; x++)
                labels[y * W + x] = 2;
        }
        int[] ids = [5, 3];
        static float U(int x) => (x + 0.5f) / W;
        Assert.Equal(5, LivePeople.IdAt(labels, W, H, ids, U(1), 0.5f));
        Assert.Equal(3, LivePeople.IdAt(labels, W, H, ids, U(11), 0.1f));
        Assert.Equal(5, LivePeople.IdAt(labels, W, H, ids, U(4), 0.5f)); // label 1 two columns away
        Assert.Equal(3, LivePeople.IdAt(labels, W, H, ids, U(7), 0.9f)); // label 2 two columns away
        Assert.Equal(0, LivePeople.IdAt(labels, W, H, ids, U(5), 0.5f)); // three and four away: nobody
        Assert.Equal(0, LivePeople.IdAt(labels, W, H, ids, U(6), 0.5f));
    }

    private static readonly Scalar Green = new(0, 200, 0);

    /// <summary>A pixel shows the person when it is nearer the scene's own pixel than the green background.</summary>
    private static bool IsPerson(Vec3b shown, Vec3b scene) => Distance(shown, scene) < Distance(shown, new Vec3b(0, 200, 0));

    private static int Distance(Vec3b a, Vec3b b) => Math.Abs(a.Item0 - b.Item0) + Math.Abs(a.Item1 - b.Item1) + Math.Abs(a.Item2 - b.Item2);

    private LiveLoop Open(string input, string name, PeopleSettings? people, string model, bool hud)
    {
        string background = _dir.File("green.png");
        using (var bg = new Mat(TwoPeopleScene.Height, TwoPeopleScene.Width, MatType.CV_8UC3, Green))
            Cv2.ImWrite(background, bg);
        var loop = new LiveLoop(new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(input), Name = name, Loop = true },
            Model = new ModelSettings(ModelSpec.FromFile(model, null), DeviceChoice.Cpu, 1),
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = new EffectSettings { Effect = EffectKind.Replace, Refine = RefineKind.Off },
            Backgrounds = [background],
            People = people,
            Sync = true,
            VSync = false,
            ShowHud = hud,
            OutputFolder = _dir.Path,
        });
        loop.Start();
        return loop;
    }

    /// <summary>Steps until <paramref name="done"/>; fails if 300 frames were shown first.</summary>
    private static void StepUntil(LiveLoop loop, Func<bool> done, string never)
    {
        long start = loop.Recorder.Count;
        for (int guard = 0; !done(); guard++)
        {
            Assert.True(loop.Step(), "the loop ended early");
            Assert.True(loop.Recorder.Count - start < 300 && guard < 1_000_000, never);
        }
    }

    private static void Show(LiveLoop loop, int frames)
    {
        long target = loop.Recorder.Count + frames;
        StepUntil(loop, () => loop.Recorder.Count >= target, "no new frame was shown");
    }

    /// <summary>The window as shown now (taken before the next swap).</summary>
    private Mat Screenshot(LiveLoop loop)
    {
        string path = _dir.File($"shot-{Guid.NewGuid():N}.png");
        loop.Controls.PendingScreenshot = path;
        Show(loop, 1);
        return Cv2.ImRead(path);
    }

    /// <summary>The share of each person the window shows (left, right).</summary>
    private (double Left, double Right) Kept(LiveLoop loop, TwoPeopleScene scene)
    {
        using var shot = Screenshot(loop);
        return (scene.Shown(shot, 1, IsPerson), scene.Shown(shot, 2, IsPerson));
    }

    /// <summary>A real left click through the X server (xdotool) at (x, y) of the window whose title holds <paramref name="title"/>.</summary>
    private static void XClick(string title, Point at)
    {
        const string Xdotool = "/usr/bin/xdotool";
        Assert.True(File.Exists(Xdotool), "xdotool is missing: run scripts/install-deps --tests (apt package xdotool)");
        var (code, found, err) = FfmpegDecode.Run(Xdotool, "search", "--name", title);
        string window = System.Text.Encoding.ASCII.GetString(found).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        Assert.True(code == 0 && window.Length > 0, $"xdotool found no window named {title}: {err}");
        (code, _, err) = FfmpegDecode.Run(Xdotool, "windowraise", window, "mousemove", "--window", window, $"{at.X}", $"{at.Y}", "click", "1");
        Assert.True(code == 0, $"xdotool could not click: {err}");
    }

    [Slow]
    [DisplayFact]
    public void RealClick_LocksThePersonClicked_OthersBecomeBackground_AKeepsAllAgain_BackgroundClickChangesNothing()
    {
        using var scene = TwoPeopleScene.Make();
        string clip = _dir.File("two.mkv");
        scene.WriteClip(clip, 30);
        string title = $"people-click-{Guid.NewGuid():N}";
        var people = new PeopleSettings(PersonChoice.All, FaceModels.Full, TwoPeopleScene.FaceDetector, DetectEvery: 1);
        using var loop = Open(clip, title, people, TwoPeopleScene.BodyModel, hud: false);
        Show(loop, 3);
        // The window shows the frame 1:1, so a frame pixel is a window pixel.
        Assert.Equal((TwoPeopleScene.Width, TwoPeopleScene.Height), loop.Window.FramebufferSize);
        var before = Kept(loop, scene);
        Assert.True(before.Left > 0.8 && before.Right > 0.8, $"before the click both people are shown: {before}");

        XClick(title, scene.Inside(2));
        StepUntil(loop, () => loop.Controls.Status?.Contains("locked", StringComparison.Ordinal) == true, "the click never locked a person");
        Assert.Equal(PersonChoiceKind.Ids, loop.People!.Stage.Choice.Kind);
        Show(loop, 2);
        var locked = Kept(loop, scene);
        Assert.True(locked.Right > 0.8, $"the person clicked (right) is kept: {locked}");
        Assert.True(locked.Left < 0.02, $"the other person (left) became background: {locked}");

        loop.Press('A');
        StepUntil(loop, () => loop.People.Stage.Choice.KeepsEveryone, "A never kept all people again");
        Show(loop, 2);
        var all = Kept(loop, scene);
        Assert.True(all.Left > 0.8 && all.Right > 0.8, $"after A both people are shown again: {all}");

        loop.Click(TwoPeopleScene.Width / 2, 5); // the top middle of the room: nobody there
        StepUntil(loop, () => loop.Controls.Status?.Contains("no person there", StringComparison.Ordinal) == true, "a click on the background was not answered");
        Assert.True(loop.People.Stage.Choice.KeepsEveryone);
        loop.Finish();
    }

    [Slow]
    [DisplayFact]
    public void Hud_ShowsThePeoplesIds_AndTheLock_AtTheirFacesToo()
    {
        using var scene = TwoPeopleScene.Make();
        string clip = _dir.File("two.mkv");
        scene.WriteClip(clip, 30);
        var people = new PeopleSettings(PersonChoice.Parse("1"), FaceModels.Full, TwoPeopleScene.FaceDetector, DetectEvery: 1);
        using var loop = Open(clip, "people-hud", people, TwoPeopleScene.BodyModel, hud: true);
        Show(loop, 3);
        using var shot = Screenshot(loop);
        using var hud = new Mat(shot, new Rect(8, 8, HudStage.Width, HudStage.PeopleHeight));
        Assert.True(HudText.Score(hud, "people: [1] 2  locked, A: all") > 0.8, "no people line with person 1 locked in the HUD");
        Assert.True(HudText.Score(hud, "people: 1 [2]  locked, A: all") < HudText.Score(hud, "people: [1] 2  locked, A: all"), "the lock is not told apart");
        // The labels just above the faces (drawn over the HUD): the kept person's border in yellow, the other's in grey.
        var tracks = loop.People!.Stage.Tracker.Tracks.ToArray();
        Assert.Equal(2, tracks.Length);
        foreach (var t in tracks)
        {
            var ink = t.Id == 1 ? new Vec3b(60, 230, 255) : new Vec3b(170, 170, 170);
            int found = InkAbove(shot, t.Box, ink);
            Assert.True(found > 60, $"person {t.Id}: {found} pixels of the label's border colour above the face");
        }
        loop.Finish();
    }

    /// <summary>Pixels of <paramref name="ink"/> (±8 a channel) where a label goes: just above <paramref name="face"/>'s box, a few pixels either way.</summary>
    private static int InkAbove(Mat shot, FaceDetection face, Vec3b ink)
    {
        int x0 = (int)(face.XMin * shot.Width), top = (int)(face.YMin * shot.Height) - PeopleLabels.Height - 2;
        var area = new Rect(x0 - 4, top - 4, PeopleLabels.Width + 8, PeopleLabels.Height + 8).Intersect(new Rect(0, 0, shot.Width, shot.Height));
        int count = 0;
        for (int y = area.Top; y < area.Bottom; y++)
        {
            for (int x = area.Left; x < area.Right; x++)
            {
                var p = shot.At<Vec3b>(y, x);
                if (Math.Abs(p.Item0 - ink.Item0) <= 8 && Math.Abs(p.Item1 - ink.Item1) <= 8 && Math.Abs(p.Item2 - ink.Item2) <= 8)
                    count++;
            }
        }
        return count;
    }

    [Slow]
    [DisplayFact]
    public void WithoutPerson_AClickAndA_SayHowToGetPeople()
    {
        string input = _dir.File("still.mkv");
        Synthetic.WriteVideo(input, 10, TwoPeopleScene.Width, TwoPeopleScene.Height, 30);
        using var loop = Open(input, "no-people", people: null, Synthetic.ColorKeyModel(_dir), hud: true);
        Show(loop, 2);
        Assert.Null(loop.People);
        loop.Click(100, 100);
        StepUntil(loop, () => loop.Controls.Status?.StartsWith("clicks pick people only with --person", StringComparison.Ordinal) == true,
            "a click without --person was not answered");
        loop.Press('A');
        StepUntil(loop, () => loop.Controls.Status?.StartsWith("A keeps all people only with --person", StringComparison.Ordinal) == true,
            "A without --person was not answered");
        loop.Finish();
    }

    public void Dispose() => _dir.Dispose();
}
