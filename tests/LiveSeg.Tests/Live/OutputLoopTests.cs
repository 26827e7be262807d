using LiveSeg.Capture;
using LiveSeg.Effects;
using LiveSeg.Inference;
using LiveSeg.Live;
using LiveSeg.Masks;
using LiveSeg.Output;
using LiveSeg.Pipeline;
using LiveSeg.Rendering;
using OpenCvSharp;

namespace LiveSeg.Tests;

/// <summary>The loop and its outputs in-process, headless: a stalled output never stalls the loop.</summary>
public sealed class OutputLoopTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>An output whose work blocks until the test lets it go, as a client that stopped reading would.</summary>
    private sealed class StalledSink : LatestFrameSink
    {
        public readonly ManualResetEventSlim Release = new(false);
        public readonly ManualResetEventSlim Entered = new(false);
        public int Consumed;

        public StalledSink() : base("test-stalled")
        {
        }

        public override string Name => "stalled";

        protected override bool Consume(Mat frame, long captureTimestamp)
        {
            Consumed++;
            Entered.Set();
            Release.Wait();
            return true;
        }
    }

    /// <summary>Keeps a copy of every frame it gets.</summary>
    private sealed class CollectingSink : IFrameSink
    {
        public readonly List<Mat> Frames = [];

        public string Name => "collect";

        public long Delivered => Frames.Count;

        public long Dropped => 0;

        public Exception? Failure => null;

        public void Offer(Mat frame, long captureTimestamp) => Frames.Add(frame.Clone());

        public void Dispose()
        {
            foreach (var f in Frames)
                f.Dispose();
        }
    }

    [Fact]
    public void StalledOutput_DoesNotStallTheLoop_ItsFramesAreDropped_OthersGetEveryFrame()
    {
        string clip = _dir.File("c.mkv");
        Synthetic.WriteVideo(clip, 30, 160, 120, 30);
        var stalled = new StalledSink();
        var collect = new CollectingSink();
        var options = new LiveOptions
        {
            Source = new SourceOptions { Open = () => new VideoFileSource(clip), Name = clip },
            Model = new ModelSettings(ModelSpec.FromFile(Synthetic.ColorKeyModel(_dir), null), DeviceChoice.Cpu),
            Mask = new MaskSettings { Smoothing = 0 },
            Effect = new EffectSettings { Effect = EffectKind.Mask, Refine = RefineKind.Off },
            Sync = true,
            Headless = true,
            VSync = false,
            OpenOutputs = (_, _, _) => [stalled, collect],
        };
        LiveResult result;
        using var loop = new LiveLoop(options);
        try
        {
            Assert.Contains("no window", loop.RendererDescription);
            result = loop.Run(CancellationToken.None);
            Assert.True(stalled.Entered.Wait(120_000), "the stalled output never got a frame"); // a hang guard, not a timing check
            // Every frame of the file was shown while the output sat in its first frame.
            Assert.Equal(30, result.Displayed);
            Assert.Equal(1, stalled.Consumed);
            Assert.True(stalled.Dropped >= 27, $"only {stalled.Dropped} frames counted as dropped by the stalled output");
            Assert.Equal(30, collect.Frames.Count);
            // The frames the outputs got are the composited ones: the mask effect, white where the red square is.
            var square = Synthetic.SquareAt(29, 160, 120);
            var last = collect.Frames[^1];
            Assert.True(last.At<Vec3b>(square.Y + square.Height / 2, square.X + square.Width / 2).Item1 > 200);
            Assert.True(last.At<Vec3b>(2, 2).Item1 < 50);
        }
        finally
        {
            stalled.Release.Set(); // the loop's end disposes its outputs: the stalled one must be able to finish
        }
    }

    public void Dispose() => _dir.Dispose();
}
