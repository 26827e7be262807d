using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Masks;
using LiveSeg.Metrics;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Evaluation;

/// <summary>
/// How steady one clip's masks are (<see cref="ClipQuality.Measure"/>): the flicker (<see cref="FlickerMeter"/>, 0..1;
/// NaN with fewer than two frames) of the raw model mask, the temporally smoothed mask, the refined mask and the refined
/// smoothed mask; the share of pixels that counted as unchanged; the lag smoothing adds, in frames
/// (<see cref="LagMeter"/>); the IoU of masks 1..<see cref="MaskAgeMeter.MaxAge"/> frames old; and the mean cost of one
/// motion estimate + warp, in ms (NaN: none measured).
/// </summary>
internal sealed record QualityResult(string Clip, int Frames, int Width, int Height, double Raw, double Smoothed, double Refined,
    double RefinedSmoothed, double StaticShare, double LagFrames, StaleMaskIoU[] Ages, double WarpMs);

/// <summary>IoU of masks <c>Frames</c> old against the frame's own, as they are and motion-compensated (<see cref="MaskAgeMeter"/>).</summary>
internal sealed record StaleMaskIoU(int Frames, double Stale, double Warped);

/// <summary>
/// Starts showing progress of a measurement: <paramref name="framesDone"/> may be read from another thread,
/// <paramref name="framesExpected"/> is the most frames it will read. Disposed when the measurement ends.
/// </summary>
internal delegate IDisposable? FrameProgress(Func<int> framesDone, int framesExpected);

/// <summary><c>liveseg quality</c>'s measurement of one clip: the masks' flicker, the lag smoothing adds and the IoU of stale masks.</summary>
internal static class ClipQuality
{
    /// <summary>
    /// Runs <paramref name="segmenter"/> on the first <paramref name="maxFrames"/> frames of <paramref name="clip"/> and
    /// measures four mask streams at the frame's size: raw (bilinear), smoothed with <paramref name="smoothing"/>
    /// (<see cref="TemporalSmoother"/>), refined with <paramref name="refine"/>, and refined + smoothed (what video and
    /// live show).
    /// </summary>
    /// <param name="progress">Shows progress while the clip is read; null: none.</param>
    public static QualityResult Measure(string clip, OnnxSegmenter segmenter, float smoothing, RefineKind refine, int maxFrames, FrameProgress? progress = null)
    {
        using var source = new VideoFileSource(clip);
        int w = source.Width, h = source.Height, mw = segmenter.MaskWidth, mh = segmenter.MaskHeight, pixels = w * h;
        var smoother = new TemporalSmoother(mw * mh, smoothing);
        var refiner = new MaskRefiner(RefineChoice.Method(refine));
        var meters = new[] { new FlickerMeter(pixels), new FlickerMeter(pixels), new FlickerMeter(pixels), new FlickerMeter(pixels) };
        var lag = new LagMeter(mw * mh);
        var ages = new MaskAgeMeter(w, h, mw, mh);
        var raw = new Mask(mw, mh);
        var smoothed = new Mask(mw, mh);
        var rgb = new float[pixels * 3];
        var luma = new float[pixels];
        var full = new float[pixels];
        using var frame = new Mat();
        using var upsampled = new Mat();
        int frames = 0;
        using var shown = progress?.Invoke(() => Volatile.Read(ref frames), Math.Min(maxFrames, source.FrameCount > 0 ? source.FrameCount : maxFrames));
        while (frames < maxFrames && source.Read(frame))
        {
            var timing = new FrameTiming();
            segmenter.Segment(frame, raw, ref timing);
            smoothed.CopyFrom(raw);
            smoother.Apply(smoothed, frame);
            lag.Add(raw.Data, smoothed.Data);
            ages.Add(frame, raw);
            CpuCompositor.ToRgbFloat(frame, rgb);
            for (int i = 0; i < pixels; i++)
                luma[i] = MaskRefiner.Luma(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
            Bilinear(raw, upsampled, w, h, full);
            meters[0].Add(luma, full);
            Bilinear(smoothed, upsampled, w, h, full);
            meters[1].Add(luma, full);
            Refined(refiner, rgb, w, h, raw, upsampled, full);
            meters[2].Add(luma, full);
            Refined(refiner, rgb, w, h, smoothed, upsampled, full);
            meters[3].Add(luma, full);
            Interlocked.Increment(ref frames);
        }
        return new QualityResult(clip, frames, w, h, meters[0].Flicker, meters[1].Flicker, meters[2].Flicker, meters[3].Flicker,
            meters[0].StaticShare, lag.Frames,
            [.. Enumerable.Range(1, MaskAgeMeter.MaxAge).Select(k => new StaleMaskIoU(k, ages.At(k).Stale, ages.At(k).Warped))],
            ages.WarpCost.Count == 0 ? double.NaN : StageInfo.TicksToMs(ages.WarpCost.Ticks) / ages.WarpCost.Count);
    }

    /// <summary>The mask at frame size as the compositor shows it: refined, or bilinear when refinement is off.</summary>
    private static void Refined(MaskRefiner refiner, float[] rgb, int w, int h, Mask mask, Mat upsampled, float[] output)
    {
        if (refiner.Kind == RefineMethod.Off)
        {
            Bilinear(mask, upsampled, w, h, output);
            return;
        }
        refiner.RefineToFrame(rgb, w, h, mask).Data.AsSpan(0, w * h).CopyTo(output);
    }

    /// <summary>mask.glsl's bilinear upsampling (OpenCV INTER_LINEAR: pixel centres aligned) into <paramref name="output"/>.</summary>
    private static void Bilinear(Mask mask, Mat upsampled, int w, int h, float[] output)
    {
        using var small = Mat.FromPixelData(mask.Height, mask.Width, MatType.CV_32FC1, mask.Data);
        Cv2.Resize(small, upsampled, new Size(w, h), 0, 0, InterpolationFlags.Linear);
        upsampled.GetArray(out float[] values);
        values.CopyTo(output, 0);
    }
}
