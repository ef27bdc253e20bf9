using Neurolink.Protocol.Payloads;

namespace Neurolink.Protocol.Tests;

public class PayloadTests
{
    [Fact]
    public void A_raw_payload_whose_length_disagrees_with_its_counts_is_malformed_and_says_why()
    {
        var payload = new byte[RawSamples.PayloadLengthFor(4, 2) + 2];
        new RawSamples(0, 4, 2, new short[8]).Write(payload);
        Assert.False(RawSamples.TryRead(payload, out _, out string? error));
        Assert.Equal("RAW_SAMPLES payload is 26 bytes but channel_count 4 x sample_count 2 (both at least 1) needs 24; the sender does not follow SPEC v1 section 4", error);
    }

    [Fact]
    public void Short_fixed_payloads_are_malformed()
    {
        Assert.False(Heartbeat.TryRead(new byte[23], out _, out string? error));
        Assert.Contains("HEARTBEAT payload is 23 bytes but its layout needs at least 24", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixed_payloads_ignore_trailing_reserved_bytes_from_later_revisions()
    {
        var payload = new byte[Ping.Size + 8];
        new Ping(42, 7).Write(payload);
        Assert.True(Ping.TryRead(payload, out Ping ping, out _));
        Assert.Equal(new Ping(42, 7), ping);
    }

    [Fact]
    public void Raw_samples_are_read_in_place_channel_interleaved()
    {
        short[] samples = [10, 20, 30, 11, 21, 31];
        var payload = new byte[RawSamples.PayloadLengthFor(3, 2)];
        new RawSamples(100, 3, 2, samples).Write(payload);
        Assert.True(RawSamples.TryRead(payload, out RawSamples raw, out _));
        Assert.Equal(100, raw.FirstChannel);
        Assert.Equal(31, raw.Samples[(1 * 3) + 2]);
    }

    [Fact]
    public void Raw_samples_need_exactly_channels_times_samples_values()
    {
        var error = Assert.Throws<ArgumentException>(() => new RawSamples(0, 4, 2, new short[7]));
        Assert.Contains("7 samples given for 4 channels x 2 samples", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-20_000, 10_000, 100u, 200u, true)]
    [InlineData(-20_000, 20_000, 100u, 100u, true)]
    [InlineData(-20_000, 20_000, 100u, 101u, false)]
    [InlineData(20_000, 20_000, 100u, 100u, false)]
    [InlineData(0, 0, 100u, 100u, false)]
    public void Charge_balance_is_exact_and_needs_opposite_phases(int a1, int a2, uint w1, uint w2, bool balanced)
    {
        var program = new StimProgram(0, a1, a2, w1, 0, w2, 1, 1);
        Assert.Equal(balanced, program.IsChargeBalanced);
    }

    [Fact]
    public void Capabilities_round_trip_and_answer_which_channels_stimulate()
    {
        var caps = new Capabilities
        {
            SelectedVersion = 1, ChannelCount = 10, SampleRatesHz = [30_000], SerialNumber = "NL0001", StimMask = [0b1000_0001, 0b10],
        };
        var payload = new byte[caps.PayloadLength];
        caps.Write(payload);
        Assert.True(Capabilities.TryRead(payload, out Capabilities? back, out _));
        Assert.Equal(caps, back);
        Assert.True(back!.CanStimulate(0));
        Assert.True(back.CanStimulate(7));
        Assert.True(back.CanStimulate(9));
        Assert.False(back.CanStimulate(8));
        Assert.False(back.CanStimulate(10));
    }

    [Fact]
    public void Capabilities_with_a_wrong_sized_mask_are_not_written()
    {
        var caps = new Capabilities { ChannelCount = 10, StimMask = [1] };
        var error = Assert.Throws<InvalidOperationException>(() => caps.Write(new byte[200]));
        Assert.Contains("ceil(channel_count / 8)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_messages_longer_than_240_bytes_are_cut()
    {
        var error = new ErrorPayload(ErrorCode.Internal, 0, new string('x', 300));
        Assert.Equal(ErrorPayload.FixedSize + 240, error.PayloadLength);
        var payload = new byte[error.PayloadLength];
        error.Write(payload);
        Assert.True(ErrorPayload.TryRead(payload, out ErrorPayload back, out _));
        Assert.Equal(240, back.Message.Length);
    }

    [Fact]
    public void The_encoder_refuses_payloads_over_the_protocol_limit_and_small_destinations()
    {
        var huge = new byte[WireFormat.MaxPayloadLength + 1];
        var tooBig = Assert.Throws<ArgumentException>(() => FrameEncoder.Encode(new byte[WireFormat.MaxFrameBytes + 64], 0x20, FrameFlags.None, 0, 0, 0, huge));
        Assert.Contains("split the data into several frames", tooBig.Message, StringComparison.Ordinal);
        var small = Assert.Throws<ArgumentException>(() => FrameEncoder.Encode(new byte[39], new Ping(0, 0), FrameFlags.None, 0, 0, 0));
        Assert.Contains("the frame needs 56", small.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_largest_payload_fills_exactly_one_mebibyte()
    {
        Assert.Equal(WireFormat.MaxFrameBytes, WireFormat.FrameLength(WireFormat.MaxPayloadLength));
        Assert.Equal(40, WireFormat.FrameLength(0));
        Assert.Equal(48, WireFormat.FrameLength(5));
    }

    [Fact]
    public void Register_helpers_give_SPEC_addresses_and_refuse_channels_out_of_range()
    {
        Assert.Equal(0x0101u, Registers.ChannelEnable(1));
        Assert.Equal(0x10005u, Registers.SpikeThreshold(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Registers.SpikeThreshold(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Registers.ChannelEnable(2048));
    }

    [Fact]
    public void Unknown_types_are_named_with_their_number()
    {
        Assert.Equal("UNKNOWN(0x77)", FrameTypes.Name(0x77));
        Assert.Null(PayloadText.Describe(0x77, [], out string? error));
        Assert.Equal("frame type 0x77 is not defined in protocol v1", error);
    }
}
