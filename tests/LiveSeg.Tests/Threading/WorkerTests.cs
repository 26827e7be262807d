using LiveSeg.Rendering;
using LiveSeg.Threading;

namespace LiveSeg.Tests;

/// <summary>The CPU renderer's row bands and the worker threads under them (and under the headless compositor).</summary>
public sealed class WorkerTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(3, 1080)]
    [InlineData(4, 7)]
    public void RowBands_RunEveryRowOnce_EachBandOnItsOwnThread(int bands, int rows)
    {
        using var split = new RowBands(bands, "test-bands");
        var seen = new int[rows];
        var threads = new int[split.Count];
        Action<int, int, int> body = (band, first, end) =>
        {
            threads[band] = Environment.CurrentManagedThreadId;
            for (int y = first; y < end; y++)
                Interlocked.Increment(ref seen[y]);
        };
        split.Run(rows, body);
        split.Run(rows, body);
        Assert.All(seen, n => Assert.Equal(2, n));
        if (rows >= 2 * split.Count)
            Assert.Equal(split.Count, threads.Distinct().Count());
    }

    [Fact]
    public void RowBands_AFailingBand_IsRethrownAfterEveryBandFinished()
    {
        using var split = new RowBands(3, "test-bands");
        int finished = 0;
        var e = Assert.Throws<InvalidOperationException>(() => split.Run(30, (band, first, end) =>
        {
            if (band == 1)
                throw new InvalidOperationException("band 1 failed");
            Interlocked.Increment(ref finished);
        }));
        Assert.Equal("band 1 failed", e.Message);
        Assert.Equal(2, Volatile.Read(ref finished));
        int rows = 0;
        split.Run(30, (_, first, end) => Interlocked.Add(ref rows, end - first)); // still usable
        Assert.Equal(30, rows);
    }

    [Fact]
    public void WorkerThread_RunsOnItsOwnThread_RethrowsAndStaysUsable()
    {
        using var worker = new WorkerThread("test-worker");
        int where = 0;
        worker.Invoke(() => where = Environment.CurrentManagedThreadId);
        Assert.NotEqual(Environment.CurrentManagedThreadId, where);
        Assert.Throws<ArgumentException>(() => worker.Invoke(() => throw new ArgumentException("no")));
        int again = 0;
        worker.Invoke(() => again = Environment.CurrentManagedThreadId);
        Assert.Equal(where, again);
        worker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => worker.Invoke(() => { }));
    }
}
