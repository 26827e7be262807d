using System.Runtime.InteropServices;

namespace LiveSeg.Cli;

/// <summary>
/// Keeps OpenCV's and FFmpeg's own warnings off stderr (LiveSeg reports problems itself, in one line), unless the user
/// set these variables or asked for --verbose. Native code reads the C environment, so this uses setenv, not
/// Environment.SetEnvironmentVariable (which only changes .NET's copy on Unix).
/// </summary>
internal static partial class NativeLogs
{
    public static void Quiet(bool verbose)
    {
        if (verbose || !OperatingSystem.IsLinux())
            return;
        SetIfUnset("OPENCV_LOG_LEVEL", "ERROR");
        SetIfUnset("OPENCV_FFMPEG_LOGLEVEL", "-8"); // AV_LOG_QUIET
    }

    private static void SetIfUnset(string name, string value)
    {
        if (Environment.GetEnvironmentVariable(name) is null)
            _ = setenv(name, value, 0);
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
