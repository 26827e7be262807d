using System.Globalization;
using LiveSeg.Output;

namespace LiveSeg.Live;

/// <summary>
/// The outputs' drops, short, for the HUD and the stream's page ("outputs dropped: stream 2 vcam 0"). Rebuilt by
/// <see cref="Refresh"/> (twice a second, by the loop) into a buffer made once, so a refresh allocates nothing; the
/// HUD's string (<see cref="Text"/>) is made from it only when the HUD is drawn after the text changed. GL thread.
/// </summary>
internal sealed class OutputsSummary(IReadOnlyList<IFrameSink> sinks)
{
    private const string Head = "outputs dropped:";

    // Per sink a space, the longest name and a space, and the digits of a long.
    private readonly char[] _buffer = new char[Head.Length + sinks.Count * (" stream ".Length + 20)];
    private int _length;
    private bool _changed;
    private string? _text;

    /// <summary>The drops as they are now; empty without outputs. Valid until the next call.</summary>
    public ReadOnlySpan<char> Refresh()
    {
        if (sinks.Count == 0)
            return default;
        Span<char> buffer = _buffer;
        Head.CopyTo(buffer);
        int length = Head.Length;
        for (int i = 0; i < sinks.Count; i++) // (an interpolated TryWrite boxed the number: 24 B a sink)
        {
            var sink = sinks[i];
            string name = sink is MjpegStreamSink ? " stream " : sink is VirtualCameraSink ? " vcam " : " ";
            name.CopyTo(buffer[length..]);
            length += name.Length;
            sink.Dropped.TryFormat(buffer[length..], out int written, default, CultureInfo.InvariantCulture);
            length += written;
        }
        var text = buffer[..length];
        _changed |= _text is null || !text.SequenceEqual(_text);
        _length = length;
        return text;
    }

    /// <summary>The last <see cref="Refresh"/>'s text as a string (null before the first); a new string only after a change.</summary>
    public string? Text
    {
        get
        {
            if (_changed)
                (_text, _changed) = (new string(_buffer, 0, _length), false);
            return _text;
        }
    }
}
