using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>PING (SPEC 4.17): the host asks the device to echo a timestamp with its sample clock.</summary>
/// <param name="HostTimeNs">Host monotonic time when sent, nanoseconds.</param>
/// <param name="PingId">Matches the PONG to its PING.</param>
public readonly record struct Ping(ulong HostTimeNs, uint PingId) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 16;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Ping;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, HostTimeNs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], PingId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
    }

    /// <summary>Decodes a PING payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Ping value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Ping(BinaryPrimitives.ReadUInt64LittleEndian(payload), BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"host_time_ns={HostTimeNs} ping_id={PingId}";
}
