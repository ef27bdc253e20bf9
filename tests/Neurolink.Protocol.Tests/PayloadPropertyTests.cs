using CsCheck;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol.Tests;

/// <summary>Random typed payloads survive encoder, frame, deframer and typed decoder unchanged.</summary>
public class PayloadPropertyTests
{
    private static ReceivedFrame ThroughTheWire<T>(in T payload)
        where T : IFramePayload, allows ref struct
    {
        var bytes = new byte[WireFormat.FrameLength(payload.PayloadLength)];
        FrameEncoder.Encode(bytes, payload, FrameFlags.DeviceToHost, 1, 0, 0);
        return Assert.Single(Receive.All(bytes, () => 13).Frames);
    }

    [Fact]
    public void Raw_samples_round_trip()
    {
        Gen.Select(Gen.UShort, Gen.Int[1, 64], Gen.Int[1, 32], Gen.Short.Array[64 * 32], (first, channels, samples, values) => (first, channels, samples, values))
            .Sample(t =>
            {
                short[] values = t.values[..(t.channels * t.samples)];
                ReceivedFrame frame = ThroughTheWire(new RawSamples(t.first, (ushort)t.channels, (ushort)t.samples, values));
                Assert.True(RawSamples.TryRead(frame.Payload, out RawSamples raw, out _));
                Assert.Equal(t.first, raw.FirstChannel);
                Assert.Equal(values, raw.Samples.ToArray());
            }, iter: 200);
    }

    [Fact]
    public void Spike_events_round_trip()
    {
        Gen.Select(Gen.UInt, Gen.Select(Gen.UShort, Gen.UShort, Gen.Short, Gen.UShort, (c, o, a, u) => new SpikeEvent(c, o, a, u)).Array[0, 300])
            .Sample((window, events) =>
            {
                ReceivedFrame frame = ThroughTheWire(new SpikeEvents(window, events));
                Assert.True(SpikeEvents.TryRead(frame.Payload, out SpikeEvents back, out _));
                Assert.Equal(window, back.WindowSamples);
                Assert.Equal(events, back.Events.ToArray());
            }, iter: 200);
    }

    [Fact]
    public void Stim_programs_round_trip()
    {
        Gen.Select(Gen.UShort, Gen.Int, Gen.Int, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UInt, Gen.UInt,
                (id, a1, a2, w1, gap, w2, count, rate) => new StimProgram(id, a1, a2, w1, gap, w2, count, rate))
            .Select(Gen.UShort.Array[1, 64])
            .Sample((program, channels) =>
            {
                ReceivedFrame frame = ThroughTheWire(new StimArm(program, channels));
                Assert.True(StimArm.TryRead(frame.Payload, out StimArm back, out _));
                Assert.Equal(program, back.Program);
                Assert.Equal(channels, back.Channels.ToArray());
            }, iter: 200);
    }

    [Fact]
    public void Capabilities_round_trip()
    {
        Gen.Select(Gen.Int[1, 3000], Gen.UInt.Array[0, 4], Gen.String["ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-"], Gen.UInt, Gen.UShort)
            .Sample((channels, rates, serial, limit, programs) =>
            {
                var mask = new byte[Capabilities.MaskBytes((uint)channels)];
                new Random(channels).NextBytes(mask);
                if (channels % 8 != 0)
                {
                    mask[^1] &= (byte)((1 << (channels % 8)) - 1);
                }

                var caps = new Capabilities
                {
                    SelectedVersion = 1, ChannelCount = (uint)channels, SampleRatesHz = rates.Where(r => r != 0).ToArray(),
                    SerialNumber = serial.Length > 16 ? serial[..16] : serial, MaxAmplitudeNa = limit, MaxStimPrograms = programs, StimMask = mask,
                };
                ReceivedFrame frame = ThroughTheWire(caps);
                Assert.True(Capabilities.TryRead(frame.Payload, out Capabilities? back, out _));
                Assert.Equal(caps, back);
            }, iter: 200);
    }
}
