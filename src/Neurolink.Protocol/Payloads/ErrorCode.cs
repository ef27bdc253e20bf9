namespace Neurolink.Protocol.Payloads;

/// <summary>ERROR frame codes (SPEC 4.3).</summary>
#pragma warning disable CA1028 // The wire field is 16 bits.
public enum ErrorCode : ushort
#pragma warning restore CA1028
{
    /// <summary>No version in common; detail is the sender's max version.</summary>
    VersionUnsupported = 1,
    /// <summary>A frame other than HELLO arrived before the handshake.</summary>
    NotNegotiated = 2,
    /// <summary>A payload did not match its type's layout; detail is the type.</summary>
    Malformed = 3,
    /// <summary>A frame type the receiver does not implement; detail is the type.</summary>
    UnsupportedType = 4,
    /// <summary>A frame larger than the receiver accepts; detail is its length.</summary>
    Oversize = 5,
    /// <summary>The sender failed internally.</summary>
    Internal = 6,
    /// <summary>The device's transmit FIFO overflowed.</summary>
    FifoOverflow = 7,
}
