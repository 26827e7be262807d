using OpenCvSharp;

namespace LiveSeg.Capture;

/// <summary>Frames [<see cref="Start"/>, <see cref="End"/>) of a video, 0-based; <see cref="End"/> = int.MaxValue: to the end.</summary>
internal readonly record struct FrameRange(int Start, int End)
{
    /// <summary>The whole input.</summary>
    public static FrameRange All => new(0, int.MaxValue);

    public bool IsAll => Start == 0 && End == int.MaxValue;

    /// <summary>Frames in the range, or null when it runs to the end of an input of unknown length.</summary>
    public int? Count => End == int.MaxValue ? null : End - Start;

    /// <summary>Reads "A..B" (frames A to B−1), "A.." (A to the end) or "..B"; a one-line error names the text otherwise.</summary>
    public static FrameRange Parse(string text)
    {
        string t = text.Trim();
        int dots = t.IndexOf("..", StringComparison.Ordinal);
        if (dots < 0)
            Throw.User($"range '{text}' is not A..B: give the first frame and the frame after the last, 0-based (0..300, 300..600, 600..).");
        string a = t[..dots], b = t[(dots + 2)..];
        int start = a.Length == 0 ? 0 : Number(a, text);
        int end = b.Length == 0 ? int.MaxValue : Number(b, text);
        if (end <= start)
            Throw.User($"range '{text}' is empty: B must be greater than A in A..B (frames A to B−1, 0-based), e.g. 10..50.");
        return new FrameRange(start, end);
    }

    private static int Number(string s, string text) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v)
            ? v : Throw.User<int>($"range '{text}': '{s}' is not a frame number (0 or more): give A..B, e.g. 300..600.");

    public override string ToString() => End == int.MaxValue ? $"{Start}.." : $"{Start}..{End}";
}

/// <summary>
/// A span of a video file as a source: frames [first, end) of <see cref="VideoFileSource"/>, reached by seeking where
/// the seek lands on the very frame asked for (a constant-rate file: checked by its timestamp), else by decoding and
/// dropping the frames before it (exact for any file, variable rate and image sequences included, at decoding cost).
/// Timestamps stay the input's own (frame <c>first</c> keeps its time, not 0), so parts of one file concatenate back
/// into the file's timing.
/// </summary>
internal sealed class RangeSource : IFrameSource
{
    private readonly VideoFileSource _inner;
    private readonly int _end;
    private int _next;

    /// <param name="path">The video file.</param>
    /// <param name="first">The first frame to deliver (0-based).</param>
    /// <param name="end">The frame after the last to deliver (int.MaxValue: to the end).</param>
    /// <param name="seek">Seeking may be tried (false for a variable-rate file: its frame numbers cannot be found from times).</param>
    /// <param name="allowGaps">As <see cref="VideoFileSource"/>'s.</param>
    /// <param name="written">The range's first frame that is written (after the warm-up from <paramref name="first"/>): it must be inside the input.</param>
    public RangeSource(string path, int first, int end, bool seek, bool allowGaps = false, int written = 0)
    {
        _inner = new VideoFileSource(path, allowGaps);
        try
        {
            int start = Math.Max(first, written);
            if (_inner.FrameCount > 0 && start >= _inner.FrameCount)
                Throw.User($"input '{path}' has {_inner.FrameCount} frames: a range starting at frame {start} is past its end (frames are counted from 0).");
            Seeked = first > 0 && seek && _inner.SeekTo(first, _inner.FrameRate);
            if (first > 0 && !Seeked)
            {
                _inner.Dispose();
                _inner = new VideoFileSource(path, allowGaps);
                if (_inner.Skip(first) < first)
                    Throw.User($"input '{path}' ended before frame {first}: a range must start inside the video (frames are counted from 0).");
            }
        }
        catch
        {
            _inner.Dispose();
            throw;
        }
        _next = first;
        _end = end;
        int total = _inner.FrameCount > 0 ? Math.Min(_inner.FrameCount, end) : end;
        FrameCount = total == int.MaxValue ? 0 : Math.Max(0, total - first);
    }

    /// <summary>The start was reached by seeking (false: by decoding from the beginning, or it is frame 0).</summary>
    public bool Seeked { get; }

    public int Width => _inner.Width;

    public int Height => _inner.Height;

    public double FrameRate => _inner.FrameRate;

    public bool FrameRateGuessed => _inner.FrameRateGuessed;

    public bool TimestampsKnown => true;

    /// <summary>Frames this range will deliver (0 when unknown).</summary>
    public int FrameCount { get; }

    /// <summary>The input's own time of the frame (an image sequence: its index over the rate), not reset to 0 at the range's start.</summary>
    public long FrameTimeNs { get; private set; } = -1;

    public bool Read(Mat destination)
    {
        if (_next >= _end || !_inner.Read(destination))
            return false;
        FrameTimeNs = _inner.FrameTimeNs >= 0 ? _inner.FrameTimeNs : (long)Math.Round(_next * 1e9 / Math.Max(1e-3, FrameRate));
        _next++;
        return true;
    }

    public void Dispose() => _inner.Dispose();
}
