using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Firmware;

/// <summary>The control path: what the device answers to each host frame (SPEC sections 4 to 8).</summary>
public sealed partial class HeadstageFirmware
{
    private DeframerCounters _hostBaseline;

    private void Handle(Frame frame)
    {
        FrameHeader h = frame.Header;
        if (h.FrameType != FrameType.Hello && !_negotiated)
        {
            SendControl(new ErrorPayload(ErrorCode.NotNegotiated, h.Type, "send HELLO first"));
            return;
        }

        switch (h.FrameType)
        {
            case FrameType.Hello: OnHello(frame.Payload); break;
            case FrameType.RegRead: OnRegRead(h, frame.Payload); break;
            case FrameType.RegWrite: OnRegWrite(h, frame.Payload); break;
            case FrameType.Start: OnStart(h, frame.Payload); break;
            case FrameType.Stop: OnStop(h, frame.Payload); break;
            case FrameType.StimArm: OnStimArm(h, frame.Payload); break;
            case FrameType.StimTrigger: OnStimTrigger(h, frame.Payload); break;
            case FrameType.StimDisarm: OnStimDisarm(h, frame.Payload); break;
            case FrameType.Ping: OnPing(frame.Payload); break;
            default:
                SendControl(new ErrorPayload(ErrorCode.UnsupportedType, h.Type, $"{FrameTypes.Name(h.Type)} is sent by devices, not to them"));
                break;
        }
    }

    private void OnHello(ReadOnlySpan<byte> payload)
    {
        if (!Hello.TryRead(payload, out Hello hello, out string? error))
        {
            SendControl(new ErrorPayload(ErrorCode.Malformed, (byte)FrameType.Hello, error!));
            return;
        }

        // SPEC section 6, step 2: a HELLO starts the session over.
        Output.ResetSequences();
        _receiver.ResetSequences();
        _hostBaseline = _receiver.Counters;
        _losses.Reset();
        _acquisition = null;
        _stimulator.Disarm(StimDisarm.All);
        _stimulator.Enabled = false;
        _nextHeartbeat = Clock;

        bool common = hello.MinVersion <= WireFormat.Version && hello.MaxVersion >= WireFormat.Version;
        _negotiated = common;
        SendControl(Capabilities with { SelectedVersion = common ? WireFormat.Version : (byte)0 });
        if (!common)
        {
            SendControl(new ErrorPayload(ErrorCode.VersionUnsupported, WireFormat.Version,
                $"this device speaks protocol version 1 only; the host offered {hello.MinVersion}..{hello.MaxVersion}"));
        }
    }

    private void OnRegRead(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!RegRead.TryRead(payload, out RegRead read, out _))
        {
            SendControl(new Nack(FrameType.RegRead, RegisterError.Malformed, h.Sequence, 0, 0));
            return;
        }

        RegisterError? error = _registers.Read(read.Address, Acquiring, out uint value);
        SendControl<Ack, Nack>(error is null
            ? new Ack(FrameType.RegRead, h.Sequence, read.Address, value, Clock)
            : null, new Nack(FrameType.RegRead, error ?? 0, h.Sequence, read.Address, 0));
    }

    private void OnRegWrite(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!RegWrite.TryRead(payload, out RegWrite write, out _))
        {
            SendControl(new Nack(FrameType.RegWrite, RegisterError.Malformed, h.Sequence, 0, 0));
            return;
        }

        RegisterError? error = _registers.Write(write.Address, write.Value, Acquiring);
        if (error is null && write.Address == (uint)Register.SampleRateHz)
        {
            Tissue = NewTissue();
            _detection.RefractorySamples = (int)((ulong)_registers.SpikeRefractoryUs * _registers.SampleRateHz / 1_000_000);
        }

        _registers.Read(write.Address, Acquiring, out uint now);
        SendControl<Ack, Nack>(error is null
            ? new Ack(FrameType.RegWrite, h.Sequence, write.Address, now, Clock)
            : null, new Nack(FrameType.RegWrite, error ?? 0, h.Sequence, write.Address, write.Value));
    }

    private void OnStart(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!StartAcquisition.TryRead(payload, out StartAcquisition start, out _))
        {
            SendControl(new Nack(FrameType.Start, RegisterError.Malformed, h.Sequence, 0, 0));
            return;
        }

        uint mask = (uint)start.Streams;
        if (Acquiring)
        {
            SendControl(new Nack(FrameType.Start, RegisterError.Busy, h.Sequence, 0, mask));
            return;
        }

        if (mask == 0 || (mask & ~7u) != 0)
        {
            SendControl(new Nack(FrameType.Start, RegisterError.OutOfRange, h.Sequence, 0, mask));
            return;
        }

        _acquisition = new Acquisition(this, start.Streams, Clock);
        _truth.AddControl(new ControlEvent("START", Clock, 0));
        SendControl(new Ack(FrameType.Start, h.Sequence, 0, mask, Clock));
    }

    private void OnStop(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!StopAcquisition.TryRead(payload, out _, out _))
        {
            SendControl(new Nack(FrameType.Stop, RegisterError.Malformed, h.Sequence, 0, 0));
            return;
        }

        _acquisition?.Flush(Clock);
        _acquisition = null;
        FlushGaps();
        _truth.AddControl(new ControlEvent("STOP", Clock, 0));
        SendControl(new Ack(FrameType.Stop, h.Sequence, 0, 0, Clock));
    }

    private void OnStimArm(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!StimArm.TryRead(payload, out StimArm arm, out _))
        {
            SendStimNack(FrameType.StimArm, h.Sequence, 0, new StimRefusalDetail(StimRefusal.Malformed, StimArm.FixedSize, (uint)payload.Length));
            return;
        }

        StimRefusalDetail? refusal = _stimulator.Arm(arm.Program, arm.Channels);
        if (refusal is { } r)
        {
            SendStimNack(FrameType.StimArm, h.Sequence, arm.Program.ProgramId, r);
            return;
        }

        _truth.AddControl(new ControlEvent("STIM_ARM", Clock, arm.Program.ProgramId));
        Output.Enqueue(new StimAck(FrameType.StimArm, arm.Program.ProgramId, h.Sequence, Clock), s_stim, Clock);
    }

    private void OnStimTrigger(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!StimTrigger.TryRead(payload, out StimTrigger trigger, out _))
        {
            SendStimNack(FrameType.StimTrigger, h.Sequence, 0, new StimRefusalDetail(StimRefusal.Malformed, StimTrigger.FixedSize, (uint)payload.Length));
            return;
        }

        ulong? at = trigger.IsAtClock ? trigger.AtClock : null;
        StimRefusalDetail? refusal = _stimulator.Trigger(trigger.ProgramIds, Clock, at, (int)_registers.SampleRateHz);
        if (refusal is { } r)
        {
            SendStimNack(FrameType.StimTrigger, h.Sequence, trigger.ProgramIds[0], r);
            return;
        }

        _truth.AddControl(new ControlEvent("STIM_TRIGGER", Clock, trigger.ProgramIds[0]));
        Output.Enqueue(new StimAck(FrameType.StimTrigger, trigger.ProgramIds[0], h.Sequence, at ?? Clock), s_stim, Clock);
        FireDuePulses();
    }

    private void OnStimDisarm(FrameHeader h, ReadOnlySpan<byte> payload)
    {
        if (!StimDisarm.TryRead(payload, out StimDisarm disarm, out _))
        {
            SendStimNack(FrameType.StimDisarm, h.Sequence, 0, new StimRefusalDetail(StimRefusal.Malformed, StimDisarm.Size, (uint)payload.Length));
            return;
        }

        StimRefusalDetail? refusal = _stimulator.Disarm(disarm.ProgramId);
        if (refusal is { } r)
        {
            SendStimNack(FrameType.StimDisarm, h.Sequence, disarm.ProgramId, r);
            return;
        }

        _truth.AddControl(new ControlEvent("STIM_DISARM", Clock, disarm.ProgramId));
        Output.Enqueue(new StimAck(FrameType.StimDisarm, disarm.ProgramId, h.Sequence, Clock), s_stim, Clock);
    }

    private void OnPing(ReadOnlySpan<byte> payload)
    {
        if (!Ping.TryRead(payload, out Ping ping, out string? error))
        {
            SendControl(new ErrorPayload(ErrorCode.Malformed, (byte)FrameType.Ping, error!));
            return;
        }

        SendControl(new Pong(ping.HostTimeNs, ping.PingId, Clock));
    }

    private void SendHeartbeat()
    {
        DeframerCounters host = _receiver.Counters;
        var status = DeviceStatus.None;
        status |= Acquiring ? DeviceStatus.Acquiring : 0;
        status |= _stimulator.Enabled ? DeviceStatus.StimEnabled : 0;
        status |= _stimulator.Active ? DeviceStatus.StimActive : 0;
        ushort fill = (ushort)Math.Min(1000, (long)Output.PendingBytes * 1000 / _options.FifoBytes);
        SendControl(new Heartbeat(
            fill,
            status,
            (uint)_losses.TotalFrames,
            (uint)(host.HeaderCrcErrors + host.FrameCrcErrors - _hostBaseline.HeaderCrcErrors - _hostBaseline.FrameCrcErrors),
            (uint)(host.Frames - _hostBaseline.Frames),
            (uint)(host.DiscardedBytes - _hostBaseline.DiscardedBytes)));
    }

    private void SendStimNack(FrameType request, uint sequence, ushort programId, StimRefusalDetail r) =>
        Output.Enqueue(new StimNack(request, r.Reason, sequence, programId, r.Channel, r.Limit, r.Actual), s_stim, Clock);

    private void SendControl<T>(in T payload)
        where T : IFramePayload => Output.Enqueue(payload, s_control, Clock);

    private void SendControl<TAck, TNack>(TAck? ack, TNack nack)
        where TAck : struct, IFramePayload
        where TNack : struct, IFramePayload
    {
        if (ack is { } a)
        {
            SendControl(a);
        }
        else
        {
            SendControl(nack);
        }
    }
}
