using System.CommandLine;
using LiveSeg.People;

namespace LiveSeg.Cli;

/// <summary>--person, --face-model, --detect-every (video, batch, bench): which people the mask keeps.</summary>
internal static class PeopleOptions
{
    public static Option<string> Person { get; } = Opt.Checked("--person",
        "which people the mask keeps (the others become background; the matte and --effect alpha hold only them): all, the largest, the one nearest the centre, the leftmost, the rightmost, or person ids (1, 2, … in order of appearance)",
        "all|largest|center|left|right|ID[,ID…]", v => PersonChoice.Parse(v), "all", ["all", "largest", "center", "left", "right"]);

    public static Option<string> FaceModel { get; } = Opt.Checked("--face-model",
        "the face detector that finds people: full (192x192, people up to ~5 m) or short (128x128, within ~2 m; faster)",
        "full|short", v => FaceModels.Named(v), "full", ["full", "short"]);

    public static Option<int> DetectEvery { get; } = Opt.Int("--detect-every", "run the face detector on every Nth frame; people are tracked in between", 5, 1, 30, "1..30");

    public static void AddTo(Command command)
    {
        command.Add(Person);
        AddDetectorTo(command);
    }

    /// <summary>--face-model and --detect-every only (quality --people chooses the person itself).</summary>
    public static void AddDetectorTo(Command command)
    {
        command.Add(FaceModel);
        command.Add(DetectEvery);
    }

    /// <summary>The people settings, or null for --person all (no detection runs). Fetches the detector on first use.</summary>
    public static PeopleSettings? Read(ParseResult r)
    {
        var choice = PersonChoice.Parse(r.GetValue(Person)!);
        if (choice.KeepsEveryone)
            return null;
        return ReadDetector(r, choice);
    }

    /// <summary>The people settings for <paramref name="choice"/> with the detector options read. Fetches the detector on first use.</summary>
    public static PeopleSettings ReadDetector(ParseResult r, PersonChoice choice)
    {
        var spec = FaceModels.Named(r.GetValue(FaceModel)!);
        string path = FaceModels.Resolve(spec, m => Console.Error.WriteLine(m));
        return new PeopleSettings(choice, spec, path, r.GetValue(DetectEvery));
    }
}
