using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol;

/// <summary>
/// Renders a payload's typed fields in the canonical text form of SPEC section 11, for test
/// vectors, logs and frame dumps. Allocates: not for the hot path.
/// </summary>
public static class PayloadText
{
    /// <summary>
    /// The field text of a payload of type <paramref name="type"/>, or null with
    /// <paramref name="error"/> set when the payload is malformed or the type unknown.
    /// </summary>
    public static string? Describe(byte type, ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        switch ((FrameType)type)
        {
            case FrameType.Hello: return Hello.TryRead(payload, out var hello, out error) ? hello.ToFieldText() : null;
            case FrameType.Capabilities: return Capabilities.TryRead(payload, out var caps, out error) ? caps!.ToFieldText() : null;
            case FrameType.Error: return ErrorPayload.TryRead(payload, out var err, out error) ? err.ToFieldText() : null;
            case FrameType.RegRead: return RegRead.TryRead(payload, out var read, out error) ? read.ToFieldText() : null;
            case FrameType.RegWrite: return RegWrite.TryRead(payload, out var write, out error) ? write.ToFieldText() : null;
            case FrameType.Ack: return Ack.TryRead(payload, out var ack, out error) ? ack.ToFieldText() : null;
            case FrameType.Nack: return Nack.TryRead(payload, out var nack, out error) ? nack.ToFieldText() : null;
            case FrameType.Start: return StartAcquisition.TryRead(payload, out var start, out error) ? start.ToFieldText() : null;
            case FrameType.Stop: return StopAcquisition.TryRead(payload, out _, out error) ? StopAcquisition.ToFieldText() : null;
            case FrameType.RawSamples: return RawSamples.TryRead(payload, out var raw, out error) ? raw.ToFieldText() : null;
            case FrameType.SpikeEvents: return SpikeEvents.TryRead(payload, out var events, out error) ? events.ToFieldText() : null;
            case FrameType.SpikeCounts: return SpikeCounts.TryRead(payload, out var counts, out error) ? counts.ToFieldText() : null;
            case FrameType.Gap: return Gap.TryRead(payload, out var gap, out error) ? gap.ToFieldText() : null;
            case FrameType.StimArm: return StimArm.TryRead(payload, out var arm, out error) ? arm.ToFieldText() : null;
            case FrameType.StimTrigger: return StimTrigger.TryRead(payload, out var trigger, out error) ? trigger.ToFieldText() : null;
            case FrameType.StimDisarm: return StimDisarm.TryRead(payload, out var disarm, out error) ? disarm.ToFieldText() : null;
            case FrameType.StimAck: return StimAck.TryRead(payload, out var stimAck, out error) ? stimAck.ToFieldText() : null;
            case FrameType.StimNack: return StimNack.TryRead(payload, out var stimNack, out error) ? stimNack.ToFieldText() : null;
            case FrameType.Heartbeat: return Heartbeat.TryRead(payload, out var beat, out error) ? beat.ToFieldText() : null;
            case FrameType.Ping: return Ping.TryRead(payload, out var ping, out error) ? ping.ToFieldText() : null;
            case FrameType.Pong: return Pong.TryRead(payload, out var pong, out error) ? pong.ToFieldText() : null;
            default:
                error = $"frame type 0x{type:X2} is not defined in protocol v1";
                return null;
        }
    }
}
