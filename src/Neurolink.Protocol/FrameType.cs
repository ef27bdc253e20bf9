namespace Neurolink.Protocol;

/// <summary>Frame types of protocol v1 (SPEC section 4).</summary>
#pragma warning disable CA1028 // The wire field is one byte.
public enum FrameType : byte
#pragma warning restore CA1028
{
    /// <summary>Host opens a session and offers its protocol versions.</summary>
    Hello = 0x01,
    /// <summary>Device describes itself and selects the version.</summary>
    Capabilities = 0x02,
    /// <summary>Either side reports an error.</summary>
    Error = 0x03,
    /// <summary>Host reads a register.</summary>
    RegRead = 0x10,
    /// <summary>Host writes a register.</summary>
    RegWrite = 0x11,
    /// <summary>Device accepts a register or START/STOP request.</summary>
    Ack = 0x12,
    /// <summary>Device refuses a register or START/STOP request.</summary>
    Nack = 0x13,
    /// <summary>Host starts acquisition.</summary>
    Start = 0x14,
    /// <summary>Host stops acquisition.</summary>
    Stop = 0x15,
    /// <summary>Channel-interleaved int16 samples.</summary>
    RawSamples = 0x20,
    /// <summary>Detected spikes: channel, time offset, amplitude, unit.</summary>
    SpikeEvents = 0x21,
    /// <summary>Per-channel spike counts for one bin: what the closed loop consumes.</summary>
    SpikeCounts = 0x22,
    /// <summary>Device says samples were lost and will never be sent.</summary>
    Gap = 0x23,
    /// <summary>Host arms a biphasic pulse-train program.</summary>
    StimArm = 0x30,
    /// <summary>Host fires armed programs, now or at a sample clock.</summary>
    StimTrigger = 0x31,
    /// <summary>Host clears a program slot, or all of them.</summary>
    StimDisarm = 0x32,
    /// <summary>Device accepts a stimulation request.</summary>
    StimAck = 0x33,
    /// <summary>Device refuses a stimulation request, with the reason.</summary>
    StimNack = 0x34,
    /// <summary>Device link status, sent periodically.</summary>
    Heartbeat = 0x40,
    /// <summary>Host asks for a timestamp echo.</summary>
    Ping = 0x41,
    /// <summary>Device echoes a PING with its sample clock.</summary>
    Pong = 0x42,
}
