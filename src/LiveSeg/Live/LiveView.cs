using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.Output;
using LiveSeg.Rendering;

namespace LiveSeg.Live;

/// <summary>
/// What live mode draws each turn of the loop: the frame composited with its mask (black before the first pair), the
/// HUD (with --person, the people's ids at their faces: <see cref="PeopleLabels"/>), a screenshot taken before the swap (exactly what is shown); a new composited frame's read-back for the outputs
/// starts here and is collected after the swap (<see cref="OutputSinks"/>). Headless, the display is drawn only for a screenshot. Runs on the GL thread.
/// </summary>
internal sealed class LiveView(ILiveDisplay window, ILiveCompositor compositor, LiveControls controls, RollingStats stats, OutputSinks outputs,
    Func<(long Captured, long Dropped, OnnxSegmenter Segmenter, string? SourceStatus)> counters, MotionComp? motion = null,
    SteadinessMeter? steadiness = null, LivePeople? people = null) : IDisposable
{
    private readonly HudStage _hud = new(window.Gl, new ShaderLibrary(), KeyMap.HudLines, people is not null);
    private readonly HudInfo _info = new() { Stats = stats, MaskAge = motion?.Ages, Steadiness = steadiness };
    private readonly OutputsSummary _outputsSummary = new(outputs.Sinks);
    private PeopleLabels? _labels;

    /// <summary>Draws <paramref name="shown"/> with <paramref name="result"/>'s mask; returns the frame's timings (upload and composite added).</summary>
    public FrameTiming Draw(FrameSlot shown, FrameSlot result, bool ready, bool recordFrame)
    {
        var (fbW, fbH) = window.FramebufferSize;
        uint framebuffer = window.Framebuffer;
        bool drawDisplay = window.IsVisible || controls.PendingScreenshot is not null;
        FrameTiming timing = shown.Timing;
        RenderTarget? target = null;
        if (ready)
        {
            // The mask's own stages come from the frame it was computed on (the newest one, in latest-wins mode).
            // (Motion: the steadiness meter's part, on the inference thread; the warp's is added below.)
            for (int s = (int)Stage.Preprocess; s <= (int)Stage.Motion; s++)
                timing.Ticks[s] = result.Timing.Ticks[s];
            Motion.MotionField? field = motion?.For(shown, result, recordFrame, ref timing);
            target = compositor.Render(shown.Image, result.Mask, ref timing, field);
            if (recordFrame)
                outputs.Start(target, result.Crop, shown.Timing.CaptureTimestamp, shown.Index, controls.Recording, ref timing); // the window's crop
            long t = Stopwatch.GetTimestamp();
            if (drawDisplay)
                compositor.Present(target, result.Crop, framebuffer, fbW, fbH); // auto-framing: the mask's frame's crop
            timing.Add(Stage.Composite, t);
        }
        else if (drawDisplay)
        {
            Screenshots.ClearWindow(window.Gl, framebuffer, fbW, fbH);
        }
        if (controls.HudVisible && drawDisplay)
        {
            // A change of who is in view or kept is drawn at once (a click shows its lock on the next frame), the rest 4 times a second.
            _hud.Update(_info, force: UpdateHudInfo(result));
            _hud.Draw(framebuffer, fbH);
            if (people is not null && ready)
            {
                _labels ??= new PeopleLabels(window.Gl, _hud);
                _labels.Draw(result.People.AsSpan(0, result.PeopleCount), result.Crop, framebuffer, fbW, fbH, shown.Image.Cols, shown.Image.Rows);
            }
        }
        if (controls.PendingScreenshot is { } path)
        {
            controls.PendingScreenshot = null;
            Screenshots.Save(window.Gl, path, framebuffer, fbW, fbH);
            controls.Say($"screenshot → {path}");
        }
        return timing;
    }

    /// <summary>
    /// A black frame through every path before capture starts — each effect's program (llvmpipe compiles a shader at
    /// its first draw, a stall of several frame periods), the HUD, the swap — so neither the first real frames nor the
    /// first switch to another effect are late.
    /// </summary>
    public void WarmUp(int width, int height, int maskWidth, int maskHeight)
    {
        stats.Compute();
        using var black = new FrameSlot(maskWidth, maskHeight);
        black.Image.Create(height, width, OpenCvSharp.MatType.CV_8UC3);
        black.Image.SetTo(OpenCvSharp.Scalar.Black);
        black.Timing.Reset(Stopwatch.GetTimestamp());
        EffectSettings chosen = compositor.Settings;
        foreach (Effect effect in EffectRegistry.All)
        {
            compositor.Apply(chosen with { Effect = effect.Kind });
            Draw(black, black, ready: true, recordFrame: false);
        }
        compositor.Apply(chosen);
        for (int i = 0; i < 2; i++)
        {
            Draw(black, black, ready: true, recordFrame: false);
            window.SwapBuffers();
        }
    }

    /// <summary>The outputs' drops for the stream's page (and the HUD): see <see cref="OutputsSummary"/> (twice a second, by the loop).</summary>
    public ReadOnlySpan<char> RefreshOutputsSummary() => _outputsSummary.Refresh();

    private int _peopleSignature;

    /// <summary>Fills the HUD's figures from <paramref name="result"/>; true when the people line changed.</summary>
    private bool UpdateHudInfo(FrameSlot result)
    {
        bool peopleChanged = false;
        if (people is not null)
        {
            // The mask's frame's people (the slot's own array: nothing copied); the text is built with the HUD's.
            (_info.People, _info.PeopleCount) = (result.People, result.PeopleCount);
            _info.PeopleLocked = !people.Stage.Choice.KeepsEveryone;
            int signature = _info.PeopleLocked ? 1 : 0;
            for (int i = 0; i < result.PeopleCount; i++)
                signature = HashCode.Combine(signature, result.People[i].Id, result.People[i].Kept);
            peopleChanged = signature != _peopleSignature;
            _peopleSignature = signature;
        }
        var (captured, dropped, segmenter, sourceStatus) = counters();
        _info.Captured = captured;
        _info.Dropped = dropped;
        _info.Outputs = _outputsSummary.Text;
        _info.Provider = segmenter.Provider;
        _info.Model = segmenter.Manifest.Name;
        _info.Effect = controls.Describe();
        _info.ShowKeys = controls.HelpVisible;
        _info.MotionComp = motion?.Describe() ?? "";
        _info.Status = sourceStatus
            ?? (controls.Recording is { } r ? $"recording → {Path.GetFileName(r.Path)}" : null)
            ?? controls.Status;
        return peopleChanged;
    }

    public void Dispose()
    {
        _labels?.Dispose();
        _hud.Dispose();
    }
}
