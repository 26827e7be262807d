using LiveSeg.Capture;
using LiveSeg.Pipeline;
using LiveSeg.Threading;

namespace LiveSeg.Live;

/// <summary>
/// Live mode's scheduling between threads: the frame slots (made once: 3 held by the mailboxes, 2 by capture, 1 by
/// inference, 2 by the GL loop), the latest-wins mailboxes that hand them over, and the capture and inference thread
/// bodies. With <c>sync</c> a frame goes to the display only with its own mask.
/// </summary>
internal sealed class LiveSlots : IDisposable
{
    private readonly FrameSlot[] _all;
    private readonly bool _sync;

    public LiveSlots(int maskWidth, int maskHeight, bool sync)
    {
        _sync = sync;
        _all = Enumerable.Range(0, 8).Select(_ => new FrameSlot(maskWidth, maskHeight)).ToArray();
        ToInference = new Mailbox<FrameSlot>(_all[0]);
        ToDisplay = new Mailbox<FrameSlot>(_all[1]);
        Results = new Mailbox<FrameSlot>(_all[2]);
        (CaptureInference, CaptureDisplay, Inference) = (_all[3], _all[4], _all[5]);
        (Frame, Result) = (_all[6], _all[7]);
    }

    /// <summary>Capture → inference: the newest captured frame.</summary>
    public Mailbox<FrameSlot> ToInference { get; }

    /// <summary>Capture → GL loop: the newest frame to show (not used in sync mode).</summary>
    public Mailbox<FrameSlot> ToDisplay { get; }

    /// <summary>Inference → GL loop: the newest mask (with its frame).</summary>
    public Mailbox<FrameSlot> Results { get; }

    public FrameSlot CaptureInference { get; }

    public FrameSlot CaptureDisplay { get; }

    public FrameSlot Inference { get; }

    /// <summary>The GL loop's frame and result (swapped with the mailboxes' newest).</summary>
    public FrameSlot Frame;

    public FrameSlot Result;

    /// <summary>Set by capture when its input ended (a file without --loop) or it stopped.</summary>
    public volatile bool InputEnded;

    /// <summary>True once the input ended and every delivered frame was shown or dropped (file input without --loop).</summary>
    public bool Drained => InputEnded && Results.IsClosed && !Results.HasFresh && (_sync || !ToDisplay.HasFresh);

    /// <summary>Frames replaced in a mailbox before the next stage took them.</summary>
    public long Dropped => _sync ? ToInference.Dropped + Results.Dropped : ToDisplay.Dropped;

    /// <summary>Capture thread: read, hand the newest frame to inference (and a copy to display, unless sync).</summary>
    public void CaptureLoop(SourceStage source, bool backPressure, ThreadAllocations allocations, CancellationToken stop)
    {
        FrameSlot forInference = CaptureInference, forDisplay = CaptureDisplay;
        allocations.Begin(0);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                allocations.Update(0);
                if (backPressure && !(ToInference.WaitUntilTaken(100) && (_sync || ToDisplay.WaitUntilTaken(100))))
                    continue;
                if (!source.Read(forInference))
                    break;
                if (!_sync)
                {
                    forDisplay.CopyFrameFrom(forInference);
                    forDisplay = ToDisplay.Publish(forDisplay);
                }
                forInference = ToInference.Publish(forInference);
            }
        }
        finally
        {
            InputEnded = true;
        }
    }

    /// <summary>Inference thread: newest captured frame → smoothed mask → the chosen people (<paramref name="people"/>, if any) → newest result.</summary>
    public void InferenceLoop(SegmentStage segment, LivePeople? people, SteadinessMeter? steadiness, bool backPressure, ThreadAllocations allocations, CancellationToken stop)
    {
        FrameSlot slot = Inference;
        allocations.Begin(1);
        while (!stop.IsCancellationRequested)
        {
            allocations.Update(1);
            if (!ToInference.WaitTake(ref slot, 100))
            {
                if (InputEnded && !ToInference.HasFresh)
                    break;
                continue;
            }
            segment.Segment(slot);
            people?.Process(slot, segment.ModelFrame);
            steadiness?.Add(slot);
            // With back-pressure in sync mode, each result waits until the display took the last: nothing is dropped.
            while (_sync && backPressure && !stop.IsCancellationRequested && !Results.WaitUntilTaken(100))
            {
            }
            slot = Results.Publish(slot);
        }
        Results.Close();
    }

    public void CloseAll()
    {
        ToInference.Close();
        ToDisplay.Close();
        Results.Close();
    }

    public void Dispose()
    {
        foreach (var s in _all)
            s.Dispose();
    }
}
