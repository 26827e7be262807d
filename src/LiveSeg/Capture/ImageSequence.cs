using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LiveSeg.Capture;

/// <summary>
/// An image-sequence pattern (<c>frames/f%04d.png</c>: one printf integer, <c>%d</c>, <c>%Nd</c> or <c>%0Nd</c>) resolved
/// against its folder: the first index present (the sequence may start anywhere from 0 to <see cref="MaxStart"/>), the
/// run of consecutive files from there, and the first missing index when more files follow a gap. OpenCV's image
/// reader is given the first file's own name, from which it takes the start index.
/// </summary>
internal sealed class ImageSequence
{
    /// <summary>The highest start index looked for.</summary>
    public const int MaxStart = 1000;

    private static readonly Regex s_integer = new(@"%(0?)(\d*)d", RegexOptions.CultureInvariant);

    private readonly string _pattern;
    private readonly Match _spec;

    private ImageSequence(string pattern, Match spec) => (_pattern, _spec) = (pattern, spec);

    /// <summary>The file name for <paramref name="index"/>.</summary>
    public string FileFor(int index)
    {
        string digits = index.ToString(CultureInfo.InvariantCulture);
        int width = _spec.Groups[2].Length > 0 ? int.Parse(_spec.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        digits = _spec.Groups[1].Length > 0 ? digits.PadLeft(width, '0') : digits.PadLeft(width, ' ');
        return string.Concat(_pattern.AsSpan(0, _spec.Index), digits, _pattern.AsSpan(_spec.Index + _spec.Length));
    }

    /// <summary>The first index present.</summary>
    public int First { get; private set; }

    /// <summary>How many consecutive files from <see cref="First"/>.</summary>
    public int Count { get; private set; }

    /// <summary>The first missing index when files with higher indices exist (a gap), else null.</summary>
    public int? Gap { get; private set; }

    /// <summary>Files after the gap (not read).</summary>
    public int AfterGap { get; private set; }

    /// <summary>Resolves <paramref name="pattern"/>; a pattern with no file or not one integer field is a one-line error.</summary>
    public static ImageSequence Resolve(string pattern)
    {
        var specs = s_integer.Matches(pattern);
        if (specs.Count != 1 || pattern.Replace("%%", "", StringComparison.Ordinal).Count(c => c == '%') != 1)
            Throw.User($"image sequence '{pattern}' needs exactly one number field such as %04d or %d (a file whose name holds '%' must exist).");
        var sequence = new ImageSequence(pattern, specs[0]);
        string folder = Path.GetDirectoryName(Path.GetFullPath(pattern)) ?? ".";
        // Every index present, from the folder's listing: a name counts when the pattern gives it back for its number.
        var present = new SortedSet<int>();
        string name = Path.GetFileName(pattern);
        var spec = s_integer.Match(name);
        var shape = new Regex("^" + Regex.Escape(name[..spec.Index]) + @"\s*(\d{1,9})" + Regex.Escape(name[(spec.Index + spec.Length)..]) + "$", RegexOptions.CultureInvariant);
        if (Directory.Exists(folder))
        {
            foreach (string file in Directory.EnumerateFiles(folder))
            {
                var m = shape.Match(Path.GetFileName(file));
                if (m.Success && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out int i)
                    && string.Equals(Path.GetFileName(sequence.FileFor(i)), Path.GetFileName(file), StringComparison.Ordinal))
                    present.Add(i);
            }
        }
        if (present.Count == 0 || present.Min > MaxStart)
            Throw.User($"image sequence '{pattern}' has no file with an index from 0 to {MaxStart} (the first would be '{sequence.FileFor(0)}'): check the pattern and the folder.");
        sequence.First = present.Min;
        int next = sequence.First;
        while (present.Contains(next))
            next++;
        sequence.Count = next - sequence.First;
        sequence.AfterGap = present.Count - sequence.Count;
        sequence.Gap = sequence.AfterGap > 0 ? next : null;
        return sequence;
    }

    /// <summary>
    /// The gap rule: a sequence with a gap is an error naming the first missing index (exit 2, before any work), or
    /// with <paramref name="allowGaps"/> a warning, and the frames before the gap are processed.
    /// </summary>
    public void CheckGap(bool allowGaps)
    {
        if (Gap is not { } gap)
            return;
        string what = $"image sequence '{_pattern}' has a gap: '{Path.GetFileName(FileFor(gap))}' (index {gap}) is missing after {Count} frame(s) from index {First}, and {AfterGap} file(s) follow it";
        if (!allowGaps)
            Throw.User($"{what}: fill the gap, or pass --allow-gaps to process the {Count} frame(s) before it.");
        OutputWarnings.Once("gap:" + _pattern, $"{what}: only the {Count} frame(s) before the gap are read (--allow-gaps).");
    }
}
