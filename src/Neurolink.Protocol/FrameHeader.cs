using System.Buffers.Binary;

namespace Neurolink.Protocol;

/// <summary>
/// The 32-byte frame header (SPEC section 2), without the sync word and header CRC, which the
/// encoder writes and the deframer checks.
/// </summary>
/// <param name="Type">Frame type; a byte so that unknown types can be carried and reported.</param>
/// <param name="Flags">Header flags.</param>
/// <param name="PayloadLength">Payload bytes, excluding padding and CRC; 0..<see cref="WireFormat.MaxPayloadLength"/>.</param>
/// <param name="Stream">Stream address: device index in the high byte, <see cref="StreamKind"/> in the low.</param>
/// <param name="SampleClock">Device sample clock of the frame's first sample, in samples.</param>
/// <param name="Sequence">Per-stream, per-direction counter.</param>
/// <param name="Version">Protocol version of the frame.</param>
public readonly record struct FrameHeader(
    byte Type,
    FrameFlags Flags,
    int PayloadLength,
    ushort Stream,
    ulong SampleClock,
    uint Sequence,
    byte Version = WireFormat.Version)
{
    /// <summary>The frame type as an enum; check <see cref="FrameTypes.IsKnown"/> first when it may be unknown.</summary>
    public FrameType FrameType => (FrameType)Type;

    /// <summary>The whole frame's length in bytes, header and trailer included.</summary>
    public int FrameLength => WireFormat.FrameLength(PayloadLength);

    /// <summary>Reads the fields of a header whose sync word and CRC the caller has checked.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> header) => new(
        Type: header[5],
        Flags: (FrameFlags)BinaryPrimitives.ReadUInt16LittleEndian(header[6..]),
        PayloadLength: (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[8..]), int.MaxValue),
        Stream: BinaryPrimitives.ReadUInt16LittleEndian(header[12..]),
        SampleClock: BinaryPrimitives.ReadUInt64LittleEndian(header[16..]),
        Sequence: BinaryPrimitives.ReadUInt32LittleEndian(header[24..]),
        Version: header[4]);

    /// <summary>Writes all 32 header bytes, sync word and header CRC included.</summary>
    public void Write(Span<byte> header)
    {
        header = header[..WireFormat.HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, WireFormat.SyncWord);
        header[4] = Version;
        header[5] = Type;
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)PayloadLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[12..], Stream);
        BinaryPrimitives.WriteUInt16LittleEndian(header[14..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(header[16..], SampleClock);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Crc32C.Compute(header[..28]));
    }
}
