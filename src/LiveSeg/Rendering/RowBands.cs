using LiveSeg.Threading;

namespace LiveSeg.Rendering;

/// <summary>
/// Splits rows 0..n into contiguous bands and runs one band on each of a few long-lived worker threads and one on the
/// caller, returning when all are done. The threads are made once; a <see cref="Run"/> allocates nothing (the body
/// is a delegate the caller made once). With one band the body simply runs on the caller.
/// </summary>
internal sealed class RowBands : IDisposable
{
    private readonly WorkerThread[] _workers;
    private readonly Action[] _bandWork;
    private Action<int, int, int>? _body;
    private int _rows;

    /// <param name="bands">Bands per run, 1..64: the caller's thread plus bands − 1 workers.</param>
    /// <param name="name">The workers' thread name.</param>
    public RowBands(int bands, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bands, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bands, 64);
        _workers = new WorkerThread[bands - 1];
        _bandWork = new Action[bands - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            int band = i + 1;
            _workers[i] = new WorkerThread(name);
            _bandWork[i] = () => RunBand(band);
        }
    }

    /// <summary>Bands per run (threads used, the caller's included).</summary>
    public int Count => _workers.Length + 1;

    /// <summary>Managed bytes the bands allocated on the worker threads so far (the caller's thread counts its own).</summary>
    public long WorkerAllocatedBytes
    {
        get
        {
            long sum = 0;
            foreach (var worker in _workers)
                sum += worker.AllocatedBytes;
            return sum;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(band, first row, end row) over rows 0..<paramref name="rows"/> in <see cref="Count"/>
    /// bands (band 0 on the caller's thread); a band's scratch memory can be indexed by its number.
    /// </summary>
    public void Run(int rows, Action<int, int, int> body)
    {
        if (_workers.Length == 0 || rows < 2 * Count)
        {
            body(0, 0, rows);
            return;
        }
        (_body, _rows) = (body, rows);
        for (int i = 0; i < _workers.Length; i++)
            _workers[i].Start(_bandWork[i]);
        Exception? failure = null;
        try
        {
            RunBand(0);
        }
        catch (Exception e)
        {
            failure = e;
        }
        foreach (var worker in _workers)
        {
            try
            {
                worker.Wait(); // every band finishes before the rows' buffers are touched again
            }
            catch (Exception e)
            {
                failure ??= e;
            }
        }
        if (failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    private void RunBand(int band) => _body!(band, _rows * band / Count, _rows * (band + 1) / Count);

    public void Dispose()
    {
        foreach (var worker in _workers)
            worker.Dispose();
    }
}
