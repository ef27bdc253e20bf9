namespace Neurolink.Protocol.Payloads;

/// <summary>Why a device lost data (SPEC 4.11).</summary>
#pragma warning disable CA1028 // The wire field is one byte.
public enum GapReason : byte
#pragma warning restore CA1028
{
    /// <summary>The transmit FIFO overflowed: the host read too slowly.</summary>
    FifoOverflow = 1,
    /// <summary>The converter failed.</summary>
    ConverterFault = 2,
    /// <summary>The link was reset.</summary>
    LinkReset = 3,
    /// <summary>A device replaying a recording: the recording has no samples there (it lost them when it was made).</summary>
    NotRecorded = 4,
}
