using System.Buffers.Binary;
using System.Text;

namespace LiveSeg.Models.Tflite;

/// <summary>
/// A minimal read-only FlatBuffers reader (the wire format: little-endian; a table starts with a signed offset back to
/// its vtable; the vtable lists 16-bit field offsets, field i at vtable byte 4 + 2i; references are 32-bit offsets
/// relative to where they are stored). Enough to walk a TFLite model without generated code. Every access is bounds-checked.
/// </summary>
internal readonly struct FlatTable(byte[] data, int position)
{
    public byte[] Data => data;

    public int Position => position;

    public static FlatTable Root(byte[] data)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("the TFLite reader needs a little-endian machine");
        if (data.Length < 8)
            throw new FormatException("file too small to be a FlatBuffer");
        return new FlatTable(data, checked((int)ReadU32(data, 0)));
    }

    /// <summary>Absolute position of field <paramref name="index"/>, or 0 when absent.</summary>
    private int Field(int index)
    {
        int vtable = position - ReadI32(data, position);
        int vtableSize = ReadU16(data, vtable);
        int slot = 4 + 2 * index;
        if (slot >= vtableSize)
            return 0;
        int offset = ReadU16(data, vtable + slot);
        return offset == 0 ? 0 : position + offset;
    }

    public bool Has(int index) => Field(index) != 0;

    public int Int32(int index, int fallback = 0) => Field(index) is var p && p != 0 ? ReadI32(data, p) : fallback;

    public uint UInt32(int index, uint fallback = 0) => Field(index) is var p && p != 0 ? ReadU32(data, p) : fallback;

    public byte Byte(int index, byte fallback = 0) => Field(index) is var p && p != 0 ? At(p) : fallback;

    public sbyte SByte(int index, sbyte fallback = 0) => (sbyte)Byte(index, (byte)fallback);

    public bool Bool(int index, bool fallback = false) => Byte(index, fallback ? (byte)1 : (byte)0) != 0;

    public ulong UInt64(int index, ulong fallback = 0) =>
        Field(index) is var p && p != 0 ? BinaryPrimitives.ReadUInt64LittleEndian(Slice(p, 8)) : fallback;

    public FlatTable? Table(int index)
    {
        int p = Field(index);
        return p == 0 ? null : new FlatTable(data, p + (int)ReadU32(data, p));
    }

    public string? String(int index)
    {
        var v = VectorStart(index, 1, out int count);
        return v < 0 ? null : Encoding.UTF8.GetString(data, v, count);
    }

    /// <summary>Bytes of a [ubyte] vector (empty when absent).</summary>
    public ReadOnlySpan<byte> Bytes(int index)
    {
        int v = VectorStart(index, 1, out int count);
        return v < 0 ? [] : data.AsSpan(v, count);
    }

    public int[] Int32s(int index) => Scalars<int>(index);

    public float[] Floats(int index) => Scalars<float>(index);

    public long[] Int64s(int index) => Scalars<long>(index);

    /// <summary>A vector of little-endian scalars (FlatBuffers' byte order, which is this process's: see the static check).</summary>
    private T[] Scalars<T>(int index) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int v = VectorStart(index, size, out int count);
        return v < 0 ? [] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Slice(v, count * size)).ToArray();
    }

    public FlatTable[] Tables(int index)
    {
        int v = VectorStart(index, 4, out int count);
        var result = new FlatTable[Math.Max(0, count)];
        for (int i = 0; i < result.Length; i++)
        {
            int p = v + 4 * i;
            result[i] = new FlatTable(data, p + (int)ReadU32(data, p));
        }
        return result;
    }

    /// <summary>Start of a vector's elements and its length, or -1 when the field is absent.</summary>
    private int VectorStart(int index, int elementSize, out int count)
    {
        count = 0;
        int p = Field(index);
        if (p == 0)
            return -1;
        int vector = p + (int)ReadU32(data, p);
        count = checked((int)ReadU32(data, vector));
        _ = Slice(vector + 4, checked(count * elementSize));
        return vector + 4;
    }

    private byte At(int p) => (uint)p < (uint)data.Length ? data[p] : throw new FormatException("FlatBuffer offset out of range");

    private ReadOnlySpan<byte> Slice(int p, int length) =>
        p >= 0 && length >= 0 && p + (long)length <= data.Length ? data.AsSpan(p, length) : throw new FormatException("FlatBuffer offset out of range");

    private static int ReadI32(byte[] d, int p) => (uint)p + 4L <= (uint)d.Length ? BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(p)) : throw new FormatException("FlatBuffer offset out of range");

    private static uint ReadU32(byte[] d, int p) => (uint)ReadI32(d, p);

    private static ushort ReadU16(byte[] d, int p) => (uint)p + 2L <= (uint)d.Length ? BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(p)) : throw new FormatException("FlatBuffer offset out of range");
}
