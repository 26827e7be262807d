using LiveSeg.Capture;
using OpenCvSharp;

namespace LiveSeg.Rendering;

/// <summary>
/// Frame + mask → composited frame. <see cref="Submit"/> starts a frame; <see cref="Complete"/> finishes the oldest
/// submitted one into its <see cref="FrameSlot.Output"/> (BGR, frame size). A GPU implementation keeps up to
/// <see cref="MaxPending"/> frames in flight so read-back never stalls the loop; callers complete in submission order.
/// </summary>
internal interface ICompositor : IDisposable
{
    int MaxPending { get; }

    /// <summary>
    /// A new background for <c>replace</c> (BGR, frame size: already scaled to cover it), used from the next
    /// <see cref="Submit"/> on: a still image once, or a video background's frame before each frame (<see cref="BackgroundVideo"/>).
    /// </summary>
    void SetBackground(Mat coverBgr);

    /// <summary>Adds upload and composite times to the slot's timing.</summary>
    void Submit(FrameSlot slot);

    /// <summary>Adds read-back time to the slot's timing. <paramref name="slot"/> must be the oldest submitted slot.</summary>
    void Complete(FrameSlot slot);

    /// <summary>Managed bytes allocated on helper threads of the compositor's own (the CPU renderer's bands), for the tests.</summary>
    long WorkerAllocatedBytes => 0;
}
