namespace LiveSeg.Rendering;

/// <summary>
/// Splits rows 0..n into contiguous bands and runs one band on each of a few long-lived worker threads and one on the
/// caller, returning when all are done. The threads are made once; a <see cref="Run"/> allocates nothing (the body
/// is a delegate the caller made once). With one band the body simply runs on the caller.
/// </summary>
internal sealed class RowBands : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _done = new(0); // not a CountdownEvent: its first blocking wait allocates a lock object
    private Action<int, int, int>? _body;
    private int _rows;
    private Exception? _failure;
    private volatile bool _stopping;

    /// <param name="bands">Bands per run, 1..64: the caller's thread plus bands − 1 workers.</param>
    /// <param name="name">The workers' thread name.</param>
    public RowBands(int bands, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bands, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bands, 64);
        _workers = new Thread[bands - 1];
        _start = new SemaphoreSlim[bands - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            int band = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _workers[i] = new Thread(() => Work(band)) { IsBackground = true, Name = name };
            _workers[i].Start();
        }
    }

    /// <summary>Bands per run (threads used, the caller's included).</summary>
    public int Count => _workers.Length + 1;

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
        _body = body;
        _rows = rows;
        _failure = null;
        foreach (var start in _start)
            start.Release();
        var (first, end) = Band(0);
        try
        {
            body(0, first, end);
        }
        finally
        {
            for (int i = 0; i < _workers.Length; i++)
                _done.Wait();
        }
        if (_failure is { } failure)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    private (int First, int End) Band(int band) => (_rows * band / Count, _rows * (band + 1) / Count);

    private void Work(int band)
    {
        var start = _start[band - 1];
        while (true)
        {
            start.Wait();
            if (_stopping)
                return;
            try
            {
                var (first, end) = Band(band);
                _body!(band, first, end);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, e, null);
            }
            finally
            {
                _done.Release();
            }
        }
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        foreach (var start in _start)
            start.Release();
        foreach (var worker in _workers)
            worker.Join();
        foreach (var start in _start)
            start.Dispose();
        _done.Dispose();
    }
}
