using LiveSeg.Effects;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Live;

/// <summary>
/// What the live-mode keys do (<see cref="KeyMap"/> says which key means what), and the state they change: effect and
/// its strength (compositor uniforms), smoothing (segment stage), model, background, HUD, full screen, screenshot and
/// recording requests, and the people kept (a click locks one, A keeps all; <see cref="LivePeople"/> applies them on the
/// inference thread). Runs on the GL thread; its state is what the HUD shows and what tests assert.
/// </summary>
internal sealed class LiveControls(LiveOptions options, SegmentStage segment, ILiveCompositor compositor, ILiveDisplay window,
    int width, int height, Func<double> recordingFps, bool atProcessingSpeed = false, LivePeople? people = null) : IDisposable
{
    private long _statusUntil;
    private string? _status;
    private readonly Action<Mat> _setBackground = compositor.SetBackground;

    // The first background, when it is a video (an image was given to the compositor when it was made).
    private BackgroundVideo? _video = options.Backgrounds.Count > 0 && BackgroundVideo.IsVideo(options.Backgrounds[0])
        ? new BackgroundVideo(options.Backgrounds[0], width, height, waitForFrames: false) : null;

    public EffectSettings Effect => compositor.Settings;

    public float Smoothing => segment.Smoothing;

    /// <summary>Index into <see cref="LiveOptions.Models"/> of the model asked for (loaded by the inference thread at its next frame).</summary>
    public int ModelIndex { get; private set; }

    /// <summary>The video background in use (B cycles images and videos), or null.</summary>
    public BackgroundVideo? BackgroundVideo => _video;

    /// <summary>
    /// Before a frame is drawn: a video background hands the compositor its frame for the shown frame's time
    /// (decoded ahead on its own thread; never waits). Nothing for an image or when the effect is not replace.
    /// </summary>
    public void UpdateBackground(long timeNs)
    {
        if (_video is not null && Effect.Effect == EffectKind.Replace)
            _video.Update(timeNs, _setBackground);
    }

    /// <summary>Index into <see cref="LiveOptions.Backgrounds"/>; -1 = the built-in gradient.</summary>
    public int BackgroundIndex { get; private set; } = options.Backgrounds.Count > 0 ? 0 : -1;

    public bool HudVisible { get; private set; } = options.ShowHud;

    public bool HelpVisible { get; private set; }

    public bool QuitRequested { get; private set; }

    /// <summary>Where the next screenshot goes (taken by the loop before the frame is shown), or null.</summary>
    public string? PendingScreenshot { get; set; }

    public RecordingSink? Recording { get; private set; }

    /// <summary>The last finished recording's path and frame count.</summary>
    public (string Path, long Frames)? LastRecording { get; private set; }

    /// <summary>A message shown for 3 s in the HUD (and echoed on the console).</summary>
    public string? Status => Environment.TickCount64 < _statusUntil ? _status : null;

    public void Say(string status)
    {
        _status = status;
        _statusUntil = Environment.TickCount64 + 3000;
        Console.WriteLine($"liveseg: {status}");
    }

    /// <summary>Acts on a pressed key (GLFW key code); unknown keys do nothing.</summary>
    public void Handle(int key)
    {
        if (KeyMap.Find(key) is { } binding)
            Do(binding.Action, binding.Argument);
    }

    /// <summary>
    /// A left click at (<paramref name="x"/>, <paramref name="y"/>) of the <paramref name="framebuffer"/> (pixels from the
    /// top-left), where a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame is shown: locks the person
    /// there (answered in the HUD once the inference thread looked). Without --person it says how to get people.
    /// </summary>
    public void Click(double x, double y, (int Width, int Height) framebuffer, int frameWidth, int frameHeight)
    {
        if (people is null)
            Say(NoPeople("clicks pick"));
        else if (!people.Click(x, y, framebuffer, frameWidth, frameHeight))
            Say("clicked outside the picture");
    }

    /// <summary>"clicks pick people only with --person (e.g. --person all)": live mode without the people stage.</summary>
    private static string NoPeople(string what) => $"{what} people only with --person (e.g. --person all)";

    public void Do(LiveAction action, int argument = 0)
    {
        switch (action)
        {
            case LiveAction.AllPeople:
                if (people is null)
                    Say(NoPeople("A keeps all"));
                else
                    people.KeepAll();
                break;
            case LiveAction.Effect:
                SetEffect(Effect with { Effect = (EffectKind)argument });
                break;
            case LiveAction.NextModel:
                ModelIndex = (ModelIndex + 1) % options.Models.Count;
                segment.SwapModel(options.Models[ModelIndex]);
                Say($"model → {options.Models[ModelIndex].Manifest.Name}");
                break;
            case LiveAction.NextBackground:
                NextBackground();
                break;
            case LiveAction.Stronger or LiveAction.Weaker:
                Adjust(action == LiveAction.Stronger ? +1 : -1);
                break;
            case LiveAction.Screenshot:
                PendingScreenshot = Path.Combine(options.OutputFolder, $"liveseg-{DateTime.Now:yyyyMMdd-HHmmss-fff}.png");
                break;
            case LiveAction.Record:
                if (Recording is null)
                    StartRecording();
                else
                    StopRecording();
                break;
            case LiveAction.Hud:
                HudVisible = !HudVisible;
                break;
            case LiveAction.FullScreen:
                window.ToggleFullScreen();
                break;
            case LiveAction.Help:
                HelpVisible = !HelpVisible;
                break;
            case LiveAction.Quit:
                QuitRequested = true;
                window.Close();
                break;
        }
    }

    /// <summary>
    /// The effect and its main setting, for the HUD and the stream's page ("blur r12", "mask (smooth 0.3)"); the text
    /// is made again only after the effect or the smoothing changed.
    /// </summary>
    public string Describe()
    {
        var (effect, smoothing) = (Effect, Smoothing);
        if (_described is not { } d || d.Effect != effect || !d.Smoothing.Equals(smoothing))
            _described = d = (effect, smoothing, Describe(effect, smoothing));
        return d.Text;
    }

    private (EffectSettings Effect, float Smoothing, string Text)? _described;

    public static string Describe(EffectSettings s, float smoothing) => EffectRegistry.Of(s.Effect).Label(s, smoothing);

    private void SetEffect(EffectSettings settings)
    {
        compositor.Apply(settings.Validated());
        Say($"effect → {Describe()}");
    }

    /// <summary>+/−: the effect's own setting (<see cref="Effects.Effect.Adjusted"/>), else the smoothing of the mask.</summary>
    private void Adjust(int step)
    {
        EffectSettings s = Effect;
        if (EffectRegistry.Of(s.Effect).Adjusted is { } setting)
        {
            SetEffect(setting.Adjusted(s, step));
            return;
        }
        segment.Smoothing = MathF.Round(segment.Smoothing + 0.1f * step, 2);
        Say($"smoothing → {segment.Smoothing:0.0#}");
    }

    private void NextBackground()
    {
        BackgroundIndex = BackgroundIndex + 1 >= options.Backgrounds.Count ? -1 : BackgroundIndex + 1;
        _video?.Dispose();
        _video = null;
        string? path = BackgroundIndex < 0 ? null : options.Backgrounds[BackgroundIndex];
        if (path is not null && BackgroundVideo.IsVideo(path))
        {
            // Opened on the key press (a key may allocate; frames do not); its first frame is shown at once.
            _video = new BackgroundVideo(path, width, height, waitForFrames: false);
            _video.Update(0, _setBackground);
        }
        else
        {
            using Mat cover = path is null ? BackgroundImage.DefaultGradient(width, height) : BackgroundImage.LoadCover(path, width, height);
            compositor.SetBackground(cover);
        }
        compositor.Apply(Effect with { Effect = EffectKind.Replace });
        Say($"background → {(BackgroundIndex < 0 ? "gradient" : Path.GetFileName(options.Backgrounds[BackgroundIndex]))}");
    }

    public void Dispose()
    {
        _video?.Dispose();
        _video = null;
    }

    /// <summary>Why the last recording could not start (null: it did, or none was asked for).</summary>
    public string? RecordingError { get; private set; }

    private void StartRecording()
    {
        RecordingError = null;
        // mp4v rounds odd sizes down: an odd-sized source records to .avi (Motion JPEG keeps any size).
        string extension = (width | height) % 2 == 0 ? ".mp4" : ".avi";
        string path = Path.Combine(options.OutputFolder, $"liveseg-{DateTime.Now:yyyyMMdd-HHmmss-fff}{extension}");
        // A measured rate is rounded to whole frames a second: FFmpeg's mpeg4 encoder refuses time bases that some
        // measured rates give (66.16). A file played at processing speed records at its own rate (2.5, 29.97) when the
        // encoder takes it, else rounded; its frames are placed by their index at the file's rate either way.
        double rate = recordingFps(), rounded = Math.Max(1, Math.Round(rate));
        bool media = atProcessingSpeed;
        double fps = media ? rate : rounded;
        while (true)
        {
            try
            {
                Recording = new RecordingSink(path, width, height, fps, mediaFps: media ? rate : 0);
                break;
            }
            catch (LiveSegException) when (fps != rounded)
            {
                fps = rounded;
            }
            catch (LiveSegException e)
            {
                RecordingError = e.Message;
                Say($"recording not started: {e.Message}"); // the session goes on (LiveLoop ends one that asked for --record)
                return;
            }
        }
        Say(System.FormattableString.Invariant($"recording → {Path.GetFileName(path)} at {fps:0.###} fps"));
    }

    /// <summary>Stops a recording (R, or the end of the session): the file is checked and put in place.</summary>
    public void StopRecording()
    {
        if (Recording is not { } recording)
            return;
        Recording = null;
        try
        {
            if (recording.Finish())
            {
                LastRecording = (recording.Path, recording.FramesWritten);
                Say($"recorded {recording.FramesWritten} frames ({recording.FramesWritten / recording.Rate.Fps:0.0} s, {recording.Dropped} dropped) → {recording.Path}");
            }
            else
            {
                Say("recording stopped before its first frame: nothing written");
            }
        }
        catch (LiveSegException e)
        {
            Say($"recording failed: {e.Message}");
        }
        finally
        {
            recording.Dispose();
        }
    }
}
