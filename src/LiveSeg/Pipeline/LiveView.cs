using System.Diagnostics;
using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.Rendering;

namespace LiveSeg.Pipeline;

/// <summary>
/// What live mode draws into its window each turn of the loop: the frame composited with its mask (black before the
/// first pair), the HUD, a screenshot taken before the swap (exactly what is shown), and the frame handed to the
/// recording (new frames only). Runs on the GL thread.
/// </summary>
public sealed class LiveView(GlfwWindow window, GlCompositor compositor, LiveControls controls, RollingStats stats,
    Func<(long Captured, long Dropped, OnnxSegmenter Segmenter, string? SourceStatus)> counters) : IDisposable
{
    private readonly HudStage _hud = new(window.Gl, new ShaderLibrary());
    private readonly HudInfo _info = new() { Stats = stats };

    /// <summary>Draws <paramref name="shown"/> with <paramref name="result"/>'s mask; returns the frame's timings (upload and composite added).</summary>
    public FrameTiming Draw(FrameSlot shown, FrameSlot result, bool ready, bool recordFrame)
    {
        var (fbW, fbH) = window.FramebufferSize;
        FrameTiming timing = shown.Timing;
        RenderTarget? target = null;
        if (ready)
        {
            // The mask's own stages come from the frame it was computed on (the newest one, in latest-wins mode).
            for (int s = (int)Stage.Preprocess; s <= (int)Stage.Postprocess; s++)
                timing.Ticks[s] = result.Timing.Ticks[s];
            target = compositor.Render(shown.Image, result.Mask, result.MaskWidth, result.MaskHeight, ref timing);
            long t = Stopwatch.GetTimestamp();
            compositor.Present(target, fbW, fbH);
            timing.Add(Stage.Composite, t);
        }
        else
        {
            Screenshots.ClearWindow(window.Gl, fbW, fbH);
        }
        if (controls.HudVisible)
        {
            UpdateHudInfo();
            _hud.Update(_info);
            _hud.Draw(fbH);
        }
        if (controls.PendingScreenshot is { } path)
        {
            controls.PendingScreenshot = null;
            Screenshots.Save(window.Gl, path, fbW, fbH);
            controls.Say($"screenshot → {path}");
        }
        if (recordFrame && target is not null && controls.Recording is { } recording)
            recording.Submit(target, shown.Timing.CaptureTimestamp);
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
        foreach (EffectKind effect in Enum.GetValues<EffectKind>())
        {
            compositor.Apply(chosen with { Effect = effect });
            Draw(black, black, ready: true, recordFrame: false);
        }
        compositor.Apply(chosen);
        for (int i = 0; i < 2; i++)
        {
            Draw(black, black, ready: true, recordFrame: false);
            window.SwapBuffers();
        }
    }

    private void UpdateHudInfo()
    {
        var (captured, dropped, segmenter, sourceStatus) = counters();
        _info.Captured = captured;
        _info.Dropped = dropped;
        _info.Provider = segmenter.Provider;
        _info.Model = segmenter.Manifest.Name;
        _info.Effect = controls.Describe();
        _info.ShowKeys = controls.HelpVisible;
        _info.Status = sourceStatus
            ?? (controls.Recording is { } r ? $"recording → {Path.GetFileName(r.Path)}" : null)
            ?? controls.Status;
    }

    public void Dispose() => _hud.Dispose();
}
