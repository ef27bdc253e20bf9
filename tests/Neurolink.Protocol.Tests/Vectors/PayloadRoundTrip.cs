using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol.Tests.Vectors;

/// <summary>Decodes a payload with its typed decoder and encodes it again.</summary>
public static class PayloadRoundTrip
{
    public static byte[] Reencode(byte type, ReadOnlySpan<byte> payload)
    {
        string? error = null;
        byte[] result = (FrameType)type switch
        {
            FrameType.Hello => Hello.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Capabilities => Capabilities.TryRead(payload, out var v, out error) ? Write(v!) : [],
            FrameType.Error => ErrorPayload.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.RegRead => RegRead.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.RegWrite => RegWrite.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Ack => Ack.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Nack => Nack.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Start => StartAcquisition.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Stop => StopAcquisition.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.RawSamples => RawSamples.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.SpikeEvents => SpikeEvents.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.SpikeCounts => SpikeCounts.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Gap => Gap.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.StimArm => StimArm.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.StimTrigger => StimTrigger.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.StimDisarm => StimDisarm.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.StimAck => StimAck.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.StimNack => StimNack.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Heartbeat => Heartbeat.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Ping => Ping.TryRead(payload, out var v, out error) ? Write(v) : [],
            FrameType.Pong => Pong.TryRead(payload, out var v, out error) ? Write(v) : [],
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a v1 frame type"),
        };
        return error is null ? result : throw new InvalidOperationException(error);
    }

    private static byte[] Write<T>(in T payload)
        where T : IFramePayload, allows ref struct
    {
        var bytes = new byte[payload.PayloadLength];
        payload.Write(bytes);
        return bytes;
    }
}
