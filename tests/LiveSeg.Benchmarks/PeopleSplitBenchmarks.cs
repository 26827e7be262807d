using BenchmarkDotNet.Attributes;
using LiveSeg.Masks;
using LiveSeg.People;

namespace LiveSeg.Benchmarks;

/// <summary>
/// The instance split of the people stage (issue 28's "detection + split + tracking ≤ 3 ms per 720p frame": the split
/// runs on the 256x256 mask whatever the frame's size), per frame over a 60-frame sequence of three people, two of
/// them crossing (the one behind with their face hidden while they overlap): with the frame's colours (the remembered
/// shapes: placed, aligned where a face is hidden, who is in front, remembered again on detection frames, 1 in 5) and without (the split from faces
/// and the last frame's regions only). Textured people on a plain background, made here: no model, no data files.
///   dotnet run -c Release --project tests/LiveSeg.Benchmarks -- --filter '*PeopleSplitBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class PeopleSplitBenchmarks
{
    private const int Size = 256, Frames = 60;
    private readonly Mask[] _masks = new Mask[Frames];
    private readonly byte[][] _colours = new byte[Frames][];
    private readonly PersonSeed[][] _seeds = new PersonSeed[Frames][];
    private InstanceSplit _split = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var texture = new byte[3][];
        for (int k = 0; k < 3; k++)
        {
            texture[k] = new byte[3 * 64];
            random.NextBytes(texture[k]);
        }
        for (int f = 0; f < Frames; f++)
        {
            _masks[f] = new Mask(Size, Size);
            _colours[f] = new byte[3 * Size * Size];
            Array.Fill(_colours[f], (byte)200);
            // Person 0 (front) walks right, person 1 (behind) walks left across them, person 2 stands at the right.
            float[] centre = [60 + 1.5f * f, 140 - 1.5f * f, 215];
            var seeds = new PersonSeed[3];
            foreach (int k in new[] { 2, 1, 0 }) // back to front
            {
                int cx = (int)centre[k];
                Draw(f, cx, texture[k]);
                bool hidden = k == 1 && Math.Abs(centre[0] - centre[1]) < 30;
                var face = new FaceDetection((cx - 12f) / Size, 40f / Size, (cx + 12f) / Size, 68f / Size, 0.9f);
                seeds[k] = new PersonSeed(k + 1, face, !hidden, (k == 0 ? 1.5f : k == 1 ? -1.5f : 0) / Size, Detected: f % 5 == 0);
            }
            _seeds[f] = seeds;
        }
    }

    /// <summary>A person at column <paramref name="cx"/>: head (rows 36..72) and body (rows 72..250), textured.</summary>
    private void Draw(int f, int cx, byte[] texture)
    {
        for (int y = 36; y < 250; y++)
        {
            int half = y < 72 ? 14 : 36;
            for (int x = Math.Max(0, cx - half); x < Math.Min(Size, cx + half); x++)
            {
                int p = y * Size + x, t = 3 * (((x - cx) & 7) * 8 + (y & 7));
                _masks[f].Data[p] = 1;
                _colours[f][3 * p] = texture[t];
                _colours[f][3 * p + 1] = texture[t + 1];
                _colours[f][3 * p + 2] = texture[t + 2];
            }
        }
    }

    [IterationSetup]
    public void Fresh() => _split = new InstanceSplit(Size, Size);

    /// <summary>60 frames with the remembered shapes (the people stage's path); divide by 60 for a frame.</summary>
    [Benchmark]
    public void WithShapes()
    {
        for (int f = 0; f < Frames; f++)
            _split.Next(_masks[f], _seeds[f], _colours[f]);
    }

    /// <summary>60 frames without colours (no shapes: the split before them), for the ratio in one run.</summary>
    [Benchmark(Baseline = true)]
    public void WithoutShapes()
    {
        for (int f = 0; f < Frames; f++)
            _split.Next(_masks[f], _seeds[f]);
    }
}
