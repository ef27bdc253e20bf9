using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>ACK (SPEC 4.5): the device accepted a register read or write, START or STOP.</summary>
/// <param name="RequestType">Type of the request acknowledged.</param>
/// <param name="RequestSequence">Header sequence of the request.</param>
/// <param name="Address">Register address, 0 for START/STOP.</param>
/// <param name="Value">The value read, the value now in force, or the START stream mask.</param>
/// <param name="EffectiveClock">Sample clock at which the request took effect.</param>
public readonly record struct Ack(FrameType RequestType, uint RequestSequence, uint Address, uint Value, ulong EffectiveClock) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 24;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Ack;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        destination[..4].Clear();
        destination[0] = (byte)RequestType;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], RequestSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Address);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Value);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], EffectiveClock);
    }

    /// <summary>Decodes an ACK payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Ack value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Ack(
            (FrameType)payload[0],
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"request_type={(byte)RequestType} request_sequence={RequestSequence} address={Address} value={Value} effective_clock={EffectiveClock}";
}
