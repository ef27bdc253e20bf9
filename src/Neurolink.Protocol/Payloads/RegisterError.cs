namespace Neurolink.Protocol.Payloads;

/// <summary>NACK error codes (SPEC 4.6).</summary>
#pragma warning disable CA1028 // The wire field is 16 bits.
public enum RegisterError : ushort
#pragma warning restore CA1028
{
    /// <summary>No register at that address.</summary>
    UnknownRegister = 1,
    /// <summary>The register cannot be written.</summary>
    ReadOnly = 2,
    /// <summary>The value is outside the register's range.</summary>
    OutOfRange = 3,
    /// <summary>Not while acquiring; STOP first.</summary>
    Busy = 4,
    /// <summary>No HELLO yet.</summary>
    NotNegotiated = 5,
    /// <summary>The request's payload was malformed.</summary>
    Malformed = 6,
}
