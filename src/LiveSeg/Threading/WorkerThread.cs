using System.Runtime.ExceptionServices;

namespace LiveSeg.Threading;

/// <summary>
/// A long-lived thread that runs work handed to it: <see cref="Start"/> hands it over and returns, <see cref="Wait"/>
/// waits for it and rethrows what it threw, <see cref="Invoke"/> does both. Used for an OpenGL context of its own (so
/// a caller's thread-local graphics state — an EGL, GLX or WGL context current on it — is never touched, and any thread
/// may call) and for the CPU renderer's row bands. One piece of work at a time (callers serialise); a call allocates
/// nothing when its delegate is made once.
/// </summary>
internal sealed class WorkerThread : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _go = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private Action? _work;
    private ExceptionDispatchInfo? _failure;
    private bool _stopping;
    private long _allocated;

    public WorkerThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Hands <paramref name="work"/> to the thread and returns at once; <see cref="Wait"/> must follow.</summary>
    public void Start(Action work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        _go.Release();
    }

    /// <summary>Waits for the work handed over by <see cref="Start"/>, rethrowing what it threw.</summary>
    public void Wait()
    {
        _done.Wait();
        _work = null;
        if (_failure is { } failure)
        {
            _failure = null;
            failure.Throw();
        }
    }

    /// <summary>Managed bytes the work has allocated on this thread so far (for the tests' "nothing per frame").</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    /// <summary>Runs <paramref name="work"/> on the thread and returns when it is done.</summary>
    public void Invoke(Action work)
    {
        Start(work);
        Wait();
    }

    private void Loop()
    {
        while (true)
        {
            _go.Wait();
            if (_stopping)
                return;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                _work!();
            }
            catch (Exception e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                Volatile.Write(ref _allocated, _allocated + GC.GetAllocatedBytesForCurrentThread() - before);
                _done.Release();
            }
        }
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        _go.Release();
        _thread.Join();
        _go.Dispose();
        _done.Dispose();
    }
}
