namespace LiveSeg.IO;

/// <summary>An input of a run, for the same-file checks: its path (null = not given) and its role ("input video").</summary>
internal readonly record struct InputFile(string? Path, string Role);

/// <summary>
/// Checks an output path before any work: its folder exists and is writable, it is not a folder or a device, and it
/// is none of the run's inputs (compared as files, after links: a symbolic or hard link to the input is the input).
/// </summary>
internal static class OutputCheck
{
    public static void File(string output, string role, params IEnumerable<InputFile> inputs)
    {
        FileIdentity? target = FileIdentity.Of(output);
        if (target is { Kind: FileKind.Directory })
            Throw.User($"{role} '{output}' is a folder: give a file name such as '{Path.Combine(output, "out" + DefaultExtension(role))}'.");
        if (target is { Kind: not FileKind.Regular })
            Throw.User($"{role} '{output}' is a {Describe(target.Value.Kind)}, not a regular file: give the path of a file to create.");
        Throw.IfOutputFolderUnwritable(FileIdentity.Resolve(output), role);
        if (target is not null)
            NotAnInput(output, role, target.Value, inputs);
    }

    /// <summary>An output folder: not a file, not one of the input folders (a second run would read its own outputs).</summary>
    public static void Folder(string output, string role, params IEnumerable<InputFile> inputFolders)
    {
        FileIdentity? target = FileIdentity.Of(output);
        if (target is { Kind: not FileKind.Directory })
            Throw.User($"{role} '{output}' exists and is not a folder: give a folder path (it is created if missing).");
        if (target is not null)
            NotAnInput(output, role, target.Value, inputFolders);
    }

    private static void NotAnInput(string output, string role, FileIdentity target, IEnumerable<InputFile> inputs)
    {
        foreach (var input in inputs)
        {
            if (input.Path is null)
                continue;
            if (FileIdentity.Of(input.Path) is { } id && id.Device == target.Device && id.Inode == target.Inode)
            {
                string how = Path.GetFullPath(output) == Path.GetFullPath(input.Path) ? "" : " (through a link)";
                Throw.User($"{role} '{output}' is the {input.Role} '{input.Path}'{how}: choose another output path; inputs are never overwritten.");
            }
        }
    }

    private static string Describe(FileKind kind) => kind switch
    {
        FileKind.CharacterDevice or FileKind.BlockDevice => "device",
        FileKind.Fifo => "named pipe",
        FileKind.Socket => "socket",
        _ => "special file",
    };

    private static string DefaultExtension(string role) =>
        role.Contains("metrics", StringComparison.Ordinal) || role.Contains("manifest", StringComparison.Ordinal) ? ".json"
        : role.Contains("model", StringComparison.Ordinal) ? ".onnx" : ".mp4";
}
