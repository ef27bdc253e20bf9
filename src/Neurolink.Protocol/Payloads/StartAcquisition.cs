using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>START (SPEC 4.7): the host starts acquisition of the streams in the mask.</summary>
/// <param name="Streams">Streams to start; at least one.</param>
public readonly record struct StartAcquisition(StreamMask Streams) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 8;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Start;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)Streams);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], 0);
    }

    /// <summary>Decodes a START payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StartAcquisition value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new StartAcquisition((StreamMask)BinaryPrimitives.ReadUInt32LittleEndian(payload));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"stream_mask={(uint)Streams}";
}
