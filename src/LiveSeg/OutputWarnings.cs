namespace LiveSeg;

/// <summary>
/// Warnings the engine gives about its inputs (a model's non-finite outputs, a gap in an image sequence), each said once
/// per process: the liveseg command prints them ("liveseg: warning: ..."); a library host may set <see cref="Sink"/>
/// to see them (default: none).
/// </summary>
internal static class OutputWarnings
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> s_said = new(StringComparer.Ordinal);

    public static Action<string>? Sink { get; set; }

    /// <summary>Says <paramref name="message"/> unless a warning with the same <paramref name="key"/> was said already.</summary>
    public static void Once(string key, string message)
    {
        if (s_said.TryAdd(key, true))
            Sink?.Invoke(message);
    }
}
