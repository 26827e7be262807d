namespace LiveSeg.Threading;

/// <summary>
/// Managed bytes allocated by a composition's own threads (each counts itself with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>), so "nothing per frame" can be checked without the noise of
/// other threads in the process (a test runner's timers, the JIT's background compiler).
/// </summary>
internal sealed class ThreadAllocations(int threads)
{
    private readonly long[] _start = new long[threads];
    private readonly long[] _current = new long[threads];

    /// <summary>Called once on thread <paramref name="index"/> when it starts.</summary>
    public void Begin(int index)
    {
        _start[index] = GC.GetAllocatedBytesForCurrentThread();
        Volatile.Write(ref _current[index], 0);
    }

    /// <summary>Called by thread <paramref name="index"/> as it goes (once per frame): publishes what it has allocated since <see cref="Begin"/>.</summary>
    public void Update(int index) => Volatile.Write(ref _current[index], GC.GetAllocatedBytesForCurrentThread() - _start[index]);

    /// <summary>Bytes thread <paramref name="index"/> allocated so far.</summary>
    public long this[int index] => Volatile.Read(ref _current[index]);

    /// <summary>Bytes allocated by all the threads so far.</summary>
    public long Total
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _current.Length; i++)
                sum += Volatile.Read(ref _current[i]);
            return sum;
        }
    }
}
