using System.Buffers.Binary;
using System.Text;

namespace Neurolink.Protocol.Payloads;

/// <summary>ERROR (SPEC 4.3): either side reports an error, with a code, a detail and a short message.</summary>
/// <param name="Code">What went wrong.</param>
/// <param name="Detail">Code-specific: the offending type, length or version.</param>
/// <param name="Message">UTF-8 text, at most 240 bytes.</param>
public readonly record struct ErrorPayload(ErrorCode Code, uint Detail, string Message) : IFramePayload
{
    /// <summary>Bytes before the message.</summary>
    public const int FixedSize = 8;

    /// <summary>The longest message, in UTF-8 bytes.</summary>
    public const int MaxMessageBytes = 240;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Error;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + Math.Min(Encoding.UTF8.GetByteCount(Message ?? ""), MaxMessageBytes);

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        int length = PayloadLength;
        Span<byte> d = destination[..length];
        d[..FixedSize].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)Code);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], Detail);
        byte[] text = Encoding.UTF8.GetBytes(Message ?? "");
        text.AsSpan(0, length - FixedSize).CopyTo(d[FixedSize..]);
    }

    /// <summary>Decodes an ERROR payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out ErrorPayload value, out string? error)
    {
        value = default;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        ReadOnlySpan<byte> text = payload[FixedSize..];
        value = new ErrorPayload(
            (ErrorCode)BinaryPrimitives.ReadUInt16LittleEndian(payload),
            BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]),
            Encoding.UTF8.GetString(text[..Math.Min(text.Length, MaxMessageBytes)]));
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText() => $"code={(ushort)Code} detail={Detail} message={Message}";
}
