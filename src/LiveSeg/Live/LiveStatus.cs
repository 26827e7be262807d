using System.Buffers;
using System.Text;
using System.Text.Json;
using LiveSeg.Metrics;

namespace LiveSeg.Live;

/// <summary>
/// The HUD's figures as a small JSON object, for readers off the GL thread (the stream's web page polls it). The loop
/// rewrites it a few times a second; readers get the last complete one.
/// </summary>
internal sealed class LiveStatus
{
    private static readonly (Stage Stage, string Name)[] s_stages =
        [(Stage.Decode, "capture"), (Stage.Inference, "inference"), (Stage.Composite, "composite"), (Stage.EndToEnd, "end_to_end")];

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private volatile string _json = "{}";

    public string Json => _json;

    /// <summary>
    /// Writes the figures (GL thread; <paramref name="stats"/> computed just before) with System.Text.Json, so any
    /// name — a manifest's <c>name</c> with a newline, a NUL or quotes — stays a valid JSON string.
    /// </summary>
    public void Update(RollingStats stats, string model, string provider, string effect, long captured, long dropped, string outputs,
        MotionComp? motion = null, SteadinessMeter? steadiness = null)
    {
        _buffer.ResetWrittenCount();
        using var w = new Utf8JsonWriter(_buffer); // a few times a second, never per frame
        w.WriteStartObject();
        w.WriteNumber("fps", Finite(Math.Round(stats.Fps)));
        w.WriteString("model", model);
        w.WriteString("provider", provider);
        w.WriteString("effect", effect);
        w.WriteNumber("captured", captured);
        w.WriteNumber("dropped", dropped);
        w.WriteString("outputs", outputs);
        if (motion is not null)
        {
            var (f50, f95) = motion.Ages.Frames(MaskAgeStats.RecentCount);
            var (m50, m95) = motion.Ages.Milliseconds(MaskAgeStats.RecentCount);
            w.WriteStartObject("mask_age");
            w.WriteNumber("frames_p50", Finite(f50));
            w.WriteNumber("frames_p95", Finite(f95));
            w.WriteNumber("ms_p50", Finite(Math.Round(m50, 1)));
            w.WriteNumber("ms_p95", Finite(Math.Round(m95, 1)));
            w.WriteEndObject();
            w.WriteString("motion_comp", motion.Describe());
        }
        if (steadiness is not null)
        {
            w.WriteStartObject("steadiness");
            w.WriteNumber("edge_error_warped", Finite(Math.Round(steadiness.WarpedError, 2)));
            w.WriteNumber("edge_error_unwarped", Finite(Math.Round(steadiness.StaleError, 2)));
            w.WriteEndObject();
        }
        foreach (var (name, values) in new[] { ("p50_ms", stats.P50), ("p95_ms", stats.P95) })
        {
            w.WriteStartObject(name);
            foreach (var (stage, stageName) in s_stages)
                w.WriteNumber(stageName, Finite(Math.Round(values[(int)stage], 1)));
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.Flush();
        _json = Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }

    /// <summary>JSON has no NaN or infinity: a figure not known yet is 0.</summary>
    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
