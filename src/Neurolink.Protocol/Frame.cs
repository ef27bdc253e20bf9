namespace Neurolink.Protocol;

/// <summary>
/// A validated frame, as a view into the receiver's buffer. It is valid until the next call to
/// the receiver that produced it; copy what must outlive that.
/// </summary>
public readonly ref struct Frame
{
    /// <summary>Wraps a header and the frame's bytes.</summary>
    public Frame(FrameHeader header, ReadOnlySpan<byte> bytes)
    {
        Header = header;
        Bytes = bytes;
    }

    /// <summary>The decoded header.</summary>
    public FrameHeader Header { get; }

    /// <summary>The whole frame on the wire: header, payload, padding and CRC.</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    /// <summary>The payload, without padding. 8-byte aligned when the receive buffer is.</summary>
    public ReadOnlySpan<byte> Payload => Bytes.Slice(WireFormat.HeaderSize, Header.PayloadLength);

    /// <summary>The frame type.</summary>
    public FrameType Type => Header.FrameType;
}
