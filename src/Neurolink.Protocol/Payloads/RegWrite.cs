using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>REG_WRITE (SPEC 4.4): the host writes one register.</summary>
/// <param name="Address">Register address (SPEC section 5).</param>
/// <param name="Value">The value to write.</param>
public readonly record struct RegWrite(uint Address, uint Value) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 8;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.RegWrite;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Address);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Value);
    }

    /// <summary>Decodes a REG_WRITE payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out RegWrite value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new RegWrite(BinaryPrimitives.ReadUInt32LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"address={Address} value={Value}";
}
