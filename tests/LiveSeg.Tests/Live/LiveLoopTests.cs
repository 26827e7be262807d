using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The live loop in-process with a fake camera that stops delivering and comes back (needs a display: ./test runs under xvfb-run).</summary>
public sealed class LiveLoopTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>A camera; the first one "unplugs" after <paramref name="framesBeforeUnplug"/> frames.</summary>
    private sealed class FakeCamera(int framesBeforeUnplug) : IFrameSource
    {
        private readonly Mat _frame = Synthetic.Frame(5, 320, 240);
        private int _reads;

        public int Width => 320;

        public int Height => 240;

        public double FrameRate => 100;

        public int FrameCount => 0;

        public bool IsLive => true;

        public bool Reconnects => true;

        public bool Read(Mat destination)
        {
            if (++_reads > framesBeforeUnplug)
                return false;
            _frame.CopyTo(destination);
            return true;
        }

        public void Dispose() => _frame.Dispose();
    }

    [DisplayFact]
    public void CameraThatStopsAndResumes_IsSurvived()
    {
        int opened = 0;
        var clock = new FakeClock();
        var options = new LiveOptions
        {
            Source = new SourceOptions { Open = () => ++opened == 1 ? new FakeCamera(15) : new FakeCamera(int.MaxValue), Name = "fake camera", Reconnect = true },
            Model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null), DeviceChoice.Cpu),
            Effect = new EffectSettings { Effect = EffectKind.Tint },
            VSync = false,
            MaxFrames = 40,
            Clock = clock,
        };
        LiveResult result;
        using (var loop = new LiveLoop(options))
        {
            result = loop.Run(CancellationToken.None);
        }
        Assert.Equal(40, result.Displayed);
        Assert.True(opened >= 2, "the camera was never reopened");
        Assert.True(clock.Waited >= SourceStage.RetryDelay(0), "the loop waits before retrying the camera");
    }

    public void Dispose() => _dir.Dispose();
}
