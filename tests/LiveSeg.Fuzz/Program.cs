using LiveSeg.Fuzz;

// liveseg fuzz harnesses.
//   LiveSeg.Fuzz TARGET --mutate N [--seed S] [CORPUS_DIR]   the bounded in-process loop (what ./test runs), a report line
//   LiveSeg.Fuzz TARGET --afl                               one input a run from stdin under afl-fuzz (SharpFuzz): docs/data-safety.md, 'Fuzzing'
// TARGET: tflite, manifest or response-file.
if (args.Length < 2 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: LiveSeg.Fuzz {string.Join("|", FuzzTargets.All.Keys)} (--mutate N [--seed S] [CORPUS_DIR] | --afl)");
    return 2;
}
if (args[1] == "--afl")
{
    SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        try
        {
            target(buffer.ToArray());
        }
        catch (Exception e) when (FuzzTargets.IsDocumented(e))
        {
            // a user error: the documented outcome for a malformed input
        }
    });
    return 0;
}
int iterations = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
int seed = args.Length > 4 && args[3] == "--seed" ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 27;
string corpus = args.Length % 2 == 0 ? args[^1] : Path.Combine(AppContext.BaseDirectory, "corpus");
var report = MutationLoop.Run(target, MutationLoop.Corpus(corpus, args[0]), iterations, seed);
Console.WriteLine($"{args[0]}: {report.Iterations} iterations (seed {seed}): {report.Accepted} accepted, {report.UserErrors} user errors, {report.Failures.Count} failures");
foreach (var f in report.Failures.Take(10))
    Console.WriteLine($"  #{f.Iteration}: {f.Exception.GetType().Name}: {f.Exception.Message.ReplaceLineEndings(" ")}\n    {Convert.ToBase64String(f.Input)}");
return report.Failures.Count == 0 ? 0 : 1;
