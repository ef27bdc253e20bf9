using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Neurolink.Protocol.Payloads;

/// <summary>STIM_TRIGGER (SPEC 4.13): fire armed programs together, now or at a device sample clock.</summary>
public readonly ref struct StimTrigger : IFramePayload
{
    /// <summary>Bytes before the program list.</summary>
    public const int FixedSize = 16;

    /// <summary>Flag bit 0: fire at <see cref="AtClock"/> rather than now.</summary>
    public const ushort AtClockFlag = 1;

    /// <summary>Wraps a trigger for encoding, or as decoded.</summary>
    /// <param name="atClock">Device sample clock at which to fire, when <paramref name="flags"/> has <see cref="AtClockFlag"/>.</param>
    /// <param name="flags">Bit 0: fire at the clock; clear: now.</param>
    /// <param name="programIds">Armed programs to fire, at least one.</param>
    public StimTrigger(ulong atClock, ushort flags, ReadOnlySpan<ushort> programIds)
    {
        if (programIds.Length is 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"a trigger names 1 to 65535 programs, not {programIds.Length}", nameof(programIds));
        }

        AtClock = atClock;
        Flags = flags;
        ProgramIds = programIds;
    }

    /// <summary>A trigger that fires now.</summary>
    public static StimTrigger Now(ReadOnlySpan<ushort> programIds) => new(0, 0, programIds);

    /// <summary>A trigger that fires at device sample clock <paramref name="clock"/>.</summary>
    public static StimTrigger At(ulong clock, ReadOnlySpan<ushort> programIds) => new(clock, AtClockFlag, programIds);

    /// <summary>Device sample clock at which to fire, if <see cref="IsAtClock"/>.</summary>
    public ulong AtClock { get; }

    /// <summary>Raw flags.</summary>
    public ushort Flags { get; }

    /// <summary>True when the trigger waits for <see cref="AtClock"/>.</summary>
    public bool IsAtClock => (Flags & AtClockFlag) != 0;

    /// <summary>Programs to fire together.</summary>
    public ReadOnlySpan<ushort> ProgramIds { get; }

    /// <inheritdoc/>
    public static FrameType Type => FrameType.StimTrigger;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + (2 * ProgramIds.Length);

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, AtClock);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], (ushort)ProgramIds.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        MemoryMarshal.AsBytes(ProgramIds).CopyTo(destination[FixedSize..]);
    }

    /// <summary>Decodes in place; false with a reason when the payload is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StimTrigger value, out string? error)
    {
        value = default;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload[10..]);
        if (count == 0 || payload.Length != FixedSize + (2 * count))
        {
            error = PayloadError.Mismatch(Type, $"program_count {count} (at least 1)", FixedSize + (2 * count), payload.Length);
            return false;
        }

        value = new StimTrigger(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]),
            MemoryMarshal.Cast<byte, ushort>(payload.Slice(FixedSize, 2 * count)));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"at_clock={AtClock} flags={Flags} program_count={ProgramIds.Length} program_ids=[{string.Join(',', ProgramIds.ToArray())}]";
}
