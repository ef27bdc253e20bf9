using Neurolink.Device.Acquisition;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Device.Tests;

/// <summary>The acquisition ring: order, bytes, alignment, wrap-around, slow consumers, losses, allocations.</summary>
public class FrameRingTests
{
    private static readonly ushort CountsStream = StreamAddress.Of(StreamKind.Counts);

    /// <summary>A SPIKE_COUNTS frame whose counts are a pattern of its sequence number.</summary>
    internal static byte[] CountsFrame(uint sequence, int channels, ulong clock)
    {
        var counts = new byte[channels];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = (byte)(sequence + (uint)i);
        }

        var bytes = new byte[WireFormat.FrameLength(SpikeCounts.FixedSize + channels)];
        FrameEncoder.Encode(bytes, new SpikeCounts(0, 30, counts), FrameFlags.DeviceToHost, CountsStream, clock, sequence);
        return bytes;
    }

    /// <summary>A RAW_SAMPLES frame of 1024 channels and about <paramref name="bytes"/> bytes.</summary>
    internal static byte[] RawFrame(uint sequence, int bytes, ulong clock)
    {
        int rows = Math.Max(1, bytes / 2048);
        var samples = new short[rows * 1024];
        samples.AsSpan().Fill((short)sequence);
        var frame = new byte[WireFormat.FrameLength(RawSamples.FixedSize + (samples.Length * 2))];
        FrameEncoder.Encode(frame, new RawSamples(0, 1024, (ushort)rows, samples), FrameFlags.DeviceToHost, StreamAddress.Of(StreamKind.Raw), clock, sequence);
        return frame;
    }

    private static bool Write(FrameRing ring, byte[] bytes, long timestamp = 0) =>
        ring.Write(new Frame(FrameHeader.Read(bytes), bytes), timestamp);

    [Fact]
    public void Every_consumer_reads_every_frame_in_order_in_place_and_aligned()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20 });
        using RingConsumer a = ring.AddConsumer("a");
        using RingConsumer b = ring.AddConsumer("b");
        var frames = Enumerable.Range(0, 50).Select(i => CountsFrame((uint)i, 1 + (i * 37 % 700), (ulong)i * 30)).ToList();
        foreach (byte[] f in frames)
        {
            Assert.True(Write(ring, f, 1234));
        }

        foreach (RingConsumer c in new[] { a, b })
        {
            for (int i = 0; i < frames.Count; i++)
            {
                Assert.True(c.TryRead(out RingItem item));
                Assert.Equal(RingItemKind.Frame, item.Kind);
                Assert.Equal(1234, item.ReceivedTimestamp);
                Frame frame = item.Frame;
                Assert.Equal((uint)i, frame.Header.Sequence);
                Assert.True(frame.Bytes.SequenceEqual(frames[i]));
                unsafe
                {
                    fixed (byte* p = frame.Payload)
                    {
                        Assert.Equal(0, (nint)p % 8);
                    }
                }
            }

            Assert.False(c.TryRead(out _));
        }

        Assert.Equal(50, ring.Counters.Frames);
    }

    [Fact]
    public void A_consumer_added_later_sees_only_what_comes_after_and_one_that_left_holds_no_room()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20, Policy = SlowConsumerPolicy.DropNewest });
        RingConsumer gone = ring.AddConsumer("gone");
        Write(ring, CountsFrame(0, 64, 0));
        using RingConsumer late = ring.AddConsumer("late");
        Write(ring, CountsFrame(1, 64, 30));
        Assert.True(late.TryRead(out RingItem item));
        Assert.Equal(1u, item.Frame.Header.Sequence);
        gone.Dispose();

        // 'gone' never read frame 0: had it stayed, the ring would fill. It left, so nothing is dropped.
        byte[] big = RawFrame(2, 60_000, 60);
        for (int i = 0; i < 500; i++)
        {
            Assert.True(Write(ring, big));
            Assert.True(late.TryRead(out _));
        }

        Assert.Equal(0, ring.Counters.OverrunFrames);
    }

    [Fact]
    public void Wrapping_many_times_with_a_concurrent_consumer_keeps_every_byte_in_order()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20, MaxWait = TimeSpan.FromSeconds(10) });
        using RingConsumer consumer = ring.AddConsumer("check");
        const int Count = 4000;
        var errors = new List<string>();
        var reader = new Thread(() =>
        {
            for (uint expected = 0; expected < Count;)
            {
                if (!consumer.WaitForData(TimeSpan.FromSeconds(10)))
                {
                    errors.Add($"no frame {expected} within 10 s");
                    return;
                }

                while (consumer.TryRead(out RingItem item))
                {
                    Frame f = item.Frame;
                    if (f.Header.Sequence != expected || !f.Bytes.SequenceEqual(RawFrame(expected, 1 + (int)(expected * 7919 % 400_000), expected)))
                    {
                        errors.Add($"frame {expected} arrived as {f.Header.Sequence} or with other bytes");
                        return;
                    }

                    expected++;
                }
            }
        });
        reader.Start();
        for (uint i = 0; i < Count; i++)
        {
            Assert.True(Write(ring, RawFrame(i, 1 + (int)(i * 7919 % 400_000), i)));
        }

        reader.Join();
        Assert.Empty(errors);
        Assert.Equal(0, ring.Counters.OverrunFrames);
        Assert.True(ring.Counters.Bytes > 8 * ring.Capacity, "the test should wrap the ring many times");
    }

    [Fact]
    public void A_wake_up_with_nothing_to_read_does_not_end_a_wait_early()
    {
        // The producer wakes a consumer it saw waiting; when the consumer found the item without
        // sleeping, that wake arrives during its next wait. Here the wakes come without items.
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20 });
        using RingConsumer consumer = ring.AddConsumer("check");
        using var stop = new CancellationTokenSource();
        var waker = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                consumer.Wake();
                Thread.Sleep(1);
            }
        });
        waker.Start();
        var writer = new Thread(() =>
        {
            Thread.Sleep(300);
            Write(ring, CountsFrame(7, 64, 7));
        });
        writer.Start();
        try
        {
            Assert.True(consumer.WaitForData(TimeSpan.FromSeconds(30)), "the wait ended at a wake-up, before the frame came");
            Assert.True(consumer.TryRead(out RingItem item));
            Assert.Equal(7u, item.Frame.Header.Sequence);
        }
        finally
        {
            stop.Cancel();
            waker.Join();
            writer.Join();
        }
    }

    [Fact]
    public void A_wait_with_nothing_written_ends_at_its_timeout_and_when_the_ring_is_disposed()
    {
        var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20 });
        RingConsumer consumer = ring.AddConsumer("check");
        Assert.False(consumer.WaitForData(TimeSpan.FromMilliseconds(20)));
        bool? result = null;
        var waiter = new Thread(() => result = consumer.WaitForData(Timeout.InfiniteTimeSpan));
        waiter.Start();
        Thread.Sleep(50);
        ring.Dispose();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)), "a consumer waiting forever must stop waiting when the ring is disposed");
        Assert.False(result);
        consumer.Dispose();
    }

    [Fact]
    public void Drop_newest_counts_every_dropped_frame_and_says_so_in_the_stream_before_the_next_frame()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20, Policy = SlowConsumerPolicy.DropNewest });
        using RingConsumer slow = ring.AddConsumer("slow");
        byte[] Frame(uint s) => RawFrame(s, 100_000, 1000UL * s);
        uint seq = 0;
        while (Write(ring, Frame(seq)))
        {
            seq++;
        }

        uint firstDropped = seq;
        for (int i = 0; i < 9; i++)
        {
            Assert.False(Write(ring, Frame(++seq)));
        }

        FrameRingCounters c = ring.Counters;
        Assert.Equal(10, c.OverrunFrames);
        Assert.Equal(10L * Frame(0).Length, c.OverrunBytes);

        // The consumer catches up; the next frame is preceded by the record of the ten it missed.
        while (slow.TryRead(out RingItem item))
        {
            Assert.Equal(RingItemKind.Frame, item.Kind);
        }

        Assert.True(Write(ring, Frame(++seq)));
        Assert.True(slow.TryRead(out RingItem loss));
        Assert.Equal(RingItemKind.Loss, loss.Kind);
        Assert.Equal(new LossRecord(LossKind.RingOverrun, StreamAddress.Of(StreamKind.Raw), 10, 10L * Frame(0).Length, 1000UL * firstDropped, 1000UL * (firstDropped + 9)), loss.Loss);
        Assert.True(slow.TryRead(out RingItem next));
        Assert.Equal(seq, next.Frame.Header.Sequence);
    }

    [Fact]
    public void Wait_policy_holds_the_producer_for_a_slow_consumer_then_drops_after_the_limit()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20, MaxWait = TimeSpan.FromMilliseconds(20) });
        using RingConsumer slow = ring.AddConsumer("slow");
        byte[] big = RawFrame(0, 200_000, 0);
        int written = 0;
        while (Write(ring, big))
        {
            written++;
        }

        // Nobody read: the producer waited its 20 ms, then dropped and counted.
        Assert.Equal(1, ring.Counters.OverrunFrames);
        Assert.True(ring.Counters.Waits >= 1);

        // A consumer that frees room while the producer waits: nothing more is dropped.
        var release = new Thread(() =>
        {
            Thread.Sleep(5);
            while (slow.TryRead(out _))
            {
            }

            slow.Release();
        });
        var relaxed = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20, MaxWait = TimeSpan.FromSeconds(10) });
        using (relaxed)
        {
            using RingConsumer c = relaxed.AddConsumer("c");
            for (int i = 0; i < written; i++)
            {
                Assert.True(Write(relaxed, big));
            }

            var drain = new Thread(() =>
            {
                Thread.Sleep(5);
                for (int i = 0; i < written + 1;)
                {
                    if (c.WaitForData(TimeSpan.FromSeconds(10)))
                    {
                        while (c.TryRead(out _))
                        {
                            i++;
                        }
                    }
                }

                c.Release();
            });
            drain.Start();
            Assert.True(Write(relaxed, big));
            drain.Join();
            Assert.Equal(0, relaxed.Counters.OverrunFrames);
            Assert.True(relaxed.Counters.Waits >= 1);
        }

        release.Start();
        release.Join();
    }

    [Fact]
    public void Loss_records_are_never_dropped_even_when_the_ring_is_full()
    {
        using var ring = new FrameRing(new FrameRingOptions { CapacityBytes = 4 << 20, Policy = SlowConsumerPolicy.DropNewest });
        using RingConsumer c = ring.AddConsumer("c");
        while (Write(ring, RawFrame(0, 1_000_000, 0)))
        {
        }

        // Fill the last bytes with the smallest frames, until not even a loss record fits.
        uint small = 0;
        while (Write(ring, CountsFrame(small, 1, small)))
        {
            small++;
        }

        // More loss records than the room kept for them: the rest wait, in order, for the next frame.
        var gaps = Enumerable.Range(1, 200).Select(i => new LossRecord(LossKind.SequenceGap, CountsStream, i, 0, 10, 100)).ToList();
        foreach (LossRecord g in gaps)
        {
            ring.WriteLoss(g, 0);
        }

        var losses = new List<LossRecord>();
        void ReadAll()
        {
            while (c.TryRead(out RingItem item))
            {
                if (item.Kind == RingItemKind.Loss)
                {
                    losses.Add(item.Loss);
                }
            }
        }

        ReadAll();
        Assert.True(losses.Count < gaps.Count + 1, "some records should have waited for room");
        Assert.True(Write(ring, CountsFrame(99, 10, 500)));
        ReadAll();
        var overrun = new LossRecord(LossKind.RingOverrun, CountsStream, 1, CountsFrame(small, 1, small).Length, small, small);
        var bigOverrun = new LossRecord(LossKind.RingOverrun, StreamAddress.Of(StreamKind.Raw), 1, RawFrame(0, 1_000_000, 0).Length, 0, 0);
        Assert.Equal([bigOverrun, overrun, .. gaps], losses);
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_the_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => new FrameRing(new FrameRingOptions { CapacityBytes = 1024 }));
        Assert.Contains("at least 4194304 bytes", e.Message, StringComparison.Ordinal);
    }
}
