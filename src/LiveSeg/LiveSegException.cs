using System.Diagnostics.CodeAnalysis;

namespace LiveSeg;

/// <summary>
/// A user-facing error: the message is one line that names the input and says what to do.
/// The CLI prints it without a stack trace (unless --verbose) and exits with <see cref="ExitCode"/>.
/// </summary>
public sealed class LiveSegException : Exception
{
    /// <summary>An error with a one-line <paramref name="message"/> and the process exit code the CLI uses (2: bad input).</summary>
    public LiveSegException(string message, int exitCode = ExitCodes.BadInput, Exception? inner = null)
        : base(message, inner) => ExitCode = exitCode;

    /// <summary>
    /// An error about settings: <paramref name="message"/> writes the message given how to name a setting (from its
    /// property name, such as "Crf"). <see cref="Exception.Message"/> names the settings by their property names; a
    /// front end renders it in its own terms with <see cref="Rephrase"/> (the CLI: its flags, "--crf").
    /// </summary>
    internal LiveSegException(Func<Func<string, string>, string> message, int exitCode = ExitCodes.BadInput, Exception? inner = null)
        : base(message(static setting => setting), inner) => (ExitCode, _rephrase) = (exitCode, message);

    private readonly Func<Func<string, string>, string>? _rephrase;

    /// <summary>The exit code the liveseg command ends with: 2 for bad input.</summary>
    public int ExitCode { get; }

    /// <summary>Whether the message names settings that <see cref="Rephrase"/> can name otherwise.</summary>
    internal bool NamesSettings => _rephrase is not null;

    /// <summary>The message with each setting named by <paramref name="name"/> (given its property name); <see cref="Exception.Message"/> when it names none.</summary>
    internal string Rephrase(Func<string, string> name) => _rephrase is null ? Message : _rephrase(name);
}

/// <summary>Process exit codes of the liveseg command.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Internal = 1;
    public const int BadInput = 2;
    /// <summary>A batch ran, and at least one of its inputs failed (the others were processed; the record lists them).</summary>
    public const int SomeFailed = 3;
    /// <summary>Stopped by SIGINT/SIGTERM; the output holds every frame finished before the stop (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}

/// <summary>All user-facing throws go through here, so messages stay uniform: what, which input, what to do.</summary>
internal static class Throw
{
    [DoesNotReturn]
    public static void User(string message, Exception? inner = null) => throw new LiveSegException(message, ExitCodes.BadInput, inner);

    [DoesNotReturn]
    public static T User<T>(string message, Exception? inner = null) => throw new LiveSegException(message, ExitCodes.BadInput, inner);

    /// <summary>A user error about settings, named through <paramref name="message"/>'s argument (see <see cref="LiveSegException.Rephrase"/>).</summary>
    [DoesNotReturn]
    public static void Setting(Func<Func<string, string>, string> message, Exception? inner = null) => throw new LiveSegException(message, ExitCodes.BadInput, inner);

    /// <summary>The file must exist and be readable; the message names it and the role it plays ("input video").</summary>
    public static void IfFileUnreadable(string path, string role)
    {
        if (Directory.Exists(path))
            User($"{role} '{path}' is a folder, not a file: give the path of a file.");
        if (!File.Exists(path))
            User($"{role} '{path}' does not exist: check the path.");
        // A named pipe is not opened to probe it: that would consume (and, closing it, break) what its writer sends.
        if (LiveSeg.IO.FileIdentity.Of(path) is { Kind: LiveSeg.IO.FileKind.Fifo })
            return;
        try
        {
            using var stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            User($"{role} '{path}' cannot be read ({e.Message}): check its permissions.", e);
        }
    }

    /// <summary>The folder that will hold <paramref name="outputPath"/> must exist and accept a new file.</summary>
    public static void IfOutputFolderUnwritable(string outputPath, string role)
    {
        string full = Path.GetFullPath(outputPath);
        string? folder = Path.GetDirectoryName(full);
        if (Directory.Exists(full))
            User($"{role} '{outputPath}' is a folder: give a file name such as '{Path.Combine(outputPath, "out.mp4")}'.");
        if (folder is null || !Directory.Exists(folder))
            User($"{role} folder '{folder}' does not exist: create it first (mkdir -p) or choose another path.");
        string probe = Path.Combine(folder, $".liveseg-write-test-{Environment.ProcessId}");
        try
        {
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            User($"{role} folder '{folder}' cannot be written ({e.Message}): choose a writable folder.", e);
        }
    }
}
