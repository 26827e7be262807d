using LiveSeg.Threading;

namespace LiveSeg.Tests;

public class BoundedQueueTests
{
    [Fact]
    public void Queue_AcrossThreads_KeepsOrderAndDropsNothing()
    {
        var q = new BoundedQueue<string>(2);
        var producer = new Thread(() =>
        {
            for (int i = 0; i < 1000; i++)
                q.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            q.Complete();
        });
        producer.Start();
        var got = new List<string>();
        while (q.TryTake(out var s))
            got.Add(s);
        producer.Join();
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), got);
    }

    [Fact]
    public void Abort_ReleasesBlockedAdd()
    {
        var q = new BoundedQueue<string>(1);
        q.Add("a");
        bool? added = null;
        var t = new Thread(() => added = q.Add("b"));
        t.Start();
        // Wait until the adder is blocked in the full queue (a condition, not a guessed delay).
        Assert.True(SpinWait.SpinUntil(() => (t.ThreadState & ThreadState.WaitSleepJoin) != 0, 60_000));
        q.Abort();
        t.Join();
        Assert.False(added);
        Assert.False(q.TryTake(out _));
    }
}
