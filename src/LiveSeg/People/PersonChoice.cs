using System.Globalization;

namespace LiveSeg.People;

/// <summary>Which people <c>--person</c> keeps.</summary>
internal enum PersonChoiceKind { All, Largest, Center, Left, Right, Ids }

/// <summary>
/// <c>--person all|largest|center|left|right|ID[,ID…]</c>: the people kept in the mask (the others become background).
/// largest/center/left/right pick one person the first time someone is seen and stay locked on that person's id while
/// the tracker keeps it (a person hidden for a while is still the one chosen); ids are the tracker's (1, 2, … in order
/// of first appearance, shown by the HUD and <c>--people-log</c>).
/// </summary>
internal sealed record PersonChoice(PersonChoiceKind Kind, int[] Ids)
{
    public const int MaxId = 9999;
    public static readonly PersonChoice All = new(PersonChoiceKind.All, []);

    public bool KeepsEveryone => Kind == PersonChoiceKind.All;

    /// <summary>Parses the option's text; a bad value is a one-line error naming it and the accepted forms.</summary>
    public static PersonChoice Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        switch (t)
        {
            case "all": return All;
            case "largest": return new(PersonChoiceKind.Largest, []);
            case "center" or "centre": return new(PersonChoiceKind.Center, []);
            case "left": return new(PersonChoiceKind.Left, []);
            case "right": return new(PersonChoiceKind.Right, []);
        }
        string[] parts = t.Split(',');
        var ids = new List<int>();
        foreach (string part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id < 1 || id > MaxId)
                return Throw.User<PersonChoice>($"--person '{text}': '{part}' is not a person; use all, largest, center, left, right or person ids 1..{MaxId} such as 1,3.");
            if (ids.Contains(id))
                return Throw.User<PersonChoice>($"--person '{text}': person {id} is named twice; name each id once.");
            ids.Add(id);
        }
        return new(PersonChoiceKind.Ids, [.. ids]);
    }

    public override string ToString() => Kind == PersonChoiceKind.Ids
        ? string.Join(",", Ids.Select(i => i.ToString(CultureInfo.InvariantCulture)))
        : Kind.ToString().ToLowerInvariant();
}
