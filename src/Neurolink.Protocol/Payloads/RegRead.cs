using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>REG_READ (SPEC 4.4): the host reads one register.</summary>
/// <param name="Address">Register address (SPEC section 5).</param>
public readonly record struct RegRead(uint Address) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 8;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.RegRead;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Address);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
    }

    /// <summary>Decodes a REG_READ payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out RegRead value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new RegRead(BinaryPrimitives.ReadUInt32LittleEndian(payload));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"address={Address}";
}
