using System.Buffers;
using System.Buffers.Binary;

namespace Neurolink.Protocol;

/// <summary>Writes whole frames: header, payload, zero padding and CRC trailer (SPEC section 2).</summary>
public static class FrameEncoder
{
    /// <summary>
    /// Encodes a frame whose payload the caller already has as bytes. Returns the frame length.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is larger than a frame allows, or <paramref name="destination"/> is too small.</exception>
    public static int Encode(Span<byte> destination, byte type, FrameFlags flags, ushort stream, ulong sampleClock, uint sequence, ReadOnlySpan<byte> payload)
    {
        Prepare(destination, new FrameHeader(type, flags, payload.Length, stream, sampleClock, sequence));
        payload.CopyTo(destination[WireFormat.HeaderSize..]);
        return Seal(destination, payload.Length);
    }

    /// <summary>Encodes a frame with a typed payload. Returns the frame length.</summary>
    public static int Encode<TPayload>(Span<byte> destination, in TPayload payload, FrameFlags flags, ushort stream, ulong sampleClock, uint sequence)
        where TPayload : IFramePayload, allows ref struct
    {
        int payloadLength = payload.PayloadLength;
        Prepare(destination, new FrameHeader((byte)TPayload.Type, flags, payloadLength, stream, sampleClock, sequence));
        payload.Write(destination.Slice(WireFormat.HeaderSize, payloadLength));
        return Seal(destination, payloadLength);
    }

    /// <summary>Encodes a frame with a typed payload into a buffer writer, and advances it.</summary>
    public static int Encode<TPayload>(IBufferWriter<byte> writer, in TPayload payload, FrameFlags flags, ushort stream, ulong sampleClock, uint sequence)
        where TPayload : IFramePayload, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = WireFormat.FrameLength(payload.PayloadLength);
        int written = Encode(writer.GetSpan(length), payload, flags, stream, sampleClock, sequence);
        writer.Advance(written);
        return written;
    }

    private static void Prepare(Span<byte> destination, in FrameHeader header)
    {
        if ((uint)header.PayloadLength > WireFormat.MaxPayloadLength)
        {
            throw new ArgumentException(
                $"payload of {header.PayloadLength} bytes is over the protocol's limit of {WireFormat.MaxPayloadLength}; split the data into several frames",
                nameof(header));
        }

        int length = header.FrameLength;
        if (destination.Length < length)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes but the frame needs {length}", nameof(destination));
        }

        header.Write(destination);
    }

    private static int Seal(Span<byte> destination, int payloadLength)
    {
        int length = WireFormat.FrameLength(payloadLength);
        int crcOffset = length - WireFormat.TrailerSize;
        destination[(WireFormat.HeaderSize + payloadLength)..crcOffset].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination[crcOffset..], Crc32C.Compute(destination[..crcOffset]));
        return length;
    }
}
