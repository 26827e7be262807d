using System.Globalization;

namespace LiveSeg.Media;

/// <summary>An exact ratio such as a frame rate (30000/1001) or a time base (1/90000), as FFmpeg writes them.</summary>
internal readonly record struct Rational(long Num, long Den)
{
    public bool IsValid => Num > 0 && Den > 0;

    public double Value => Den == 0 ? 0 : (double)Num / Den;

    /// <summary>"30000/1001", "1/90000" or "25"; an invalid value (0/0, text) when it does not parse.</summary>
    public static Rational Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return default;
        string[] parts = text.Split('/', ':');
        if (parts.Length == 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long whole))
            return new(whole, 1);
        return parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)
            && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long d)
            ? new(n, d) : default;
    }

    /// <summary>The closest ratio with a denominator up to 1001·1000 for a rate known only as a double (a camera's 29.97).</summary>
    public static Rational FromDouble(double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
            return default;
        foreach (long den in (long[])[1, 1001, 1000, 100])
        {
            double num = value * den;
            if (Math.Abs(num - Math.Round(num)) < 1e-6 * den)
                return new((long)Math.Round(num), den);
        }
        return new((long)Math.Round(value * 1_000_000), 1_000_000);
    }

    public override string ToString() => Den == 1 ? Num.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Num}/{Den}");
}
