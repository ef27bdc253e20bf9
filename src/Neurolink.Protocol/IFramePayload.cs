namespace Neurolink.Protocol;

/// <summary>A typed payload that the encoder can write.</summary>
public interface IFramePayload
{
    /// <summary>The frame type this payload belongs to.</summary>
    static abstract FrameType Type { get; }

    /// <summary>The payload's length in bytes, without padding.</summary>
    int PayloadLength { get; }

    /// <summary>Writes exactly <see cref="PayloadLength"/> bytes.</summary>
    void Write(Span<byte> destination);
}
