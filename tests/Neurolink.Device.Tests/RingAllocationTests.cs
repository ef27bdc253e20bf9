using Neurolink.Device.Acquisition;
using Neurolink.Protocol;

namespace Neurolink.Device.Tests;

[CollectionDefinition("allocation", DisableParallelization = true)]
public class AllocationGroup;

/// <summary>The ring's steady state allocates nothing: writing, reading and releasing frames.</summary>
[Collection("allocation")]
public class RingAllocationTests
{
    [Fact]
    public void Writing_and_reading_frames_allocates_nothing_in_steady_state()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20 });
        using RingConsumer consumer = ring.AddConsumer("c");
        byte[] bytes = FrameRingTests.CountsFrame(1, 1024, 0);
        var header = FrameHeader.Read(bytes);
        long sum = 0;

        void Round()
        {
            for (int i = 0; i < 1000; i++)
            {
                ring.Write(new Frame(header, bytes), i);
                while (consumer.TryRead(out RingItem item))
                {
                    sum += item.Frame.Payload[10];
                }
            }
        }

        // JIT tiering may allocate in the first rounds; the claim is that some later round allocates nothing.
        long best = long.MaxValue;
        for (int attempt = 0; attempt < 20 && best > 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Round();
            best = Math.Min(best, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, best);
        Assert.NotEqual(0, sum);
    }
}

/// <summary>The whole receive path, transport to ring, allocates nothing per frame once warm, PINGs included.</summary>
[Collection("allocation")]
public class ReaderAllocationTests
{
    [Fact]
    public void The_reader_thread_allocates_nothing_per_frame_in_steady_state()
    {
        var (emulator, connector) = Neurolink.Emulator.HeadstageEmulator.StartInProcess(new Neurolink.Emulator.EmulatorOptions
        {
            Channels = 256, Tissue = new() { Neurons = 300 }, Source = "replay",
        });
        using (emulator)
        using (connector)
        {
            using var session = new AcquisitionSession(_ => connector.Connect(), new AcquisitionOptions
            {
                Streams = Neurolink.Protocol.Payloads.StreamMask.Raw | Neurolink.Protocol.Payloads.StreamMask.Counts,
                PingInterval = TimeSpan.FromMilliseconds(2),
            });
            using RingConsumer consumer = session.Ring.AddConsumer("c");
            session.Start();
            HeadstageDriver driver = session.Driver!;

            // Windows of 2000 frames; JIT tier-up may allocate in the first ones, never in steady state.
            long best = long.MaxValue;
            for (int window = 0; window < 20 && best > 0; window++)
            {
                long before = driver.ReaderAllocatedBytes;
                long frames = session.Counters.Frames;
                while (session.Counters.Frames < frames + 2000)
                {
                    consumer.WaitForData(TimeSpan.FromMilliseconds(10));
                    while (consumer.TryRead(out _))
                    {
                    }
                }

                best = Math.Min(best, driver.ReaderAllocatedBytes - before);
            }

            session.Stop();
            Assert.Equal(0, best);
            Assert.True(session.RoundTripMicroseconds(0.5) > 0, "PINGs were exchanged during the windows");
        }
    }
}
