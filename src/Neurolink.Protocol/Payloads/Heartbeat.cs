using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>HEARTBEAT (SPEC 4.16): the device's link status. Counters are totals since HELLO, wrapping at 2^32.</summary>
/// <param name="FifoFillPermille">Device transmit FIFO fill, 0..1000.</param>
/// <param name="Status">Acquiring and stimulation state.</param>
/// <param name="FramesDropped">Frames the device could not send.</param>
/// <param name="HostCrcErrors">Frames from the host that failed a CRC.</param>
/// <param name="HostFrames">Valid frames received from the host.</param>
/// <param name="HostDiscardedBytes">Bytes from the host discarded while resyncing.</param>
public readonly record struct Heartbeat(
    ushort FifoFillPermille, DeviceStatus Status, uint FramesDropped, uint HostCrcErrors, uint HostFrames, uint HostDiscardedBytes) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 24;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Heartbeat;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, FifoFillPermille);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Status);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], FramesDropped);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], HostCrcErrors);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], HostFrames);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], HostDiscardedBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], 0);
    }

    /// <summary>Decodes a HEARTBEAT payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Heartbeat value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new Heartbeat(
            BinaryPrimitives.ReadUInt16LittleEndian(payload),
            (DeviceStatus)BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"fifo_fill_permille={FifoFillPermille} status={(ushort)Status} frames_dropped={FramesDropped} host_crc_errors={HostCrcErrors} " +
        $"host_frames={HostFrames} host_discarded_bytes={HostDiscardedBytes}";
}
