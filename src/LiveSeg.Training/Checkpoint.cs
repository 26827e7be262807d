using System.Text;
using System.Text.Json;
using LiveSeg.IO;

namespace LiveSeg.Training;

/// <summary>What a checkpoint records besides the weights.</summary>
internal sealed record CheckpointInfo(string Architecture, int Size, int Epoch, double ValDice);

/// <summary>
/// Training checkpoints: an 8-byte magic ("LSCKPT1\n"), a length-prefixed JSON header (<see cref="CheckpointInfo"/>)
/// and the module's state in TorchSharp's own format. Written through <see cref="AtomicFile"/>, so a checkpoint is
/// either the old one or the complete new one, never half written. Reading anything else is a one-line user error.
/// </summary>
internal static class Checkpoint
{
    private static readonly byte[] s_magic = "LSCKPT1\n"u8.ToArray();

    public static void Save(SegmentationModel model, string path, CheckpointInfo info) =>
        AtomicFile.Write(path, "checkpoint", stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(s_magic);
            byte[] header = JsonSerializer.SerializeToUtf8Bytes(info);
            writer.Write(header.Length);
            writer.Write(header);
            model.save(writer);
            writer.Flush();
        });

    /// <summary>Reads only the header; throws a user error naming <paramref name="path"/> when it is not a checkpoint.</summary>
    public static CheckpointInfo ReadInfo(string path)
    {
        Throw.IfFileUnreadable(path, "checkpoint");
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        return ReadHeader(reader, path);
    }

    /// <summary>Loads the weights of <paramref name="path"/> into <paramref name="model"/>; user errors for a file that is not a checkpoint of this architecture.</summary>
    public static CheckpointInfo Load(SegmentationModel model, string path)
    {
        Throw.IfFileUnreadable(path, "checkpoint");
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream);
        var info = ReadHeader(reader, path);
        string arch = model.Architecture.ToString();
        if (!string.Equals(info.Architecture, arch, StringComparison.OrdinalIgnoreCase))
            Throw.User($"checkpoint '{path}' holds a {info.Architecture} network, not {arch}: pass --arch {info.Architecture.ToLowerInvariant()} or another checkpoint.");
        try
        {
            model.load(reader, strict: true);
        }
        catch (Exception e) when (e is not LiveSegException and not OutOfMemoryException)
        {
            Throw.User($"checkpoint '{path}' is damaged or does not match the {arch} network ({e.Message.Split('\n')[0]}).", e);
        }
        return info;
    }

    private static CheckpointInfo ReadHeader(BinaryReader reader, string path)
    {
        string notCheckpoint = $"'{path}' is not a liveseg training checkpoint: give best.bin or last.bin from a --checkpoints folder of 'liveseg train'.";
        try
        {
            byte[] magic = reader.ReadBytes(s_magic.Length);
            if (!magic.AsSpan().SequenceEqual(s_magic))
                Throw.User(notCheckpoint);
            int length = reader.ReadInt32();
            if (length is <= 0 or > 1 << 16)
                Throw.User(notCheckpoint);
            return JsonSerializer.Deserialize<CheckpointInfo>(reader.ReadBytes(length)) ?? Throw.User<CheckpointInfo>(notCheckpoint);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException)
        {
            return Throw.User<CheckpointInfo>(notCheckpoint, e);
        }
    }
}
