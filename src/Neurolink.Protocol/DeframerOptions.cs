namespace Neurolink.Protocol;

/// <summary>Settings for a <see cref="Deframer"/>.</summary>
public sealed record class DeframerOptions
{
    /// <summary>
    /// The largest frame this receiver accepts, in bytes: 40 to 1 048 576 (the protocol's
    /// limit). A frame over it counts as an impossible length (SPEC section 10, step 3).
    /// </summary>
    public int MaxFrameBytes { get; init; } = WireFormat.MaxFrameBytes;

    /// <summary>
    /// Receive buffer size in bytes; 0 picks twice the largest frame plus 64 KiB, which keeps
    /// copies to one partial frame per buffer's worth of data.
    /// </summary>
    public int BufferBytes { get; init; }

    internal void Validate()
    {
        if (MaxFrameBytes < WireFormat.MinFrameBytes || MaxFrameBytes > WireFormat.MaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFrameBytes), MaxFrameBytes,
                $"the largest frame must be between {WireFormat.MinFrameBytes} and {WireFormat.MaxFrameBytes} bytes");
        }

        if (BufferBytes != 0 && BufferBytes < 2 * MaxFrameBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(BufferBytes), BufferBytes,
                $"the receive buffer must hold at least two of the largest frames ({2 * MaxFrameBytes} bytes), or be 0 for the default");
        }
    }
}
