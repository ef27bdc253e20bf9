namespace Neurolink.Protocol.Payloads;

/// <summary>STOP (SPEC 4.7): the host stops acquisition. Its payload is reserved.</summary>
public readonly record struct StopAcquisition : IFramePayload
{
    /// <summary>Payload size in bytes.</summary>
    public const int Size = 8;

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Stop;

    /// <inheritdoc/>
    public int PayloadLength => Size;

    /// <inheritdoc/>
    public void Write(Span<byte> destination) => destination[..Size].Clear();

    /// <summary>Decodes a STOP payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out StopAcquisition value, out string? error)
    {
        value = default;
        error = payload.Length < Size ? PayloadError.TooShort(Type, Size, payload.Length) : null;
        return error is null;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11): STOP has no fields.</summary>
    public static string ToFieldText() => "";
}
