using System.Globalization;
using System.Text;
using LiveSeg.Metrics;

namespace LiveSeg.Pipeline;

/// <summary>
/// The HUD's figures as a small JSON object, for readers off the GL thread (the stream's web page polls it). The loop
/// rewrites it a few times a second; readers get the last complete one.
/// </summary>
internal sealed class LiveStatus
{
    private static readonly (Stage Stage, string Name)[] s_stages =
        [(Stage.Decode, "capture"), (Stage.Inference, "inference"), (Stage.Composite, "composite"), (Stage.EndToEnd, "end_to_end")];

    private readonly StringBuilder _text = new(512);
    private volatile string _json = "{}";

    public string Json => _json;

    /// <summary>Writes the figures (GL thread; <paramref name="stats"/> computed just before).</summary>
    public void Update(RollingStats stats, string model, string provider, string effect, long captured, long dropped, string outputs)
    {
        var inv = CultureInfo.InvariantCulture;
        _text.Clear();
        _text.Append(inv, $"{{\"fps\":{stats.Fps:0},\"model\":\"{Escape(model)}\",\"provider\":\"{Escape(provider)}\",\"effect\":\"{Escape(effect)}\",");
        _text.Append(inv, $"\"captured\":{captured},\"dropped\":{dropped},\"outputs\":\"{Escape(outputs)}\",\"p50_ms\":{{");
        for (int i = 0; i < s_stages.Length; i++)
            _text.Append(inv, $"{(i > 0 ? "," : "")}\"{s_stages[i].Name}\":{stats.P50[(int)s_stages[i].Stage]:0.0}");
        _text.Append(inv, $"}},\"p95_ms\":{{");
        for (int i = 0; i < s_stages.Length; i++)
            _text.Append(inv, $"{(i > 0 ? "," : "")}\"{s_stages[i].Name}\":{stats.P95[(int)s_stages[i].Stage]:0.0}");
        _text.Append("}}");
        _json = _text.ToString();
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
