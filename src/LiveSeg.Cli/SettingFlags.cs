namespace LiveSeg.Cli;

/// <summary>
/// The engine's messages name settings by their property names ("Crf 70 is out of range ..."); the command line's
/// users know them by their flags ("--crf 70 is out of range ..."). <see cref="Describe"/> renders a message in flags.
/// </summary>
internal static class SettingFlags
{
    private static readonly Dictionary<string, string> s_flags = new(StringComparer.Ordinal)
    {
        ["Codec"] = "--codec",
        ["Crf"] = "--crf",
        ["Encoder"] = "--encoder",
        ["Smoothing"] = "--smooth",
    };

    /// <summary>The flag that sets <paramref name="setting"/> (a property name); the name itself when none does.</summary>
    public static string Flag(string setting) => s_flags.GetValueOrDefault(setting, setting);

    /// <summary><paramref name="e"/>'s message as the command line says it: settings named by their flags.</summary>
    public static string Describe(LiveSegException e) => e.Rephrase(Flag);
}
