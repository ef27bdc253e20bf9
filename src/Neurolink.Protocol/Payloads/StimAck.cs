using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>STIM_ACK (SPEC 4.15): the device accepted a STIM_ARM, STIM_TRIGGER or STIM_DISARM.</summary>
/// <param name="RequestType">Type of the request.</param>
/// <param name="ProgramId">The program (the first one, for a trigger of several).</param>
/// <param name="RequestSequence">Header sequence of the request.</param>
/// <param name="EffectiveClock">When the program was stored, or when the first pulse starts.</param>
public readonly record struct StimAck(FrameType RequestType, ushort ProgramId, uint RequestSequence, ulong EffectiveClock) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 24;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.StimAck;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        destination[0] = (byte)RequestType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], ProgramId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], RequestSequence);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], EffectiveClock);
    }

    /// <summary>Decodes a STIM_ACK payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StimAck value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new StimAck(
            (FrameType)payload[0],
            BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"request_type={(byte)RequestType} program_id={ProgramId} request_sequence={RequestSequence} effective_clock={EffectiveClock}";
}
