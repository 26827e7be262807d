using LiveSeg.Threading;

namespace LiveSeg.Tests;

/// <summary>Latest-wins scheduling (the mailboxes between live mode's threads) with a slow consumer.</summary>
public class MailboxTests
{
    private sealed class Item
    {
        public int Index;
    }

    [Fact]
    public void SlowConsumer_GetsTheNewestItem_LatencyStaysBounded_DropsAreCounted()
    {
        // The producer publishes 6 items for every one the consumer takes (a source 6x faster than the segmenter).
        var box = new Mailbox<Item>(new Item());
        Item mine = new(), taken = new();
        int published = 0;
        for (int round = 0; round < 30; round++)
        {
            for (int k = 0; k < 6; k++)
            {
                mine.Index = published++;
                mine = box.Publish(mine);
            }
            Assert.True(box.TryTake(ref taken));
            // Latest wins: the consumer is never more than the newest item behind (a FIFO would fall 5 further behind each round).
            Assert.Equal(published - 1, taken.Index);
        }
        Assert.Equal(180, box.Published);
        Assert.Equal(150, box.Dropped);
    }

    [Fact]
    public void SourceThatStopsAndResumes_IsSurvived()
    {
        var box = new Mailbox<Item>(new Item());
        Item mine = new(), taken = new();
        for (int i = 0; i < 20; i++)
        {
            mine.Index = i;
            mine = box.Publish(mine);
        }
        Assert.True(box.TryTake(ref taken));
        Assert.Equal(19, taken.Index);
        // The source stops delivering: the consumer finds nothing new and goes on (no wait is needed to see it).
        Assert.False(box.WaitTake(ref taken, 0));
        Assert.False(box.TryTake(ref taken));
        for (int i = 20; i < 60; i++)
        {
            mine.Index = i;
            mine = box.Publish(mine);
        }
        box.Close();
        Assert.True(box.TryTake(ref taken));
        Assert.Equal(59, taken.Index);
        Assert.True(box.IsClosed && !box.HasFresh);
    }
}
