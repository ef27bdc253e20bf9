using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Neurolink.Protocol;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as SPEC section 2 defines it:
/// initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF. Uses the SSE4.2 or ARMv8 CRC instruction
/// where the CPU has it, and a table otherwise.
/// </summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private const int LongBlock = 8192;
    private const int ShortBlock = 256;
    private static readonly uint[] s_table = BuildTable();
    private static readonly uint[] s_shiftLong = BuildShiftTable(LongBlock);
    private static readonly uint[] s_shiftShort = BuildShiftTable(ShortBlock);

    /// <summary>True when this process computes the CRC with a hardware instruction.</summary>
    public static bool IsHardwareAccelerated => Sse42.X64.IsSupported || Crc32.Arm64.IsSupported;

    /// <summary>The CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFFu, data);

    /// <summary>
    /// Continues a running CRC: start with 0xFFFFFFFF, feed each piece in order, and take the
    /// bitwise complement of the last result.
    /// </summary>
    public static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            return UpdateSse42(state, data);
        }

        if (Crc32.Arm64.IsSupported)
        {
            return UpdateArm64(state, data);
        }

        return UpdateTable(state, data);
    }

    /// <summary>The portable table path; visible to the tests, which check the fast paths against it.</summary>
    internal static uint UpdateTable(uint state, ReadOnlySpan<byte> data)
    {
        uint[] table = s_table;
        foreach (byte b in data)
        {
            state = table[(byte)(state ^ b)] ^ (state >> 8);
        }

        return state;
    }

    private static uint UpdateSse42(uint state, ReadOnlySpan<byte> data)
    {
        ref byte p = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        ulong crc = state;

        // The crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so one
        // dependent chain runs at a third of the possible speed. Three chains over three adjacent
        // blocks run in parallel and are joined by shifting the earlier results over the later
        // blocks (a fixed linear map on the 32-bit register, applied with 4 table lookups).
        crc = Interleave(ref p, ref i, length, crc, LongBlock, s_shiftLong);
        crc = Interleave(ref p, ref i, length, crc, ShortBlock, s_shiftShort);

        for (; i + 8 <= length; i += 8)
        {
            crc = Sse42.X64.Crc32(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i)));
        }

        uint c = (uint)crc;
        for (; i < length; i++)
        {
            c = Sse42.Crc32(c, Unsafe.Add(ref p, i));
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Interleave(ref byte p, ref nuint i, nuint length, ulong crc, nuint block, uint[] shift)
    {
        while (i + (3 * block) <= length)
        {
            ulong crc1 = 0;
            ulong crc2 = 0;
            ref byte a = ref Unsafe.Add(ref p, i);
            ref byte b = ref Unsafe.Add(ref a, block);
            ref byte c = ref Unsafe.Add(ref b, block);
            for (nuint k = 0; k < block; k += 16)
            {
                crc = Sse42.X64.Crc32(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, k)));
                crc1 = Sse42.X64.Crc32(crc1, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, k)));
                crc2 = Sse42.X64.Crc32(crc2, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref c, k)));
                crc = Sse42.X64.Crc32(crc, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, k + 8)));
                crc1 = Sse42.X64.Crc32(crc1, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, k + 8)));
                crc2 = Sse42.X64.Crc32(crc2, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref c, k + 8)));
            }

            crc = Shift(shift, (uint)crc) ^ crc1;
            crc = Shift(shift, (uint)crc) ^ crc2;
            i += 3 * block;
        }

        return crc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Shift(uint[] table, uint crc) =>
        table[(byte)crc] ^ table[256 + (byte)(crc >> 8)] ^ table[512 + (byte)(crc >> 16)] ^ table[768 + (crc >> 24)];

    /// <summary>
    /// Tables of the linear map "run the register over <paramref name="zeros"/> zero bytes": entry
    /// [256k + b] is the map applied to b &lt;&lt; 8k, so the map of any register is 4 lookups.
    /// </summary>
    private static uint[] BuildShiftTable(int zeros)
    {
        Span<uint> basis = stackalloc uint[32];
        for (int bit = 0; bit < 32; bit++)
        {
            uint c = 1u << bit;
            for (int n = 0; n < zeros; n++)
            {
                c = s_table[(byte)c] ^ (c >> 8);
            }

            basis[bit] = c;
        }

        var table = new uint[4 * 256];
        for (int k = 0; k < 4; k++)
        {
            for (int b = 0; b < 256; b++)
            {
                uint v = 0;
                for (int bit = 0; bit < 8; bit++)
                {
                    if ((b & (1 << bit)) != 0)
                    {
                        v ^= basis[(8 * k) + bit];
                    }
                }

                table[(256 * k) + b] = v;
            }
        }

        return table;
    }

    private static uint UpdateArm64(uint state, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            state = Crc32.Arm64.ComputeCrc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        }

        for (; i < data.Length; i++)
        {
            state = Crc32.ComputeCrc32C(state, data[i]);
        }

        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
