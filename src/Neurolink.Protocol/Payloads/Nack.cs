using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>NACK (SPEC 4.6): the device refused a register read or write, START or STOP; nothing changed.</summary>
/// <param name="RequestType">Type of the request refused.</param>
/// <param name="Error">Why it was refused.</param>
/// <param name="RequestSequence">Header sequence of the request.</param>
/// <param name="Address">Register address, 0 for START/STOP.</param>
/// <param name="Value">The value that was refused.</param>
public readonly record struct Nack(FrameType RequestType, RegisterError Error, uint RequestSequence, uint Address, uint Value) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 16;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Nack;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)RequestType;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Error);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], RequestSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Address);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Value);
    }

    /// <summary>Decodes a NACK payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Nack value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Nack(
            (FrameType)payload[0],
            (RegisterError)BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"request_type={(byte)RequestType} error={(ushort)Error} request_sequence={RequestSequence} address={Address} value={Value}";
}
