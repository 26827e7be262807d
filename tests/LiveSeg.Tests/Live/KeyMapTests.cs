using LiveSeg.Live;

namespace LiveSeg.Tests;

/// <summary>The key table: the people's click and A key are in it, and in every place it drives (HUD help, --help).</summary>
public sealed class KeyMapTests
{
    [Fact]
    public void A_KeepsAllPeople_AndTheClick_IsListedWithoutAKey()
    {
        Assert.Equal(LiveAction.AllPeople, KeyMap.Find('A')!.Action);
        Assert.Empty(KeyMap.Of(LiveAction.LockPerson).Keys);
        Assert.Contains(KeyMap.HudLines, l => l.Contains("click person", StringComparison.Ordinal));
        Assert.Contains(KeyMap.HudLines, l => l.Contains("A all people", StringComparison.Ordinal));
        Assert.Contains("click  with --person: keep only the person clicked", KeyMap.HelpText);
        Assert.Contains("A      with --person: keep all people again", KeyMap.HelpText);
    }

    [Fact]
    public void EveryKey_HasOneBinding()
    {
        var keys = KeyMap.Bindings.SelectMany(b => b.Keys).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }
}
