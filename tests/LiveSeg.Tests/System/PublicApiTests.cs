using System.Reflection;
using System.Text;

namespace LiveSeg.Tests;

/// <summary>
/// The library's public surface, written out and compared with docs/public-api.txt: a change to it must be deliberate
/// (update the file in the same commit: LIVESEG_UPDATE_PUBLIC_API=1 ./test rewrites it).
/// </summary>
[Slow]
public sealed class PublicApiTests
{
    private static string Describe(Type t) => t.IsGenericType
        ? $"{t.Name[..t.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", t.GetGenericArguments().Select(Describe))}>"
        : t.IsByRef ? $"ref {Describe(t.GetElementType()!)}" : t.FullName?.StartsWith("System.", StringComparison.Ordinal) == true && t.Namespace == "System" ? t.Name : t.FullName ?? t.Name;

    private static string Parameters(ParameterInfo[] ps) => string.Join(", ", ps.Select(p => $"{Describe(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    /// <summary>Every public type and its public and protected members, one line each, sorted.</summary>
    public static string Surface(Assembly assembly)
    {
        var lines = new List<string>();
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (Type t in assembly.GetExportedTypes())
        {
            string kind = t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? "struct" : t.IsAbstract && t.IsSealed ? "static class" : "class";
            lines.Add($"{kind} {t.FullName}");
            if (t.IsEnum)
            {
                lines.AddRange(Enum.GetNames(t).Select(n => $"{t.FullName}.{n}"));
                continue;
            }
            foreach (MemberInfo m in t.GetMembers(Declared))
            {
                bool visible = m switch
                {
                    MethodBase mb => (mb.IsPublic || mb.IsFamily || mb.IsFamilyOrAssembly) && (mb is ConstructorInfo || !mb.IsSpecialName),
                    PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily),
                    FieldInfo f => f.IsPublic || f.IsFamily,
                    EventInfo e => e.AddMethod?.IsPublic == true,
                    Type nested => nested.IsNestedPublic,
                    _ => false,
                };
                if (!visible || m.Name.StartsWith('<'))
                    continue;
                lines.Add(m switch
                {
                    ConstructorInfo c => $"{t.FullName}({Parameters(c.GetParameters())})",
                    MethodInfo mi => $"{t.FullName}.{mi.Name}({Parameters(mi.GetParameters())}) → {Describe(mi.ReturnType)}{(mi.IsStatic ? " static" : "")}",
                    PropertyInfo p => $"{t.FullName}.{p.Name}: {Describe(p.PropertyType)} {{{(p.GetMethod?.IsPublic == true ? " get;" : "")}{(p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(x => x.Name == "IsExternalInit") ? " init;" : " set;") : "")} }}",
                    FieldInfo f => $"{t.FullName}.{f.Name}: {Describe(f.FieldType)}",
                    _ => $"{t.FullName}.{m.Name}",
                });
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join('\n', lines) + "\n";
    }

    [Fact]
    public void PublicSurface_IsTheDocumentedOne()
    {
        string path = Path.Combine(Repo.Root, "docs", "public-api.txt");
        string actual = Surface(typeof(Segmenter).Assembly);
        if (Environment.GetEnvironmentVariable("LIVESEG_UPDATE_PUBLIC_API") == "1")
            File.WriteAllText(path, actual, new UTF8Encoding(false));
        Assert.True(File.Exists(path), $"{path} is missing: run LIVESEG_UPDATE_PUBLIC_API=1 ./test to write it");
        string expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        var added = actual.Split('\n').Except(expected.Split('\n')).ToList();
        var removed = expected.Split('\n').Except(actual.Split('\n')).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0,
            $"the public API changed (if on purpose, LIVESEG_UPDATE_PUBLIC_API=1 ./test updates docs/public-api.txt):\n"
            + string.Join('\n', added.Select(a => "+ " + a).Concat(removed.Select(r => "- " + r))));
    }

    [Fact]
    public void PublicSurface_IsSmall_EngineInternalsAreHidden()
    {
        var types = typeof(Segmenter).Assembly.GetExportedTypes().Select(t => t.Name).ToHashSet();
        Assert.Contains("Segmenter", types);
        Assert.Contains("VideoJob", types);
        foreach (string hidden in new[] { "TfliteToOnnx", "OnnxSegmenter", "CpuCompositor", "ParityCheck", "SyntheticModels", "GlCompositor", "VideoPipeline" })
            Assert.DoesNotContain(hidden, types);
    }

    [Fact]
    public void Segmenter_OpensAModelFile_SegmentsAMatAndRawRgbaAlike()
    {
        using var dir = new TempDir();
        using var segmenter = Segmenter.Open(Synthetic.ColorKeyModel(dir), new SegmenterOptions { Device = LiveSeg.Inference.DeviceChoice.Cpu });
        Assert.Equal("CPU", segmenter.Provider);
        using var frame = Synthetic.Frame(0, 320, 240);
        MaskView mask = segmenter.Segment(frame);
        Assert.Equal((320, 240), (mask.FrameWidth, mask.FrameHeight));
        // The colour-key model: red (the square) is the foreground.
        var sq = Synthetic.SquareAt(0, 320, 240);
        int cx = (sq.X + sq.Width / 2) * mask.Width / 320, cy = (sq.Y + sq.Height / 2) * mask.Height / 240;
        Assert.True(mask[cx, cy] > 0.9f, $"inside the square {mask[cx, cy]}");
        Assert.True(mask[1, 1] < 0.1f, $"background {mask[1, 1]}");
        float[] fromMat = mask.Values.ToArray();

        using var rgba = new OpenCvSharp.Mat();
        OpenCvSharp.Cv2.CvtColor(frame, rgba, OpenCvSharp.ColorConversionCodes.BGR2RGBA);
        var bytes = new byte[320 * 240 * 4];
        System.Runtime.InteropServices.Marshal.Copy(rgba.Data, bytes, 0, bytes.Length);
        MaskView again = segmenter.Segment(bytes, 320, 240, PixelLayout.Rgba32);
        Assert.Equal(fromMat, again.Values.ToArray());

        using var full = new OpenCvSharp.Mat();
        again.ToFrameSize(full);
        Assert.Equal((320, 240, OpenCvSharp.MatType.CV_8UC1), (full.Width, full.Height, full.Type()));
        Assert.True(full.At<byte>(sq.Y + sq.Height / 2, sq.X + sq.Width / 2) > 230);
        Assert.Throws<ArgumentException>(() => segmenter.Segment(bytes.AsSpan(0, 100), 320, 240, PixelLayout.Rgba32));
    }

    [Fact]
    public void Segmenter_SameMatEachCall_AllocatesNothing()
    {
        using var dir = new TempDir();
        using var segmenter = Segmenter.Open(Synthetic.ColorKeyModel(dir), new SegmenterOptions { Device = LiveSeg.Inference.DeviceChoice.Cpu, Smoothing = 0.9f });
        using var frame = Synthetic.Frame(0, 320, 240);
        for (int i = 0; i < 3; i++)
            segmenter.Segment(frame);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
            segmenter.Segment(frame);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void VideoJob_WritesEveryFrame_ReportsProgress_BadInputIsALiveSegException()
    {
        using var dir = new TempDir();
        string input = dir.File("in.mkv");
        Synthetic.WriteVideo(input, 12, 160, 120, 30);
        var seen = new List<VideoProgress>();
        var progress = new SynchronousProgress(p => { lock (seen) seen.Add(p); });
        var result = VideoJob.Run(new VideoOptions
        {
            Input = input,
            Output = dir.File("out.avi"),
            Model = Synthetic.ColorKeyModel(dir),
            Segmenter = new SegmenterOptions { Device = LiveSeg.Inference.DeviceChoice.Cpu },
        }, progress);
        Assert.True(result.Complete && result.OutputWritten);
        Assert.Equal(12, result.Frames);
        Assert.Equal(12, Synthetic.Probe(dir.File("out.avi")).Frames);
        lock (seen)
            Assert.Equal(new VideoProgress(12, 12), seen[^1]);
        var e = Assert.Throws<LiveSegException>(() => VideoJob.Run(new VideoOptions { Input = dir.File("missing.mp4"), Output = dir.File("o.avi"), Model = Synthetic.ColorKeyModel(dir) }));
        Assert.Contains("missing.mp4", e.Message);
    }

    [Fact]
    public void VideoJob_MaxFrames_IsACompleteRunOfThatMany()
    {
        using var dir = new TempDir();
        string input = dir.File("in.mkv");
        Synthetic.WriteVideo(input, 12, 160, 120, 30);
        var seen = new List<VideoProgress>();
        var result = VideoJob.Run(new VideoOptions
        {
            Input = input,
            Output = dir.File("out.avi"),
            Model = Synthetic.ColorKeyModel(dir),
            Segmenter = new SegmenterOptions { Device = LiveSeg.Inference.DeviceChoice.Cpu },
            MaxFrames = 5,
        }, new SynchronousProgress(p => { lock (seen) seen.Add(p); }));
        Assert.True(result.Complete, "every frame asked for was processed");
        Assert.Equal(5, result.Frames);
        Assert.Equal(5, Synthetic.Probe(dir.File("out.avi")).Frames);
        lock (seen)
            Assert.Equal(new VideoProgress(5, 5), seen[^1]);
    }

    /// <summary>
    /// A progress handler that throws (on the timer thread) does not take the process down: the run stops, keeps its
    /// output, and Run rethrows the handler's exception on the caller's thread; no report comes after it.
    /// </summary>
    [Fact]
    public void VideoJob_ProgressHandlerThrows_RunStopsAndRethrowsIt()
    {
        using var dir = new TempDir();
        string input = dir.File("in.mkv");
        Synthetic.WriteVideo(input, 12, 160, 120, 30);
        int reports = 0;
        var e = Assert.Throws<InvalidOperationException>(() => VideoJob.Run(new VideoOptions
        {
            Input = input,
            Output = dir.File("out.avi"),
            Model = Synthetic.ColorKeyModel(dir),
            Segmenter = new SegmenterOptions { Device = LiveSeg.Inference.DeviceChoice.Cpu },
        }, new SynchronousProgress(_ =>
        {
            Interlocked.Increment(ref reports);
            throw new InvalidOperationException("the host's progress handler failed");
        })));
        Assert.Equal("the host's progress handler failed", e.Message);
        Assert.Equal(1, Volatile.Read(ref reports));
    }

    /// <summary>Options that leave Smoothing unset get the use's default: 0.95 for a video, 0 for Segmenter.Open.</summary>
    [Fact]
    public void SegmenterOptions_UnsetSmoothing_IsTheUsesDefault()
    {
        var options = new SegmenterOptions { Device = LiveSeg.Inference.DeviceChoice.Cpu };
        Assert.Null(options.Smoothing);
        Assert.Equal(0.95f, options.SmoothingOr(0.95f, "options"));
        Assert.Equal(0.5f, (options with { Smoothing = 0.5f }).SmoothingOr(0.95f, "options"));
        Assert.Throws<ArgumentOutOfRangeException>(() => (options with { Smoothing = 2f }).SmoothingOr(0f, "options"));
        Assert.Null(new VideoOptions { Input = "a", Output = "b" }.Segmenter.Smoothing);
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<VideoProgress> report) : IProgress<VideoProgress>
    {
        public void Report(VideoProgress value) => report(value);
    }
}
