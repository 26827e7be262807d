using System.Runtime.ExceptionServices;

namespace LiveSeg.Rendering;

/// <summary>
/// A thread of its own for an OpenGL context: <see cref="Invoke"/> runs work there and waits for it, so the calling
/// thread's own graphics state (an EGL, GLX or WGL context current on it) is never touched, and any thread may call.
/// One call at a time (callers serialise); a call allocates nothing when its delegate is made once.
/// </summary>
internal sealed class GlThread : IDisposable
{
    private readonly Thread _thread;
    private readonly SemaphoreSlim _go = new(0);
    private readonly SemaphoreSlim _done = new(0);
    private Action? _work;
    private ExceptionDispatchInfo? _failure;
    private bool _stopping;

    public GlThread(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the thread and returns when it is done, rethrowing what it threw.</summary>
    public void Invoke(Action work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        _go.Release();
        _done.Wait();
        _work = null;
        if (_failure is { } failure)
        {
            _failure = null;
            failure.Throw();
        }
    }

    private void Loop()
    {
        while (true)
        {
            _go.Wait();
            if (_stopping)
                return;
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
