namespace Neurolink.Protocol;

/// <summary>The fixed numbers of the frame layout (SPEC section 2).</summary>
public static class WireFormat
{
    /// <summary>The protocol version this codec speaks.</summary>
    public const byte Version = 1;

    /// <summary>The sync word as a little-endian u32; on the wire: A7 4E 4C D3.</summary>
    public const uint SyncWord = 0xD34C4EA7u;

    /// <summary>Header size in bytes.</summary>
    public const int HeaderSize = 32;

    /// <summary>Size of the frame CRC trailer in bytes.</summary>
    public const int TrailerSize = 4;

    /// <summary>The largest frame, header and trailer included: 1 MiB.</summary>
    public const int MaxFrameBytes = 1 << 20;

    /// <summary>The largest payload: <c>MaxFrameBytes - 32 - 4</c>, rounded so the frame stays within 1 MiB.</summary>
    public const int MaxPayloadLength = MaxFrameBytes - HeaderSize - TrailerSize;

    /// <summary>The smallest frame: a header, 4 bytes of padding and the trailer.</summary>
    public const int MinFrameBytes = HeaderSize + 8;

    /// <summary>The sync word as it appears on the wire.</summary>
    public static ReadOnlySpan<byte> SyncBytes => [0xA7, 0x4E, 0x4C, 0xD3];

    /// <summary>
    /// The total frame length for a payload of <paramref name="payloadLength"/> bytes:
    /// <c>32 + align8(L + 4)</c>. Always a multiple of 8.
    /// </summary>
    public static int FrameLength(int payloadLength) => HeaderSize + ((payloadLength + TrailerSize + 7) & ~7);

    /// <summary>The largest payload that fits a frame of at most <paramref name="maxFrameBytes"/> bytes.</summary>
    public static int MaxPayloadFor(int maxFrameBytes) => (maxFrameBytes & ~7) - HeaderSize - TrailerSize;
}
