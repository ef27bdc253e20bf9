using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>HELLO (SPEC 4.1): the host opens a session and offers the versions it speaks.</summary>
/// <param name="MinVersion">Lowest protocol version the host speaks.</param>
/// <param name="MaxVersion">Highest protocol version the host speaks.</param>
/// <param name="HostMaxFrame">Largest frame the host accepts, in bytes, up to 1 048 576.</param>
/// <param name="HostTimeNs">Host monotonic time in nanoseconds, informational.</param>
public readonly record struct Hello(byte MinVersion, byte MaxVersion, uint HostMaxFrame, ulong HostTimeNs) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 16;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Hello;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        destination[0] = MinVersion;
        destination[1] = MaxVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], HostMaxFrame);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], HostTimeNs);
    }

    /// <summary>Decodes a HELLO payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Hello value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Hello(payload[0], payload[1], BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]), BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"min_version={MinVersion} max_version={MaxVersion} host_max_frame={HostMaxFrame} host_time_ns={HostTimeNs}";
}
