using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>PONG (SPEC 4.17): the device echoes a PING with the sample clock at which it arrived.</summary>
/// <param name="HostTimeNs">Echoed from the PING.</param>
/// <param name="PingId">Echoed from the PING.</param>
/// <param name="RxClock">Device sample clock when the PING arrived.</param>
public readonly record struct Pong(ulong HostTimeNs, uint PingId, ulong RxClock) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 24;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Pong;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, HostTimeNs);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], PingId);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], RxClock);
    }

    /// <summary>Decodes a PONG payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Pong value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Pong(
            BinaryPrimitives.ReadUInt64LittleEndian(payload),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(payload[16..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"host_time_ns={HostTimeNs} ping_id={PingId} rx_clock={RxClock}";
}
