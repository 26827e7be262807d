using LiveSeg.Capture;
using LiveSeg.Inference;
using LiveSeg.Metrics;
using LiveSeg.Rendering;

namespace LiveSeg.Tests;

/// <summary>The hot path allocates nothing per frame once running (managed heap, measured on the frame thread).</summary>
public class AllocationTests
{
    [Fact]
    public void SteadyStateFrame_AllocatesNoManagedMemory()
    {
        using var dir = new TempDir();
        string video = dir.File("in.mkv");
        Synthetic.WriteVideo(video, 40, 96, 64, 10);
        using var source = new VideoFileSource(video);
        using var segmenter = new OnnxSegmenter(ModelSpec.FromFile(Synthetic.ColorKeyModel(dir), null), DeviceChoice.Cpu, 1);
        var smoother = new TemporalSmoother(segmenter.MaskWidth * segmenter.MaskHeight, 0.3f);
        using var egl = new EglContext();
        using var compositor = new GlCompositor(egl.Gl, new ShaderLibrary(), 96, 64, segmenter.MaskWidth, segmenter.MaskHeight,
            new EffectSettings { Effect = EffectKind.Blur });
        using var sink = new VideoFileSink(dir.File("out.mkv"), 10, 96, 64);
        using var slot = new FrameSlot(segmenter.MaskWidth, segmenter.MaskHeight);
        var recorder = new MetricsRecorder(40);

        void Frame(int i)
        {
            slot.Timing.Reset(System.Diagnostics.Stopwatch.GetTimestamp());
            if (!source.Read(slot.Image))
                throw new InvalidOperationException("test video ended early");
            segmenter.Segment(slot.Image, slot.ImageArray, slot.Mask, ref slot.Timing);
            smoother.Apply(slot.Mask);
            compositor.Submit(slot);
            compositor.Complete(slot);
            sink.Write(slot.OutputArray);
            recorder.Add(i, ref slot.Timing);
        }

        for (int i = 0; i < 10; i++)
            Frame(i); // warm-up: JIT, first-use buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 10; i < 40; i++)
            Frame(i);
        long perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / 30;
        Assert.True(perFrame == 0, $"{perFrame} bytes allocated per frame");
    }
}
