using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol.Tests;

public class DeframerTests
{
    private static byte[] Ping(uint sequence, ushort stream = 0)
    {
        var bytes = new byte[WireFormat.FrameLength(Payloads.Ping.Size)];
        FrameEncoder.Encode(bytes, new Ping(1, sequence), FrameFlags.None, stream, 0, sequence);
        return bytes;
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_the_valid_range()
    {
        var tooSmall = Assert.Throws<ArgumentOutOfRangeException>(() => new Deframer(new DeframerOptions { MaxFrameBytes = 16 }));
        Assert.Contains("between 40 and 1048576", tooSmall.Message, StringComparison.Ordinal);
        var buffer = Assert.Throws<ArgumentOutOfRangeException>(() => new Deframer(new DeframerOptions { MaxFrameBytes = 4096, BufferBytes = 5000 }));
        Assert.Contains("at least two of the largest frames", buffer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_frame_larger_than_the_receiver_accepts_counts_as_a_bad_length()
    {
        var big = new byte[WireFormat.FrameLength(5000)];
        FrameEncoder.Encode(big, (byte)FrameType.RawSamples, FrameFlags.DeviceToHost, 1, 0, 0, new byte[5000]);
        var (frames, counters) = Receive.All([.. big, .. Ping(0)], () => 999, new DeframerOptions { MaxFrameBytes = 4096 });
        Assert.Single(frames);
        Assert.Equal(1, counters.BadLengths);
        Assert.Equal(big.Length, counters.DiscardedBytes);
    }

    [Fact]
    public void A_full_buffer_tells_the_caller_to_read_frames_first()
    {
        using var deframer = new Deframer(new DeframerOptions { MaxFrameBytes = 4096, BufferBytes = 8192 });
        byte[] pings = Enumerable.Range(0, 400).SelectMany(i => Ping((uint)i)).ToArray();
        int written = 0;
        void WriteWithoutReading()
        {
            while (written < pings.Length)
            {
                written += deframer.Write(pings.AsSpan(written));
            }
        }

        var error = Assert.Throws<InvalidOperationException>(WriteWithoutReading);
        Assert.Contains("call TryRead", error.Message, StringComparison.Ordinal);
        Assert.Equal(8192, written);
    }

    [Fact]
    public void After_Complete_no_bytes_are_taken_until_Reset()
    {
        using var deframer = new Deframer();
        deframer.Write(Ping(0).AsSpan(0, 10));
        deframer.Complete();
        Assert.False(deframer.TryRead(out _));
        Assert.Throws<InvalidOperationException>(() => deframer.Write(Ping(1)));
        deframer.Reset();
        deframer.Write(Ping(1));
        Assert.True(deframer.TryRead(out Frame frame));
        Assert.Equal(1u, frame.Header.Sequence);
        Assert.Equal(10, deframer.Counters.DiscardedBytes);
    }

    [Fact]
    public void ResetSequences_forgets_streams_so_a_restarted_device_is_not_a_regression()
    {
        using var deframer = new Deframer();
        foreach (uint seq in new uint[] { 5, 6 })
        {
            deframer.Write(Ping(seq));
            Assert.True(deframer.TryRead(out _));
        }

        deframer.ResetSequences();
        deframer.Write(Ping(0));
        Assert.True(deframer.TryRead(out _));
        Assert.Equal(0, deframer.Counters.SequenceRegressions);
        Assert.Equal(0, deframer.Counters.SequenceGaps);
    }

    [Fact]
    public void Sequence_numbers_wrap_without_a_gap()
    {
        var (_, counters) = Receive.All([.. Ping(uint.MaxValue), .. Ping(0), .. Ping(1)]);
        Assert.Equal(0, counters.SequenceGaps);
        Assert.Equal(0, counters.SequenceRegressions);
    }

    [Fact]
    public void Every_byte_received_is_counted()
    {
        byte[] stream = [1, 2, 3, .. Ping(0), 9, 9];
        var (_, counters) = Receive.All(stream, () => 3);
        Assert.Equal(stream.Length, counters.BytesReceived);
        Assert.Equal(5, counters.DiscardedBytes);
    }
}
