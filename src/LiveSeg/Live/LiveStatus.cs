using System.Buffers;
using System.Text;
using System.Text.Json;
using LiveSeg.Metrics;

namespace LiveSeg.Live;

/// <summary>
/// The HUD's figures as a small JSON object, for readers off the GL thread (the stream's web page polls it). The loop
/// rewrites it a few times a second; readers get the last complete one.
/// <para>A rewrite allocates nothing: the JSON is written into a buffer by a writer, both made once, then copied under
/// the lock into the published bytes (grown only if the text outgrows them). The reader makes the string, once per
/// rewrite it sees.</para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The writer writes into a managed buffer: disposing it would only flush, and nothing else is held.")]
internal sealed class LiveStatus
{
    private static readonly (Stage Stage, string Name)[] s_stages =
        [(Stage.Decode, "capture"), (Stage.Inference, "inference"), (Stage.Composite, "composite"), (Stage.EndToEnd, "end_to_end")];

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private readonly Lock _lock = new();
    private byte[] _published = new byte[1024];
    private int _publishedLength;
    private string? _json = "{}";

    public LiveStatus() => _writer = new Utf8JsonWriter(_buffer);

    /// <summary>The last complete figures (any thread; the string is made once per rewrite).</summary>
    public string Json
    {
        get
        {
            lock (_lock)
                return _json ??= Encoding.UTF8.GetString(_published, 0, _publishedLength);
        }
    }

    /// <summary>
    /// Writes the figures (GL thread; <paramref name="stats"/> computed just before) with System.Text.Json, so any
    /// name — a manifest's <c>name</c> with a newline, a NUL or quotes — stays a valid JSON string.
    /// </summary>
    public void Update(RollingStats stats, string model, string provider, string effect, long captured, long dropped, ReadOnlySpan<char> outputs,
        MotionComp? motion = null, SteadinessMeter? steadiness = null)
    {
        _buffer.ResetWrittenCount();
        Utf8JsonWriter w = _writer;
        w.Reset();
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
        WriteStages(w, "p50_ms", stats.P50);
        WriteStages(w, "p95_ms", stats.P95);
        w.WriteEndObject();
        w.Flush();
        Publish(_buffer.WrittenSpan);
    }

    private static void WriteStages(Utf8JsonWriter w, string name, double[] values)
    {
        w.WriteStartObject(name);
        foreach (var (stage, stageName) in s_stages)
            w.WriteNumber(stageName, Finite(Math.Round(values[(int)stage], 1)));
        w.WriteEndObject();
    }

    /// <summary>The new text for readers; unchanged text keeps the string a reader already made.</summary>
    private void Publish(ReadOnlySpan<byte> json)
    {
        lock (_lock)
        {
            if (json.SequenceEqual(_published.AsSpan(0, _publishedLength)))
                return;
            if (json.Length > _published.Length)
                _published = new byte[json.Length * 2];
            json.CopyTo(_published);
            _publishedLength = json.Length;
            _json = null;
        }
    }

    /// <summary>JSON has no NaN or infinity: a figure not known yet is 0.</summary>
    private static double Finite(double v) => double.IsFinite(v) ? v : 0;
}
