namespace LiveSeg.Fuzz;

/// <summary>
/// A bounded, deterministic in-process fuzzer: each iteration takes a seed from the corpus (or a recent interesting
/// input), applies 1-4 random mutations (bit flips, interesting bytes and 32-bit integers, chunk insertion, deletion,
/// duplication and splicing, truncation) from a <see cref="Random"/> with a fixed seed, and runs the target. Inputs
/// that end in an undocumented exception are collected, not thrown: the caller reports them.
/// </summary>
public static class MutationLoop
{
    /// <summary>An input that broke the target, and how.</summary>
    public sealed record Failure(int Iteration, byte[] Input, Exception Exception);

    /// <summary>What a run did: iterations, how many ended in a documented error, how many passed cleanly, and the failures.</summary>
    public sealed record Report(int Iterations, int UserErrors, int Accepted, IReadOnlyList<Failure> Failures);

    private static readonly int[] s_interesting32 = [0, 1, -1, 2, 4, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, int.MaxValue, int.MinValue, 0x7ffffffe, 1 << 28];
    private static readonly byte[] s_interesting8 = [0, 1, 0x7f, 0x80, 0xff, (byte)'@', (byte)'"', (byte)'#', (byte)'\n', (byte)' ', (byte)'{', (byte)'}', (byte)'[', (byte)'\\'];

    public static Report Run(Action<byte[]> target, IReadOnlyList<byte[]> corpus, int iterations, int seed)
    {
        if (corpus.Count == 0)
            throw new ArgumentException("the corpus is empty", nameof(corpus));
        var random = new Random(seed);
        var failures = new List<Failure>();
        int userErrors = 0, accepted = 0;
        var pool = new List<byte[]>(corpus);
        foreach (byte[] input in corpus)
            Classify(-1, input);
        for (int i = 0; i < iterations; i++)
        {
            byte[] input = Mutate(pool[random.Next(pool.Count)], pool, random);
            if (Classify(i, input) && pool.Count < corpus.Count + 64)
                pool.Add(input); // it passed: a valid variant, a good start for further mutations
        }
        return new Report(iterations, userErrors, accepted, failures);

        bool Classify(int iteration, byte[] input)
        {
            try
            {
                target(input);
                accepted++;
                return true;
            }
            catch (Exception e) when (FuzzTargets.IsDocumented(e))
            {
                userErrors++;
            }
            catch (Exception e)
            {
                failures.Add(new Failure(iteration, input, e));
            }
            return false;
        }
    }

    public static byte[] Mutate(byte[] source, IReadOnlyList<byte[]> pool, Random random)
    {
        var data = new List<byte>(source);
        int count = random.Next(1, 5);
        for (int m = 0; m < count; m++)
        {
            int at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(8))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = s_interesting8[random.Next(s_interesting8.Length)];
                    break;
                case 2 when data.Count >= 4:
                    int value = s_interesting32[random.Next(s_interesting32.Length)];
                    at = Math.Min(at, data.Count - 4) & ~(random.Next(2) == 0 ? 3 : 0); // aligned half of the time: FlatBuffers fields are
                    for (int b = 0; b < 4; b++)
                        data[at + b] = (byte)(value >> (8 * b));
                    break;
                case 3 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 4:
                    data.InsertRange(at, Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)random.Next(256)));
                    break;
                case 5 when data.Count > 1:
                    data.RemoveRange(at, Math.Min(data.Count - at, random.Next(1, 17)));
                    break;
                case 6 when data.Count > 1:
                    int from = random.Next(data.Count), length = Math.Min(data.Count - from, random.Next(1, 33));
                    data.InsertRange(at, data.GetRange(from, length));
                    break;
                case 7:
                    byte[] other = pool[random.Next(pool.Count)];
                    if (other.Length > 0)
                    {
                        int start = random.Next(other.Length);
                        data.InsertRange(at, other.AsSpan(start, Math.Min(other.Length - start, random.Next(1, 65))).ToArray());
                    }
                    break;
                default:
                    if (data.Count > 0)
                        data.RemoveRange(random.Next(data.Count), data.Count - random.Next(data.Count)); // truncate
                    break;
            }
        }
        return [.. data];
    }

    /// <summary>The seeds of one target: every file in corpus/NAME.</summary>
    public static byte[][] Corpus(string corpusRoot, string target) =>
        [.. Directory.GetFiles(Path.Combine(corpusRoot, target)).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
}
