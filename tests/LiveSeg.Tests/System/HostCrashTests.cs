using System.Diagnostics;

namespace LiveSeg.Tests;

/// <summary>
/// Issue 27, item 1: a host program that misuses the library must end normally with the documented exception, never
/// be taken down by a native crash (SIGSEGV: exit 139). Each case runs in a process of its own
/// (tests/LiveSeg.HostCrash), so a crash fails only its own case.
/// </summary>
[Slow]
public sealed class HostCrashTests
{
    /// <summary>Case, then what its process must print: the exception caught and the parameter it names.</summary>
    public static TheoryData<string, string> Cases => new()
    {
        { "segment-after-dispose", "caught ObjectDisposedException()" },
        { "raw-after-dispose", "caught ObjectDisposedException()" },
        { "view-to-frame-size-after-dispose", "caught ObjectDisposedException()" },
        { "view-indexer-after-dispose", "caught ObjectDisposedException()" },
        { "view-values-after-dispose", "caught ObjectDisposedException()" },
        { "model-name-after-dispose", "caught ObjectDisposedException()" },
        { "raw-rgba-width-overflow", "caught ArgumentOutOfRangeException(width)" },
        { "raw-bgr-width-overflow", "caught ArgumentOutOfRangeException(width)" },
        { "raw-stride-times-height-overflow", "caught ArgumentOutOfRangeException(width)" },
        { "raw-stride-too-small", "caught ArgumentException(stride)" },
        { "raw-negative-stride", "caught ArgumentOutOfRangeException(stride)" },
        { "raw-layout-99", "caught ArgumentOutOfRangeException(layout)" },
        { "four-threads-one-segmenter", "no exception" },
        { "dispose-while-segmenting", "caught ObjectDisposedException()" },
        { "undisposed-segmenters-finalized", "no exception" },
        { "threads-100000", "caught ArgumentOutOfRangeException(options)" },
        { "threads-negative", "caught ArgumentOutOfRangeException(options)" },
        { "device-77", "caught ArgumentOutOfRangeException(options)" },
        { "smoothing-nan", "caught ArgumentOutOfRangeException(options)" },
        { "open-null-model", "caught ArgumentNullException(model)" },
        { "segment-null-mat", "caught ArgumentNullException(frameBgr)" },
        { "segment-disposed-mat", "caught ObjectDisposedException()" },
        { "to-frame-size-null", "caught ArgumentNullException(destination)" },
        { "mask-indexer-x-out-of-range", "caught ArgumentOutOfRangeException(x)" },
        { "mask-indexer-negative-x", "caught ArgumentOutOfRangeException(x)" },
        { "video-null-options", "caught ArgumentNullException(options)" },
        { "video-null-input", "caught ArgumentNullException(options.Input)" },
        { "video-max-frames-negative", "caught ArgumentOutOfRangeException(options)" },
        { "video-renderer-42", "caught ArgumentOutOfRangeException(options)" },
        { "video-effect-42", "caught ArgumentOutOfRangeException(options)" },
        { "video-threads-100000", "caught ArgumentOutOfRangeException(options)" },
        { "compositor-headless-0x0", "caught ArgumentOutOfRangeException(width)" },
        { "compositor-effect-42", "caught ArgumentOutOfRangeException(effect)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void HostileUse_EndsInTheDocumentedException_NotACrash(string hostileCase, string expected)
    {
        var (exitCode, stdout) = RunCase(hostileCase);
        Assert.True(exitCode == 0, $"{hostileCase}: exit {exitCode} (139 = SIGSEGV, 134 = abort):\n{stdout}");
        Assert.StartsWith(expected, stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCaseOfTheHostProgram_IsRunHere()
    {
        var (_, usage) = RunCase("no-such-case");
        foreach (var row in Cases)
            Assert.Contains((string)row[0], usage, StringComparison.Ordinal);
        Assert.Equal(Cases.Count, usage[(usage.IndexOf('(', StringComparison.Ordinal) + 1)..].Split(',').Length);
    }

    private static (int ExitCode, string Output) RunCase(string hostileCase)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LiveSeg.HostCrash.dll"));
        psi.ArgumentList.Add(hostileCase);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{hostileCase} did not end (a hang)");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
