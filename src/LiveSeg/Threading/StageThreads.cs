namespace LiveSeg.Threading;

/// <summary>
/// The threads of a pipelined run and what joins them: each stage runs on its own thread, and the first failure
/// aborts every queue so the others stop too; <see cref="ThrowIfFailed"/> rethrows it on the caller's thread.
/// </summary>
internal sealed class StageThreads
{
    private readonly List<Thread> _threads = [];
    private readonly Action _abortAll;
    private Exception? _failure;

    public StageThreads(Action abortAll) => _abortAll = abortAll;

    /// <summary>Runs <paramref name="body"/> guarded on the calling thread; <paramref name="done"/> runs after it, failed or not.</summary>
    public void Guard(Action body, Action done)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _abortAll();
        }
        finally
        {
            done();
        }
    }

    /// <summary>Starts <paramref name="body"/> on a named background thread, guarded.</summary>
    public Thread Start(string name, Action body, Action done)
    {
        var thread = new Thread(() => Guard(body, done)) { Name = name, IsBackground = true };
        _threads.Add(thread);
        thread.Start();
        return thread;
    }

    /// <summary>
    /// A stage thread: takes each item from <paramref name="input"/>, runs <paramref name="work"/> on it, passes it to
    /// <paramref name="output"/>; completes the output when the input is drained. Counts what it allocates as
    /// thread <paramref name="index"/> of <paramref name="allocations"/>.
    /// </summary>
    public Thread Stage<T>(string name, BoundedQueue<T> input, Action<T> work, BoundedQueue<T> output, ThreadAllocations allocations, int index)
        where T : class =>
        Start(name, () =>
        {
            allocations.Begin(index);
            while (input.TryTake(out var item))
            {
                work(item);
                allocations.Update(index);
                if (!output.Add(item))
                    break;
            }
        }, output.Complete);

    public void ThrowIfFailed()
    {
        if (_failure is not null)
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(_failure).Throw();
    }
}
