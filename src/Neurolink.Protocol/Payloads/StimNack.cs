using System.Buffers.Binary;

namespace Neurolink.Protocol.Payloads;

/// <summary>STIM_NACK (SPEC 4.15): the device refused a stimulation request, and says which limit it broke.</summary>
/// <param name="RequestType">Type of the request.</param>
/// <param name="Reason">The first check that failed (SPEC section 8).</param>
/// <param name="RequestSequence">Header sequence of the request.</param>
/// <param name="ProgramId">The program concerned.</param>
/// <param name="Channel">The offending channel, or 0xFFFF.</param>
/// <param name="Limit">The limit in force.</param>
/// <param name="Actual">The value that broke it.</param>
public readonly record struct StimNack(
    FrameType RequestType, StimRefusal Reason, uint RequestSequence, ushort ProgramId, ushort Channel, uint Limit, uint Actual) : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 24;

    /// <summary>The channel value that means "no particular channel".</summary>
    public const ushort NoChannel = 0xFFFF;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.StimNack;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        destination[..Size].Clear();
        destination[0] = (byte)RequestType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], (ushort)Reason);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], RequestSequence);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ProgramId);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], Channel);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Limit);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Actual);
    }

    /// <summary>Decodes a STIM_NACK payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StimNack value, out string? error)
    {
        value = default;
        if (payload.Length < Size)
        {
            error = PayloadError.TooShort(Type, Size, payload.Length);
            return false;
        }

        value = new StimNack(
            (FrameType)payload[0],
            (StimRefusal)BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(payload[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() =>
        $"request_type={(byte)RequestType} reason={(ushort)Reason} request_sequence={RequestSequence} program_id={ProgramId} channel={Channel} limit={Limit} actual={Actual}";
}
