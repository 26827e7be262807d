using System.Runtime.InteropServices;

namespace LiveSeg.IO;

/// <summary>What a path names on disk, after following links: the file's identity (device + inode) and its kind.</summary>
internal readonly record struct FileIdentity(ulong Device, ulong Inode, FileKind Kind)
{
    /// <summary>
    /// The identity of the file <paramref name="path"/> names (links followed), or null when nothing is there. Two paths
    /// name the same file exactly when their identities are equal: a symbolic link, a hard link, "./x" and "x" all
    /// compare equal to the file itself. On platforms without POSIX stat the fully resolved path stands in for the inode.
    /// </summary>
    public static FileIdentity? Of(string path)
    {
        if (Posix.TryStat(path, out ulong dev, out ulong ino, out uint mode))
            return new FileIdentity(dev, ino, KindOf(mode));
        if (Posix.Available)
            return null;
        if (!File.Exists(path) && !Directory.Exists(path))
            return null;
        string full = Resolve(path);
        return new FileIdentity(0, (ulong)StringComparer.OrdinalIgnoreCase.GetHashCode(full), Directory.Exists(full) ? FileKind.Directory : FileKind.Regular);
    }

    /// <summary>The final target of <paramref name="path"/> when it is a chain of symbolic links, else its full path.</summary>
    public static string Resolve(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full; // a link loop: leave it to the caller's open to fail clearly
        }
    }

    private static FileKind KindOf(uint mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0x1000 => FileKind.Fifo,
        0xC000 => FileKind.Socket,
        _ => FileKind.Other,
    };

    /// <summary>stat(2) through libc: glibc ≥ 2.33 exports it (Debian 12 has 2.36); the layout of struct stat is per architecture.</summary>
    private static class Posix
    {
        public static readonly bool Available = OperatingSystem.IsLinux() &&
            RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

        [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
        private static extern unsafe int Stat(byte* path, byte* buffer);

        public static unsafe bool TryStat(string path, out ulong device, out ulong inode, out uint mode)
        {
            device = inode = 0;
            mode = 0;
            if (!Available)
                return false;
            byte* buffer = stackalloc byte[256];
            byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = name)
            {
                if (Stat(p, buffer) != 0)
                    return false;
            }
            device = *(ulong*)buffer;
            inode = *(ulong*)(buffer + 8);
            // x86-64: st_dev, st_ino, st_nlink (8 bytes), st_mode. arm64 (generic layout): st_dev, st_ino, st_mode.
            mode = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? *(uint*)(buffer + 24) : *(uint*)(buffer + 16);
            return true;
        }
    }
}

/// <summary>The kind of file a path names.</summary>
internal enum FileKind { Regular, Directory, CharacterDevice, BlockDevice, Fifo, Socket, Other }
