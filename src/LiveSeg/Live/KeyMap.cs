using LiveSeg.Effects;
using LiveSeg.Rendering;

namespace LiveSeg.Live;

/// <summary>What a key does in live mode.</summary>
internal enum LiveAction { Effect, NextModel, NextBackground, Stronger, Weaker, Screenshot, Record, Hud, FullScreen, Help, Quit, LockPerson, AllPeople }

/// <summary>One key (or several that do the same; none for the mouse's click), its label for people, what it does, and the action with its argument.</summary>
internal sealed record KeyBinding(string Label, string Description, LiveAction Action, int Argument, params int[] Keys);

/// <summary>
/// The one table of live-mode keys: it drives key handling (<see cref="Find"/>), the HUD's help overlay
/// (<see cref="HudLines"/>) and <c>liveseg live --help</c> (<see cref="HelpText"/>), so none of them can drift.
/// Keys are GLFW key codes (letters and digits are their upper-case ASCII codes).
/// </summary>
internal static class KeyMap
{
    public static readonly IReadOnlyList<KeyBinding> Bindings =
    [
        .. EffectRegistry.All.Select(e => new KeyBinding($"{e.Key}", $"effect {e.Name} ({e.Description})", LiveAction.Effect, (int)e.Kind, e.Key)),
        new("M", "next model", LiveAction.NextModel, 0, 'M'),
        new("B", "next background: the --background images and videos, then the built-in gradient", LiveAction.NextBackground, 0, 'B'),
        new("+", $"stronger: {StrongerText()}", LiveAction.Stronger, 0, GlfwWindow.Keys.Equal, GlfwWindow.Keys.KeypadAdd),
        new("-", "weaker (the same setting as +)", LiveAction.Weaker, 0, GlfwWindow.Keys.Minus, GlfwWindow.Keys.KeypadSubtract),
        new("S", "screenshot: exactly the frame shown, HUD included (PNG in the output folder)", LiveAction.Screenshot, 0, 'S'),
        new("R", "start/stop recording (video in the output folder, at the source's real speed)", LiveAction.Record, 0, 'R'),
        new("click", "with --person: keep only the person clicked (the others become background)", LiveAction.LockPerson, 0),
        new("A", "with --person: keep all people again", LiveAction.AllPeople, 0, 'A'),
        new("H", "show/hide the HUD", LiveAction.Hud, 0, 'H'),
        new("F", "full screen on/off", LiveAction.FullScreen, 0, 'F'),
        new("F1", "key help in the HUD", LiveAction.Help, 0, GlfwWindow.Keys.F1),
        new("Esc/Q", "quit", LiveAction.Quit, 0, GlfwWindow.Keys.Escape, 'Q'),
    ];

    /// <summary>"blur radius, …; smoothing for mask and replace": what + changes, effect by effect.</summary>
    private static string StrongerText()
    {
        var own = EffectRegistry.All.Where(e => e.Adjusted is not null).Select(e => e.Adjusted!.Name);
        var smoothing = EffectRegistry.All.Where(e => e.Adjusted is null).Select(e => e.Name).ToList();
        string others = smoothing.Count > 1 ? $"{string.Join(", ", smoothing.SkipLast(1))} and {smoothing[^1]}" : string.Join("", smoothing);
        return smoothing.Count == 0 ? string.Join(", ", own) : $"{string.Join(", ", own)}; smoothing for {others}";
    }

    /// <summary>The binding of a pressed key, or null.</summary>
    public static KeyBinding? Find(int key) => Bindings.FirstOrDefault(b => b.Keys.Contains(key));

    /// <summary>The binding of an action (and argument), for tests and callers that press by meaning.</summary>
    public static KeyBinding Of(LiveAction action, int argument = 0) => Bindings.First(b => b.Action == action && b.Argument == argument);

    /// <summary>Short labels, digits grouped: "1-5 effect  M model  ...".</summary>
    public static string Summary => string.Join("  ", ShortLabels());

    /// <summary>The HUD's help overlay: the short labels, wrapped to the HUD's width.</summary>
    public static string[] HudLines
    {
        get
        {
            var lines = new List<string>();
            string line = "";
            foreach (string label in ShortLabels())
            {
                if (line.Length > 0 && line.Length + 2 + label.Length > 52)
                {
                    lines.Add(line);
                    line = "";
                }
                line = line.Length == 0 ? label : $"{line}  {label}";
            }
            lines.Add(line);
            return [.. lines];
        }
    }

    /// <summary>One line per key with what it does (for <c>liveseg live --help</c>).</summary>
    public static string HelpText => string.Join(Environment.NewLine, Bindings.Select(b => $"  {b.Label,-6} {b.Description}"));

    private static IEnumerable<string> ShortLabels()
    {
        var effects = Bindings.Where(b => b.Action == LiveAction.Effect).ToList();
        yield return $"{effects[0].Label}-{effects[^1].Label} effect";
        foreach (var b in Bindings.Where(b => b.Action is not (LiveAction.Effect or LiveAction.Weaker)))
        {
            string word = b.Action switch
            {
                LiveAction.Stronger => "+/- strength",
                LiveAction.NextModel => "M model",
                LiveAction.NextBackground => "B background",
                LiveAction.FullScreen => "F full screen",
                LiveAction.Help => "F1 keys",
                LiveAction.LockPerson => "click person",
                LiveAction.AllPeople => "A all people",
                _ => $"{b.Label} {b.Action.ToString().ToLowerInvariant()}",
            };
            yield return word;
        }
    }
}
