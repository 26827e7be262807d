using LiveSeg;
using LiveSeg.Inference;
using LiveSeg.Models;
using OpenCvSharp;

// One hostile use of the public API per process: 'LiveSeg.HostCrash CASE' prints "caught TYPE(PARAM): MESSAGE" (or
// "no exception") and exits 0 when what happened is what the case documents; 3 when another exception escaped it, 4
// when the documented exception did not come. A crash of the host (SIGSEGV, abort) would end it with 139 or 134.
if (args.Length != 1 || !HostCases.All.TryGetValue(args[0], out var hostile))
{
    Console.Error.WriteLine($"usage: LiveSeg.HostCrash CASE ({string.Join(", ", HostCases.All.Keys)})");
    return 2;
}
string dir = Directory.CreateTempSubdirectory("liveseg-hostcrash-").FullName;
try
{
    try
    {
        hostile.Run(dir);
    }
    catch (Exception e) when (hostile.Expected is not null && e.GetType() == hostile.Expected)
    {
        Console.WriteLine($"caught {e.GetType().Name}({(e as ArgumentException)?.ParamName}): {e.Message.ReplaceLineEndings(" ")}");
        return 0;
    }
    catch (Exception e)
    {
        Console.WriteLine($"unexpected {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        return 3;
    }
    Console.WriteLine(hostile.Expected is null ? "no exception" : $"missed: no {hostile.Expected.Name}");
    return hostile.Expected is null ? 0 : 4;
}
finally
{
    Directory.Delete(dir, recursive: true);
}

/// <summary>A hostile case: what it does (given a scratch folder) and the exception it must end in (null: none).</summary>
internal sealed record HostCase(Type? Expected, Action<string> Run);

internal static class HostCases
{
    private static Segmenter Open(string dir)
    {
        string model = Path.Combine(dir, "colorkey.onnx");
        SyntheticModels.Write("colorkey", model);
        return Segmenter.Open(model, new SegmenterOptions { Device = DeviceChoice.Cpu, Threads = 1 });
    }

    private static Mat Frame() => new(96, 128, MatType.CV_8UC3, new Scalar(0, 0, 255));

    private static VideoOptions Video(string dir) => new() { Input = Path.Combine(dir, "in.mp4"), Output = Path.Combine(dir, "out.mp4") };

    private static Action<string> WithSegmenter(Action<Segmenter> use) => dir =>
    {
        using var s = Open(dir);
        use(s);
    };

    /// <summary>A view of a segmenter that is then disposed.</summary>
    private static Action<string> WithStaleView(Action<MaskView> use) => dir =>
    {
        MaskView view;
        using (var s = Open(dir))
        {
            using var frame = Frame();
            view = s.Segment(frame);
        }
        use(view);
    };

    public static readonly Dictionary<string, HostCase> All = new()
    {
        ["segment-after-dispose"] = new(typeof(ObjectDisposedException), dir =>
        {
            var s = Open(dir);
            s.Dispose();
            using var frame = Frame();
            s.Segment(frame);
        }),
        ["raw-after-dispose"] = new(typeof(ObjectDisposedException), dir =>
        {
            var s = Open(dir);
            s.Dispose();
            s.Segment(new byte[4 * 4 * 4], 4, 4, PixelLayout.Rgba32);
        }),
        ["view-to-frame-size-after-dispose"] = new(typeof(ObjectDisposedException), WithStaleView(v =>
        {
            using var m = new Mat();
            v.ToFrameSize(m);
        })),
        ["view-indexer-after-dispose"] = new(typeof(ObjectDisposedException), WithStaleView(v => _ = v[0, 0])),
        ["view-values-after-dispose"] = new(typeof(ObjectDisposedException), WithStaleView(v => _ = v.Values[0])),
        ["model-name-after-dispose"] = new(typeof(ObjectDisposedException), dir =>
        {
            var s = Open(dir);
            s.Dispose();
            _ = s.ModelName;
        }),
        ["raw-rgba-width-overflow"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s => s.Segment(new byte[16], 536870912, 1, PixelLayout.Rgba32))),
        ["raw-bgr-width-overflow"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s => s.Segment(new byte[16], 536870912, 1, PixelLayout.Bgr24))),
        ["raw-stride-times-height-overflow"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s => s.Segment(new byte[16], 4, 1 << 30, PixelLayout.Bgr24, stride: 12))),
        ["raw-stride-too-small"] = new(typeof(ArgumentException), WithSegmenter(s => s.Segment(new byte[4096], 16, 16, PixelLayout.Bgra32, stride: 8))),
        ["raw-negative-stride"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s => s.Segment(new byte[4096], 16, 16, PixelLayout.Bgra32, stride: -64))),
        ["raw-layout-99"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s => s.Segment(new byte[4096], 16, 16, (PixelLayout)99))),
        ["four-threads-one-segmenter"] = new(null, WithSegmenter(s =>
        {
            var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
            {
                using var frame = Frame();
                using var scaled = new Mat();
                for (int n = 0; n < 40; n++)
                    s.Segment(frame).ToFrameSize(scaled);
            })).ToArray();
            Array.ForEach(threads, t => t.Start());
            Array.ForEach(threads, t => t.Join());
        })),
        ["dispose-while-segmenting"] = new(typeof(ObjectDisposedException), dir =>
        {
            var s = Open(dir);
            Exception? seen = null;
            using var started = new ManualResetEventSlim();
            var worker = new Thread(() =>
            {
                using var frame = Frame();
                try
                {
                    while (true)
                    {
                        s.Segment(frame);
                        started.Set();
                    }
                }
                catch (Exception e)
                {
                    seen = e;
                }
            });
            worker.Start();
            started.Wait();
            s.Dispose();
            worker.Join();
            throw seen!;
        }),
        ["undisposed-segmenters-finalized"] = new(null, dir =>
        {
            OpenAndDrop(dir, 20);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            if (OnnxSegmenter.OpenSessions != 0)
                throw new InvalidOperationException($"{OnnxSegmenter.OpenSessions} of 20 undisposed segmenters still hold their session after a full GC");
        }),
        ["threads-100000"] = new(typeof(ArgumentOutOfRangeException), dir => Segmenter.Open(Path.Combine(dir, "none.onnx"), new SegmenterOptions { Threads = 100000 })),
        ["threads-negative"] = new(typeof(ArgumentOutOfRangeException), dir => Segmenter.Open(Path.Combine(dir, "none.onnx"), new SegmenterOptions { Threads = -5 })),
        ["device-77"] = new(typeof(ArgumentOutOfRangeException), dir => Segmenter.Open(Path.Combine(dir, "none.onnx"), new SegmenterOptions { Device = (DeviceChoice)77 })),
        ["smoothing-nan"] = new(typeof(ArgumentOutOfRangeException), dir => Segmenter.Open(Path.Combine(dir, "none.onnx"), new SegmenterOptions { Smoothing = float.NaN })),
        ["open-null-model"] = new(typeof(ArgumentNullException), _ => Segmenter.Open(null!)),
        ["segment-null-mat"] = new(typeof(ArgumentNullException), WithSegmenter(s => s.Segment((Mat)null!))),
        ["segment-disposed-mat"] = new(typeof(ObjectDisposedException), WithSegmenter(s =>
        {
            var frame = Frame();
            frame.Dispose();
            s.Segment(frame);
        })),
        ["to-frame-size-null"] = new(typeof(ArgumentNullException), WithSegmenter(s =>
        {
            using var frame = Frame();
            s.Segment(frame).ToFrameSize(null!);
        })),
        ["mask-indexer-x-out-of-range"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s =>
        {
            using var frame = Frame();
            var mask = s.Segment(frame);
            _ = mask[mask.Width, 0];
        })),
        ["mask-indexer-negative-x"] = new(typeof(ArgumentOutOfRangeException), WithSegmenter(s =>
        {
            using var frame = Frame();
            _ = s.Segment(frame)[-1, 1];
        })),
        ["video-null-options"] = new(typeof(ArgumentNullException), _ => VideoJob.Run(null!)),
        ["video-null-input"] = new(typeof(ArgumentNullException), dir => VideoJob.Run(Video(dir) with { Input = null! })),
        ["video-max-frames-negative"] = new(typeof(ArgumentOutOfRangeException), dir => VideoJob.Run(Video(dir) with { MaxFrames = -5 })),
        ["video-renderer-42"] = new(typeof(ArgumentOutOfRangeException), dir => VideoJob.Run(Video(dir) with { Renderer = (LiveSeg.Rendering.RendererKind)42 })),
        ["video-effect-42"] = new(typeof(ArgumentOutOfRangeException), dir => VideoJob.Run(Video(dir) with { Effect = new() { Effect = (LiveSeg.Effects.EffectKind)42 } })),
        ["video-threads-100000"] = new(typeof(ArgumentOutOfRangeException), dir => VideoJob.Run(Video(dir) with { Segmenter = new() { Threads = 100000 } })),
        ["compositor-headless-0x0"] = new(typeof(ArgumentOutOfRangeException), _ => Compositor.CreateHeadless(0, 0, new()).Dispose()),
        ["compositor-effect-42"] = new(typeof(ArgumentOutOfRangeException), _ => Compositor.CreateHeadless(64, 64, new() { Effect = (LiveSeg.Effects.EffectKind)42 }).Dispose()),
    };

    /// <summary>Opens segmenters and drops them undisposed (in a method of its own, so nothing on this frame keeps them).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void OpenAndDrop(string dir, int count)
    {
        for (int i = 0; i < count; i++)
            Open(dir);
    }
}
