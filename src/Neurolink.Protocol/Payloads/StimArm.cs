using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Neurolink.Protocol.Payloads;

/// <summary>
/// STIM_ARM (SPEC 4.12): a biphasic pulse-train program stored in a slot, to be fired later by
/// STIM_TRIGGER. Amplitudes in nanoamps (negative = cathodic), widths and gap in microseconds.
/// </summary>
public readonly ref struct StimArm : IFramePayload
{
    /// <summary>Bytes before the channel list.</summary>
    public const int FixedSize = 32;

    /// <summary>Wraps a program for encoding, or as decoded.</summary>
    public StimArm(StimProgram program, ReadOnlySpan<ushort> channels)
    {
        if (channels.Length is 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"a program names 1 to 65535 channels, not {channels.Length}", nameof(channels));
        }

        Program = program;
        Channels = channels;
    }

    /// <summary>The pulse-train parameters.</summary>
    public StimProgram Program { get; }

    /// <summary>Channels that receive the train together.</summary>
    public ReadOnlySpan<ushort> Channels { get; }

    /// <inheritdoc/>
    public static FrameType Type => FrameType.StimArm;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + (2 * Channels.Length);

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        StimProgram p = Program;
        BinaryPrimitives.WriteUInt16LittleEndian(destination, p.ProgramId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Channels.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], p.Phase1AmplitudeNa);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], p.Phase2AmplitudeNa);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], p.Phase1WidthUs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], p.InterphaseGapUs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], p.Phase2WidthUs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], p.PulseCount);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[28..], p.PulseRateHz);
        MemoryMarshal.AsBytes(Channels).CopyTo(destination[FixedSize..]);
    }

    /// <summary>Decodes in place; false with a reason when the payload is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StimArm value, out string? error)
    {
        value = default;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        int channels = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        if (channels == 0 || payload.Length != FixedSize + (2 * channels))
        {
            error = PayloadError.Mismatch(Type, $"channel_count {channels} (at least 1)", FixedSize + (2 * channels), payload.Length);
            return false;
        }

        var program = new StimProgram(
            BinaryPrimitives.ReadUInt16LittleEndian(payload),
            BinaryPrimitives.ReadInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[28..]));
        value = new StimArm(program, MemoryMarshal.Cast<byte, ushort>(payload.Slice(FixedSize, 2 * channels)));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText()
    {
        StimProgram p = Program;
        return $"program_id={p.ProgramId} channel_count={Channels.Length} phase1_amplitude_na={p.Phase1AmplitudeNa} " +
            $"phase2_amplitude_na={p.Phase2AmplitudeNa} phase1_width_us={p.Phase1WidthUs} interphase_gap_us={p.InterphaseGapUs} " +
            $"phase2_width_us={p.Phase2WidthUs} pulse_count={p.PulseCount} pulse_rate_hz={p.PulseRateHz} channels=[{string.Join(',', Channels.ToArray())}]";
    }
}
