using LiveSeg.Capture;

namespace LiveSeg.Pipeline;

/// <summary>
/// The frame slots of live mode and the latest-wins mailboxes that hand them between threads: 3 held by the
/// mailboxes, 2 by capture (inference and display copies), 1 by inference, 2 by the GL loop. Made once.
/// </summary>
public sealed class LiveSlots : IDisposable
{
    private readonly FrameSlot[] _all;

    public LiveSlots(int maskWidth, int maskHeight)
    {
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
