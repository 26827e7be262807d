using System.CommandLine;
using LiveSeg.IO;
using LiveSeg.Media;

namespace LiveSeg.Cli;

/// <summary><c>liveseg concat PART... -o OUT [--audio-from IN]</c>: joins the parts of one video without re-encoding.</summary>
internal static class ConcatCommand
{
    private static readonly Argument<string[]> s_parts = new("PART")
    {
        Description = "the parts, in order ('liveseg video IN -o PART --range A..B' outputs)",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> s_output = new("--output", "-o")
    {
        Description = "the joined video (.mkv holds every codec; .mp4/.mov/.webm/.avi where they hold the parts' codec)",
        HelpName = "FILE",
        Required = true,
    };

    private static readonly Option<string?> s_audioFrom = Opt.Text("--audio-from",
        "take the sound, subtitles, chapters and tags from this file (default: the input the parts were made from, when they name one)", "IN");

    private static readonly Option<bool> s_noAudio = Opt.Flag("--no-audio", "no sound, even when the parts name their input");

    public const string Summary = "join parts of one video (from 'video --range') without re-encoding, with the input's sound";

    public static Command Build()
    {
        var command = new Command("concat", Summary) { s_parts, s_output, s_audioFrom, s_noAudio };
        command.SetAction(Run);
        return Commands.Note(command, """
            Example: liveseg video in.mp4 -o p1.mkv --range 0..3000 && liveseg video in.mp4 -o p2.mkv --range 3000..
                     liveseg concat p1.mkv p2.mkv -o out.mkv            (sound from in.mp4, named in the parts)
            Each part keeps its frames' input times, so the joined file has the input's timing. Parts must share codec,
            size and pixel format (made with the same settings).
            """);
    }

    private static int Run(ParseResult r)
    {
        string[] paths = r.GetValue(s_parts)!;
        string output = r.GetValue(s_output)!;
        if (!FfmpegTool.Available)
            Throw.User("ffmpeg and ffprobe are needed to join parts: run scripts/install-deps (Debian's ffmpeg).");
        var parts = paths.Select(Concat.Probe).ToList();
        string? audio = r.GetValue(s_audioFrom);
        if (audio is not null)
            Throw.IfFileUnreadable(audio, "--audio-from input");
        else if (!r.GetValue(s_noAudio))
        {
            var sources = parts.Select(p => p.Source).Distinct().ToList();
            if (sources is [{ } one] && File.Exists(one))
                audio = one;
            else if (sources.Count > 1)
                Console.Error.WriteLine("liveseg: note: the parts name different inputs: joined without sound (give --audio-from IN to add one).");
        }
        OutputCheck.File(output, "output", [.. paths.Select(p => new InputFile(p, "part")), new(audio, "--audio-from input")]);
        string how = Concat.Join(parts, output, audio);
        Ui.Result($"done: {how}{(audio is null ? "" : $" (sound from {audio})")} → {output}");
        return ExitCodes.Ok;
    }
}
