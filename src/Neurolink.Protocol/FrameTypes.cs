namespace Neurolink.Protocol;

/// <summary>Facts about frame types that receivers need.</summary>
public static class FrameTypes
{
    private static readonly bool[] s_known = BuildKnown();

    /// <summary>True when <paramref name="type"/> is defined in protocol v1.</summary>
    public static bool IsKnown(byte type) => s_known[type];

    /// <summary>The SPEC name of a type ("RAW_SAMPLES"), or "UNKNOWN(0xNN)".</summary>
    public static string Name(byte type) => (FrameType)type switch
    {
        FrameType.Hello => "HELLO",
        FrameType.Capabilities => "CAPABILITIES",
        FrameType.Error => "ERROR",
        FrameType.RegRead => "REG_READ",
        FrameType.RegWrite => "REG_WRITE",
        FrameType.Ack => "ACK",
        FrameType.Nack => "NACK",
        FrameType.Start => "START",
        FrameType.Stop => "STOP",
        FrameType.RawSamples => "RAW_SAMPLES",
        FrameType.SpikeEvents => "SPIKE_EVENTS",
        FrameType.SpikeCounts => "SPIKE_COUNTS",
        FrameType.Gap => "GAP",
        FrameType.StimArm => "STIM_ARM",
        FrameType.StimTrigger => "STIM_TRIGGER",
        FrameType.StimDisarm => "STIM_DISARM",
        FrameType.StimAck => "STIM_ACK",
        FrameType.StimNack => "STIM_NACK",
        FrameType.Heartbeat => "HEARTBEAT",
        FrameType.Ping => "PING",
        FrameType.Pong => "PONG",
        _ => $"UNKNOWN(0x{type:X2})",
    };

    private static bool[] BuildKnown()
    {
        var known = new bool[256];
        foreach (FrameType t in Enum.GetValues<FrameType>())
        {
            known[(byte)t] = true;
        }

        return known;
    }
}
