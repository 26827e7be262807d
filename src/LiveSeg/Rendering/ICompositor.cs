using LiveSeg.Capture;

namespace LiveSeg.Rendering;

/// <summary>
/// Frame + mask → composited frame. <see cref="Submit"/> starts a frame; <see cref="Complete"/> finishes the oldest
/// submitted one into its <see cref="FrameSlot.Output"/> (BGR, frame size). A GPU implementation keeps up to
/// <see cref="MaxPending"/> frames in flight so read-back never stalls the loop; callers complete in submission order.
/// </summary>
internal interface ICompositor : IDisposable
{
    int MaxPending { get; }

    /// <summary>Adds upload and composite times to the slot's timing.</summary>
    void Submit(FrameSlot slot);

    /// <summary>Adds read-back time to the slot's timing. <paramref name="slot"/> must be the oldest submitted slot.</summary>
    void Complete(FrameSlot slot);

    /// <summary>Managed bytes allocated on helper threads of the compositor's own (the CPU renderer's bands), for the tests.</summary>
    long WorkerAllocatedBytes => 0;
}
