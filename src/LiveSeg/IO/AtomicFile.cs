using OpenCvSharp;

namespace LiveSeg.IO;

/// <summary>
/// A file written safely: the content goes to a hidden temporary file in the target's own folder (same file system,
/// same extension so codecs and image writers pick the same format), and only a complete file is renamed over the
/// target. A run that dies half-way leaves the previous target untouched; a reader never sees half a file.
/// <para>Links: by default a symbolic link at the target is followed (the file it points to is replaced, as cp
/// does); with <c>followLinks: false</c> the link itself is replaced and what it pointed to is never written.</para>
/// <para>Temporary files are named <c>.NAME.liveseg-PID-RANDOM.tmp.EXT</c>. A process killed outright (SIGKILL, power
/// loss) cannot delete its own: the first AtomicFile of a later run in that folder deletes every such file whose PID
/// is no running process (<see cref="RemoveStaleTemps"/>); a file of a live process, this one included, is kept.</para>
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    public AtomicFile(string target, string role, bool followLinks = true)
    {
        Shown = target;
        Role = role;
        Target = followLinks ? FileIdentity.Resolve(target) : Path.GetFullPath(target);
        string folder = Path.GetDirectoryName(Target) ?? ".";
        string name = Path.GetFileName(Target);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
            Throw.User($"{role} '{target}': its name is {System.Text.Encoding.UTF8.GetByteCount(name)} bytes, over the file system's limit of {MaxNameBytes}: choose a shorter name.");
        TempPath = Path.Combine(folder, TempName(name));
        if (s_swept.TryAdd(folder, true))
            RemoveStaleTemps(folder);
    }

    /// <summary>The longest file name (in bytes) most Linux file systems take.</summary>
    public const int MaxNameBytes = 255;

    /// <summary>
    /// ".NAME.liveseg-PID-RANDOM.tmp.EXT", with NAME shortened when the whole would pass <see cref="MaxNameBytes"/> (a
    /// 230-byte output name is valid; its temporary name must be too).
    /// </summary>
    private static string TempName(string name)
    {
        string ext = Path.GetExtension(name);
        string tail = $".liveseg-{Environment.ProcessId}-{Random.Shared.Next():x8}.tmp{ext}";
        string stem = name;
        while (System.Text.Encoding.UTF8.GetByteCount(stem) + System.Text.Encoding.UTF8.GetByteCount(tail) + 1 > MaxNameBytes && stem.Length > 1)
            stem = stem[..^1];
        return $".{stem}{tail}";
    }

    /// <summary>Folders this process has already swept for stale temporary files.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> s_swept = new(StringComparer.Ordinal);

    private static readonly System.Text.RegularExpressions.Regex s_tempName =
        new(@"^\..+\.liveseg-(\d{1,10})-[0-9a-f]{8}\.tmp(\.[^.]*)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Deletes the temporary files of dead processes in <paramref name="folder"/> (names as <see cref="TempPath"/> makes
    /// them; the PID in the name is not running); returns how many. Never fails: a file that cannot be deleted stays.
    /// </summary>
    internal static int RemoveStaleTemps(string folder)
    {
        int removed = 0;
        try
        {
            foreach (string path in Directory.EnumerateFiles(folder, ".*.liveseg-*.tmp*"))
            {
                var m = s_tempName.Match(Path.GetFileName(path));
                if (!m.Success || !int.TryParse(m.Groups[1].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid)
                    || pid == Environment.ProcessId || IsRunning(pid))
                    continue;
                try
                {
                    File.Delete(path);
                    removed++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        if (OperatingSystem.IsLinux())
            return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The path as the user gave it (for messages).</summary>
    public string Shown { get; }

    /// <summary>What the file is ("output video", "metrics file"), for messages.</summary>
    public string Role { get; }

    /// <summary>Where the file lands (links resolved unless asked not to).</summary>
    public string Target { get; }

    /// <summary>Where the content is written until <see cref="Commit"/>.</summary>
    public string TempPath { get; }

    public bool Committed { get; private set; }

    /// <summary>Renames the finished temporary file over the target (atomic on one file system).</summary>
    public void Commit()
    {
        try
        {
            File.Move(TempPath, Target, overwrite: true);
            Committed = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Throw.User($"{Role} '{Shown}' could not be put in place ({e.Message}): it was not changed.", e);
        }
    }

    /// <summary>Deletes the temporary file unless it was committed.</summary>
    public void Dispose()
    {
        if (Committed)
            return;
        try
        {
            File.Delete(TempPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Writes <paramref name="write"/>'s bytes safely to <paramref name="target"/>; a failed write is a one-line error and leaves the target as it was.</summary>
    public static void Write(string target, string role, Action<Stream> write, bool followLinks = true)
    {
        using var file = new AtomicFile(target, role, followLinks);
        try
        {
            using (var stream = new FileStream(file.TempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Throw.User($"{role} '{target}' could not be written ({e.Message.TrimEnd('.')}): {KeptNote(file.Target)}.", e);
        }
        file.Commit();
    }

    /// <summary>
    /// For writers that take a path (an ONNX exporter, a codec): <paramref name="writeToPath"/> writes the temporary
    /// file, which is then renamed over <paramref name="target"/>; if it throws, the temporary file is deleted and the
    /// target is left as it was.
    /// </summary>
    public static void WriteThrough(string target, string role, Action<string> writeToPath, bool followLinks = true)
    {
        using var file = new AtomicFile(target, role, followLinks);
        try
        {
            writeToPath(file.TempPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Throw.User($"{role} '{target}' could not be written ({e.Message.TrimEnd('.')}): {KeptNote(file.Target)}.", e);
        }
        if (!File.Exists(file.TempPath))
            throw new IOException($"{role} '{target}': nothing was written");
        file.Commit();
    }

    public static void WriteAllText(string target, string role, string text, bool followLinks = true) =>
        Write(target, role, s =>
        {
            using var w = new StreamWriter(s, leaveOpen: true);
            w.Write(text);
        }, followLinks);

    public static void WriteAllBytes(string target, string role, ReadOnlySpan<byte> bytes, bool followLinks = true)
    {
        byte[] copy = bytes.ToArray();
        Write(target, role, s => s.Write(copy), followLinks);
    }

    /// <summary>Copies <paramref name="source"/> safely to <paramref name="target"/>.</summary>
    public static void WriteFrom(string target, string role, Stream source, bool followLinks = true) =>
        Write(target, role, s => source.CopyTo(s), followLinks);

    /// <summary>Encodes <paramref name="image"/> (format by extension) safely to <paramref name="target"/>.</summary>
    public static void WriteImage(string target, string role, Mat image)
    {
        string ext = Path.GetExtension(target);
        if (!Cv2.ImEncode(ext, image, out byte[] encoded))
            Throw.User($"{role} '{target}': the image could not be encoded as '{ext}': use .png or .jpg.");
        WriteAllBytes(target, role, encoded);
    }

    /// <summary>What is left at the target after a failed write, said plainly.</summary>
    public static string KeptNote(string target) =>
        File.Exists(target) ? $"the previous '{Path.GetFileName(target)}' was kept unchanged" : "nothing was written";
}
