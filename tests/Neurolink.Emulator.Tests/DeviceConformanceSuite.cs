using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Emulator.Tests;

/// <summary>
/// SPEC v1 conformance, written against any device reachable through a transport: the
/// emulator here, a real headstage from the hil/ rig later. Each test says HELLO itself.
/// </summary>
public abstract class DeviceConformanceSuite : IDisposable
{
    private HostSession? _session;

    /// <summary>Opens a fresh link to the device under test.</summary>
    protected abstract ITransport Connect();

    protected HostSession Session => _session ??= new HostSession(Connect());

    public virtual void Dispose()
    {
        _session?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Hello_is_answered_with_capabilities_selecting_version_1()
    {
        Capabilities caps = Session.Hello();
        Assert.Equal(1, caps.SelectedVersion);
        Assert.True(caps.ChannelCount >= 1);
        Assert.NotEmpty(caps.SampleRatesHz);
        Assert.NotEmpty(caps.SerialNumber);
        Assert.Equal(Capabilities.MaskBytes(caps.ChannelCount), caps.StimMask.Count);
    }

    [Fact]
    public void Frames_before_hello_are_answered_not_negotiated()
    {
        Session.Send(new RegRead((uint)Register.ChannelCount));
        HostFrame error = Session.Expect(FrameType.Error);
        Assert.True(ErrorPayload.TryRead(error.Payload, out ErrorPayload e, out _));
        Assert.Equal(ErrorCode.NotNegotiated, e.Code);
        Assert.Equal((uint)FrameType.RegRead, e.Detail);
    }

    [Fact]
    public void Hello_without_a_common_version_selects_0_and_reports_it()
    {
        Capabilities caps = Session.Hello(min: 7, max: 9);
        Assert.Equal(0, caps.SelectedVersion);
        HostFrame error = Session.Expect(FrameType.Error);
        ErrorPayload.TryRead(error.Payload, out ErrorPayload e, out _);
        Assert.Equal(ErrorCode.VersionUnsupported, e.Code);
    }

    [Fact]
    public void A_register_write_is_acknowledged_with_its_sequence_and_reads_back()
    {
        Session.Hello();
        Ack ack = Session.WriteRegister((uint)Register.SpikeBinUs, 2000);
        Assert.Equal(FrameType.RegWrite, ack.RequestType);
        Assert.Equal(2000u, ack.Value);
        HostFrame answer = Session.Answer(Session.Send(new RegRead((uint)Register.SpikeBinUs)));
        Assert.True(Ack.TryRead(answer.Payload, out Ack read, out _));
        Assert.Equal(2000u, read.Value);
    }

    [Theory]
    [InlineData(0x9999u, 1u, RegisterError.UnknownRegister)]
    [InlineData((uint)Register.ChannelCount, 5u, RegisterError.ReadOnly)]
    [InlineData((uint)Register.SampleRateHz, 12_345u, RegisterError.OutOfRange)]
    [InlineData((uint)Register.RawSamplesPerFrame, 0u, RegisterError.OutOfRange)]
    [InlineData((uint)Register.SpikeBinUs, 50u, RegisterError.OutOfRange)]
    [InlineData((uint)Register.HeartbeatPeriodMs, 5u, RegisterError.OutOfRange)]
    [InlineData((uint)Register.SpikeThresholdBase, 0u, RegisterError.OutOfRange)]
    [InlineData((uint)Register.StimEnable, 2u, RegisterError.OutOfRange)]
    [InlineData((uint)Register.StimMaxAmplitudeNa, uint.MaxValue, RegisterError.OutOfRange)]
    public void Bad_register_writes_are_refused_with_the_right_error_and_change_nothing(uint address, uint value, RegisterError expected)
    {
        Session.Hello();
        Nack nack = Session.RefusedWrite(address, value);
        Assert.Equal(expected, nack.Error);
        Assert.Equal(value, nack.Value);
    }

    [Fact]
    public void Stopped_only_registers_are_busy_while_acquiring()
    {
        Session.Hello();
        Session.Answer(Session.Send(new StartAcquisition(StreamMask.Counts)));
        Assert.Equal(RegisterError.Busy, Session.RefusedWrite((uint)Register.SampleRateHz, 20_000).Error);
        Session.Answer(Session.Send(default(StopAcquisition)));
    }

    [Fact]
    public void Acquisition_streams_contiguous_raw_and_count_frames_then_stops()
    {
        Capabilities caps = Session.Hello();
        HostFrame started = Session.Answer(Session.Send(new StartAcquisition(StreamMask.Raw | StreamMask.Counts)));
        Assert.Equal(FrameType.Ack, started.Type);
        Ack.TryRead(started.Payload, out Ack ack, out _);
        ulong expectedRaw = ack.EffectiveClock, expectedBin = ack.EffectiveClock;
        int raws = 0, bins = 0;
        while (raws < 20 || bins < 20)
        {
            HostFrame f = Session.Expect(x => x.Type is FrameType.RawSamples or FrameType.SpikeCounts);
            if (f.Type == FrameType.RawSamples)
            {
                Assert.True(RawSamples.TryRead(f.Payload, out RawSamples raw, out string? error), error);
                if (raw.FirstChannel == 0)
                {
                    Assert.Equal(expectedRaw, f.Header.SampleClock);
                    expectedRaw += raw.SampleCount;
                    raws++;
                }

                Assert.Equal(32, raw.SampleCount);
            }
            else
            {
                Assert.True(SpikeCounts.TryRead(f.Payload, out SpikeCounts counts, out string? error), error);
                Assert.Equal(expectedBin, f.Header.SampleClock);
                Assert.Equal(caps.ChannelCount, (uint)counts.Counts.Length);
                expectedBin += counts.BinSamples;
                bins++;
            }
        }

        HostFrame stopped = Session.Answer(Session.Send(default(StopAcquisition)));
        Assert.Equal(FrameType.Ack, stopped.Type);
    }

    [Fact]
    public void Start_with_no_stream_or_while_acquiring_is_refused()
    {
        Session.Hello();
        HostFrame empty = Session.Answer(Session.Send(new StartAcquisition(StreamMask.None)));
        Nack.TryRead(empty.Payload, out Nack n1, out _);
        Assert.Equal(RegisterError.OutOfRange, n1.Error);
        Session.Answer(Session.Send(new StartAcquisition(StreamMask.Counts)));
        HostFrame again = Session.Answer(Session.Send(new StartAcquisition(StreamMask.Counts)));
        Nack.TryRead(again.Payload, out Nack n2, out _);
        Assert.Equal(RegisterError.Busy, n2.Error);
        Session.Answer(Session.Send(default(StopAcquisition)));
    }

    [Fact]
    public void Heartbeats_report_acquisition()
    {
        Session.Hello();
        Session.WriteRegister((uint)Register.HeartbeatPeriodMs, 10);
        Session.Answer(Session.Send(new StartAcquisition(StreamMask.Counts)));
        HostFrame beat = Session.Expect(f => f.Type == FrameType.Heartbeat && Heartbeat.TryRead(f.Payload, out Heartbeat h, out _) && (h.Status & DeviceStatus.Acquiring) != 0);
        Heartbeat.TryRead(beat.Payload, out Heartbeat hb, out _);
        Assert.InRange(hb.FifoFillPermille, (ushort)0, (ushort)1000);
        Session.Answer(Session.Send(default(StopAcquisition)));
    }

    [Fact]
    public void Ping_is_echoed_with_the_device_clock()
    {
        Session.Hello();
        Session.Send(new Ping(123_456, 42));
        HostFrame pong = Session.Expect(FrameType.Pong);
        Assert.True(Pong.TryRead(pong.Payload, out Pong p, out _));
        Assert.Equal(123_456ul, p.HostTimeNs);
        Assert.Equal(42u, p.PingId);
    }

    [Fact]
    public void Frames_of_unknown_type_are_answered_unsupported()
    {
        Session.Hello();
        var bytes = new byte[WireFormat.FrameLength(4)];
        FrameEncoder.Encode(bytes, 0x7E, FrameFlags.None, 0, 0, 99, [1, 2, 3, 4]);
        Session.SendRaw(bytes);
        HostFrame error = Session.Expect(FrameType.Error);
        ErrorPayload.TryRead(error.Payload, out ErrorPayload e, out _);
        Assert.Equal(ErrorCode.UnsupportedType, e.Code);
    }

    [Fact]
    public void Malformed_requests_are_refused_as_malformed()
    {
        Session.Hello();
        var shortWrite = new byte[WireFormat.FrameLength(4)];
        FrameEncoder.Encode(shortWrite, (byte)FrameType.RegWrite, FrameFlags.None, 0, 0, 1, [1, 0, 0, 0]);
        Session.SendRaw(shortWrite);
        HostFrame nack = Session.Expect(FrameType.Nack);
        Nack.TryRead(nack.Payload, out Nack n, out _);
        Assert.Equal(RegisterError.Malformed, n.Error);

        var shortArm = new byte[WireFormat.FrameLength(34)];
        FrameEncoder.Encode(shortArm, (byte)FrameType.StimArm, FrameFlags.None, StreamAddress.Of(StreamKind.Stim), 0, 0, new byte[34]);
        Session.SendRaw(shortArm);
        HostFrame stimNack = Session.Expect(FrameType.StimNack);
        StimNack.TryRead(stimNack.Payload, out StimNack sn, out _);
        Assert.Equal(StimRefusal.Malformed, sn.Reason);
    }

    [Fact]
    public void Every_stream_numbers_its_frames_from_0_after_hello()
    {
        Session.Hello();
        Session.Answer(Session.Send(new StartAcquisition(StreamMask.Counts | StreamMask.Events)));
        var seen = new Dictionary<ushort, uint>();
        for (int i = 0; i < 40; i++)
        {
            HostFrame f = Session.Expect(x => x.Type is FrameType.SpikeCounts or FrameType.SpikeEvents);
            uint expected = seen.TryGetValue(f.Header.Stream, out uint last) ? last + 1 : 0;
            Assert.Equal(expected, f.Header.Sequence);
            seen[f.Header.Stream] = f.Header.Sequence;
        }

        Session.Answer(Session.Send(default(StopAcquisition)));
    }

    private static readonly StimProgram s_safe = new(1, -20_000, 20_000, 100, 50, 100, 3, 100);

    public static TheoryData<StimProgram, ushort, StimRefusal> UnsafePrograms() => new()
    {
        { s_safe with { Phase2AmplitudeNa = 10_000 }, 0, StimRefusal.NotChargeBalanced },
        { s_safe with { Phase2AmplitudeNa = -20_000 }, 0, StimRefusal.NotChargeBalanced },
        { s_safe with { Phase1AmplitudeNa = -150_000, Phase2AmplitudeNa = 150_000 }, 0, StimRefusal.AmplitudeOverLimit },
        { s_safe with { Phase1WidthUs = 2_000, Phase2WidthUs = 2_000, Phase1AmplitudeNa = -1_000, Phase2AmplitudeNa = 1_000 }, 0, StimRefusal.WidthOverLimit },
        { s_safe with { Phase1AmplitudeNa = -90_000, Phase2AmplitudeNa = 90_000, Phase1WidthUs = 500, Phase2WidthUs = 500 }, 0, StimRefusal.ChargeOverLimit },
        { s_safe with { PulseRateHz = 5_000 }, 0, StimRefusal.RateOverLimit },
        { s_safe with { PulseRateHz = 400, Phase1WidthUs = 1_000, Phase2WidthUs = 1_000, Phase1AmplitudeNa = -1_000, Phase2AmplitudeNa = 1_000, InterphaseGapUs = 900 }, 0, StimRefusal.PulseDoesNotFit },
        { s_safe, 60_000, StimRefusal.ChannelNotStimulable },
        { s_safe with { ProgramId = 999 }, 0, StimRefusal.ProgramSlotOutOfRange },
    };

    [Theory]
    [MemberData(nameof(UnsafePrograms))]
    public void Unsafe_stimulation_programs_are_refused_with_the_reason(StimProgram program, ushort channel, StimRefusal reason)
    {
        Session.Hello();
        HostFrame answer = Session.Answer(Session.Send(new StimArm(program, [channel]), StreamKind.Stim));
        Assert.Equal(FrameType.StimNack, answer.Type);
        StimNack.TryRead(answer.Payload, out StimNack nack, out _);
        Assert.Equal(reason, nack.Reason);
    }

    [Fact]
    public void A_safe_program_is_armed_and_fires_only_when_enabled_and_not_in_the_past()
    {
        Session.Hello();
        Assert.Equal(FrameType.StimAck, Session.Answer(Session.Send(new StimArm(s_safe, [3]), StreamKind.Stim)).Type);

        HostFrame disabled = Session.Answer(Session.Send(StimTrigger.Now([1]), StreamKind.Stim));
        StimNack.TryRead(disabled.Payload, out StimNack n1, out _);
        Assert.Equal(StimRefusal.StimDisabled, n1.Reason);

        Session.WriteRegister((uint)Register.StimEnable, 1);
        HostFrame unknown = Session.Answer(Session.Send(StimTrigger.Now([2]), StreamKind.Stim));
        StimNack.TryRead(unknown.Payload, out StimNack n2, out _);
        Assert.Equal(StimRefusal.UnknownProgram, n2.Reason);

        Session.Answer(Session.Send(new StartAcquisition(StreamMask.Counts)));
        Session.Expect(f => f.Type == FrameType.SpikeCounts && f.Header.SampleClock > 0);
        HostFrame past = Session.Answer(Session.Send(StimTrigger.At(0, [1]), StreamKind.Stim));
        StimNack.TryRead(past.Payload, out StimNack n3, out _);
        Assert.Equal(StimRefusal.TriggerInPast, n3.Reason);

        HostFrame fired = Session.Answer(Session.Send(StimTrigger.Now([1]), StreamKind.Stim));
        Assert.Equal(FrameType.StimAck, fired.Type);
        Session.Answer(Session.Send(default(StopAcquisition)));
    }

    [Fact]
    public void Lowering_a_limit_below_an_armed_program_disarms_it()
    {
        Session.Hello();
        Session.Answer(Session.Send(new StimArm(s_safe, [3]), StreamKind.Stim));
        Session.WriteRegister((uint)Register.StimMaxAmplitudeNa, 10_000);
        Session.WriteRegister((uint)Register.StimEnable, 1);
        HostFrame answer = Session.Answer(Session.Send(StimTrigger.Now([1]), StreamKind.Stim));
        StimNack.TryRead(answer.Payload, out StimNack nack, out _);
        Assert.Equal(StimRefusal.UnknownProgram, nack.Reason);
    }
}
