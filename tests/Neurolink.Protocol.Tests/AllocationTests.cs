using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol.Tests;

/// <summary>
/// The hot path allocates nothing once warm: receiving, validating, decoding and encoding frames.
/// The runtime itself may allocate a little on a thread while the tiered JIT settles, so each
/// test measures consecutive windows and requires a window with no allocation at all; code that
/// allocated per frame would allocate in every window.
/// </summary>
[Collection(nameof(AllocationTests))]
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public class AllocationTests
{
    private static long QuietestWindow(Action work)
    {
        long least = long.MaxValue;
        for (int window = 0; window < 20 && least > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    [Fact]
    public void Deframing_and_decoding_raw_frames_allocates_nothing_in_steady_state()
    {
        const int Channels = 1024;
        const int Samples = 32;
        var samples = new short[Channels * Samples];
        var frame = new byte[WireFormat.FrameLength(RawSamples.PayloadLengthFor(Channels, Samples))];
        byte[] stream = new byte[frame.Length * 16];
        for (int i = 0; i < 16; i++)
        {
            FrameEncoder.Encode(frame, new RawSamples(0, Channels, Samples, samples), FrameFlags.DeviceToHost, 1, (ulong)i * Samples, (uint)i);
            frame.CopyTo(stream, i * frame.Length);
        }

        using var deframer = new Deframer();
        long sum = 0;
        void Pump(int rounds)
        {
            for (int round = 0; round < rounds; round++)
            {
                // Sequence numbers repeat each round: regressions are counted, frames still delivered.
                for (int offset = 0; offset < stream.Length;)
                {
                    Span<byte> space = deframer.GetWriteSpan(65_536);
                    int n = Math.Min(Math.Min(space.Length, 65_536), stream.Length - offset);
                    stream.AsSpan(offset, n).CopyTo(space);
                    deframer.Advance(n);
                    offset += n;
                    while (deframer.TryRead(out Frame f))
                    {
                        if (RawSamples.TryRead(f.Payload, out RawSamples raw, out _))
                        {
                            sum += raw.Samples[^1];
                        }
                    }
                }
            }
        }

        Pump(4);
        Assert.Equal(0, QuietestWindow(() => Pump(20)));
        Assert.Equal(0, deframer.Counters.Frames % 16);
        Assert.Equal(0, sum);
    }

    [Fact]
    public void Encoding_counts_and_triggers_allocates_nothing()
    {
        var buffer = new byte[4096];
        byte[] counts = new byte[1024];
        ushort[] programs = [1, 2];
        FrameEncoder.Encode(buffer, new SpikeCounts(0, 30, counts), FrameFlags.DeviceToHost, 3, 0, 0);
        FrameEncoder.Encode(buffer, StimTrigger.Now(programs), FrameFlags.None, 4, 0, 0);

        Assert.Equal(0, QuietestWindow(() =>
        {
            for (uint i = 0; i < 1000; i++)
            {
                FrameEncoder.Encode(buffer, new SpikeCounts(0, 30, counts), FrameFlags.DeviceToHost, 3, i * 30, i);
                FrameEncoder.Encode(buffer, StimTrigger.Now(programs), FrameFlags.None, 4, 0, i);
            }
        }));
    }
}
