using System.CommandLine;
using LiveSeg.People;

namespace LiveSeg.Cli;

/// <summary>
/// --person, --face-model, --detect-every (video, batch, bench, live): which people the mask keeps; --autoframe,
/// --autoframe-size: a virtual camera that follows them.
/// </summary>
internal static class PeopleOptions
{
    public static Option<string> Person { get; } = Opt.Checked("--person",
        "which people the mask keeps (the others become background; the matte and --effect alpha hold only them): all, the largest, the one nearest the centre, the leftmost, the rightmost, or person ids (1, 2, … in order of appearance)",
        "all|largest|center|left|right|ID[,ID…]", v => PersonChoice.Parse(v), "all", ["all", "largest", "center", "left", "right"]);

    public static Option<string> FaceModel { get; } = Opt.Checked("--face-model",
        "the face detector that finds people: full (192x192, people up to ~5 m) or short (128x128, within ~2 m; faster)",
        "full|short", v => FaceModels.Named(v), "full", ["full", "short"]);

    public static Option<int> DetectEvery { get; } = Opt.Int("--detect-every", "run the face detector on every Nth frame; people are tracked in between", 5, 1, 30, "1..30");

    public static Option<bool> AutoFrame { get; } = Opt.Flag("--autoframe",
        "auto-framing: crop and zoom to keep the chosen people (--person; everyone by default) centred, following them like a steady camera; the output keeps the input's size");

    public static Option<float> AutoFrameSize { get; } = Opt.Float("--autoframe-size",
        "with --autoframe: the people's height as a share of the output's", 0.6f, 0.1f, 1f);

    public static void AddTo(Command command)
    {
        command.Add(Person);
        AddDetectorTo(command);
        command.Add(AutoFrame);
        command.Add(AutoFrameSize);
    }

    /// <summary>--face-model and --detect-every only (quality --people chooses the person itself).</summary>
    public static void AddDetectorTo(Command command)
    {
        command.Add(FaceModel);
        command.Add(DetectEvery);
    }

    /// <summary>
    /// The people settings, or null for --person all without --autoframe (no detection runs). Live mode
    /// (<paramref name="whenNamed"/>) runs the stage whenever --person is given, all included: the HUD shows the ids and
    /// a click locks one person. Fetches the detector on first use.
    /// </summary>
    public static PeopleSettings? Read(ParseResult r, bool whenNamed = false)
    {
        var (choice, autoFrame, used) = Check(r, whenNamed);
        return used ? ReadDetector(r, choice, autoFrame) : null;
    }

    /// <summary>
    /// The people options' combinations, checked before any model is fetched (one-line errors): --autoframe-size needs
    /// --autoframe, and --face-model and --detect-every need a people stage (<paramref name="whenNamed"/>: see <see cref="Read"/>).
    /// </summary>
    public static (PersonChoice Choice, float AutoFrame, bool Used) Check(ParseResult r, bool whenNamed = false)
    {
        var choice = PersonChoice.Parse(r.GetValue(Person)!);
        bool named = r.GetResult(Person) is { Implicit: false };
        float autoFrame = ReadAutoFrame(r);
        bool used = !choice.KeepsEveryone || autoFrame > 0 || (whenNamed && named);
        foreach (var option in new Option[] { FaceModel, DetectEvery })
        {
            if (!used && r.GetResult(option) is { Implicit: false } given)
                Throw.User($"{option.Name} {given.Tokens[0].Value}: only when people are found: add --person (largest, center, left, right or ids) or --autoframe.");
        }
        return (choice, autoFrame, used);
    }

    /// <summary>The people settings for <paramref name="choice"/> with the detector options read (auto-framing off unless given). Fetches the detector on first use.</summary>
    public static PeopleSettings ReadDetector(ParseResult r, PersonChoice choice, float autoFrame = 0)
    {
        var spec = FaceModels.Named(r.GetValue(FaceModel)!);
        string path = FaceModels.Resolve(spec, m => Console.Error.WriteLine(m));
        return new PeopleSettings(choice, spec, path, r.GetValue(DetectEvery), AutoFrame: autoFrame);
    }

    /// <summary>--autoframe's size (0: off); --autoframe-size without --autoframe is a one-line error.</summary>
    private static float ReadAutoFrame(ParseResult r)
    {
        bool on = r.GetValue(AutoFrame);
        if (!on && r.GetResult(AutoFrameSize) is { Implicit: false })
            Throw.User($"--autoframe-size {r.GetResult(AutoFrameSize)!.Tokens[0].Value}: only with --autoframe; add --autoframe.");
        return on ? r.GetValue(AutoFrameSize) : 0;
    }
}
