using System.Diagnostics;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Device;

/// <summary>
/// Receives every frame that is not an answer (data, GAP, HEARTBEAT, ERROR) on the driver's
/// reader thread; the frame is valid only during the call. <paramref name="receivedTimestamp"/>
/// is the <see cref="Stopwatch"/> timestamp at which its last byte was read from the transport.
/// </summary>
public delegate void FrameHandler(in Frame frame, long receivedTimestamp);

/// <summary>
/// The headstage driver's control path (SPEC sections 4 to 8) over any transport: HELLO and
/// version negotiation, registers with timeout and retry, START/STOP, stimulation checked on
/// the host against the device's limits before it is sent, PING for the round trip. A
/// dedicated thread reads the transport; answers are matched to requests by sequence number and
/// data frames go to <see cref="DataFrame"/>. One request at a time.
/// </summary>
public sealed class HeadstageDriver : IDisposable
{
    private readonly ITransport _transport;
    private readonly HeadstageDriverOptions _options;
    private readonly Deframer _deframer = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _linkDown;
    private readonly Thread _reader;
    private readonly object _gate = new(); // guards the receiver: the reader thread and Connect/Counters
    private readonly uint[] _sequence = new uint[65536];
    private readonly SemaphoreSlim _oneRequest = new(1, 1);
    private readonly object _writeGate = new(); // one writer at a time: requests and the loop's triggers
    private readonly byte[] _triggerBuffer = new byte[WireFormat.FrameLength(StimTrigger.FixedSize + (2 * 256))];
    private byte[] _encodeBuffer = new byte[4096];
    private long _triggersSent, _triggersAcknowledged, _triggersRefused;
    private readonly int[] _triggerPrograms = new int[4096]; // programs in each trigger sent without waiting, by sequence
    private StimRefusalDetail? _lastTriggerRefusal;
    private readonly object _refusalGate = new(); // never the write gate: the reader must not wait on a blocked writer
    private Pending? _pending;
    private StimLimits _limits;
    private bool _closed;
    private string? _closeReason;
    private long _readerAllocated;
    private long _readerCpuTicks;

    /// <summary>Takes a transport it will own and starts the reader thread; call <see cref="Connect"/> next.</summary>
    public HeadstageDriver(ITransport transport, HeadstageDriverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _options = options ?? new HeadstageDriverOptions();
        _linkDown = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "neurolink-reader " + transport.Uri };
        _reader.Start();
    }

    /// <summary>
    /// Every frame that is not an answer to a request: data, GAP, HEARTBEAT, ERROR. It runs on the
    /// reader thread, which also delivers answers: it must return quickly and must not call this
    /// driver's requests (they would wait for an answer only this thread can deliver).
    /// </summary>
    public FrameHandler? DataFrame { get; set; }

    /// <summary>
    /// Runs on the reader thread after the frames of each read were dispatched, outside the
    /// receiver's lock: where work that takes them on this thread goes (the closed loop, when it
    /// runs on the reader thread, so no second thread has to be woken for each frame). The same
    /// rule as <see cref="DataFrame"/>: no requests to this driver from here; sending without
    /// waiting (<see cref="SendTrigger"/>) is fine.
    /// </summary>
    public Action? AfterFrames { get; set; }

    /// <summary>What the device reported at <see cref="Connect"/>, or null before.</summary>
    public Capabilities? Capabilities { get; private set; }

    /// <summary>The receiver's counters: frames, CRC errors, resync bytes, sequence gaps.</summary>
    public DeframerCounters Counters { get { lock (_gate) { return _deframer.Counters; } } }

    /// <summary>True once the link has closed (the device went away).</summary>
    public bool LinkClosed => Volatile.Read(ref _closed);

    /// <summary>Cancelled when the link closes or the driver is disposed: wait on it to notice a lost device at once.</summary>
    public CancellationToken LinkClosedToken => _linkDown.Token;

    /// <summary>Why the link closed, for messages; null while it is open.</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>The device URI.</summary>
    public string Uri => _transport.Uri;

    /// <summary>Why the reader thread runs without real-time scheduling when it was asked for, or null.</summary>
    public string? RealtimeProblem { get; private set; }

    /// <summary>Why the reader thread is not pinned to the CPU it was asked to be, or null.</summary>
    public string? PinProblem { get; private set; }

    /// <summary>Bytes the reader thread has allocated since it started (zero per frame in steady state is the goal).</summary>
    public long ReaderAllocatedBytes => Volatile.Read(ref _readerAllocated);

    /// <summary>CPU time the reader thread has used (zero where the OS does not say).</summary>
    public TimeSpan ReaderCpuTime => TimeSpan.FromTicks(Volatile.Read(ref _readerCpuTicks));

    /// <summary>Says HELLO and returns the device's capabilities.</summary>
    /// <exception cref="DeviceException">No answer, or no protocol version in common.</exception>
    public Capabilities Connect()
    {
        lock (_gate)
        {
            Array.Clear(_sequence);
            _deframer.ResetSequences();
        }

        HostFrame answer = Request(new Hello(WireFormat.Version, WireFormat.Version, WireFormat.MaxFrameBytes, (ulong)Stopwatch.GetTimestamp()), StreamKind.Control, FrameType.Capabilities, "HELLO", retry: true);
        if (!Capabilities.TryRead(answer.Payload, out Capabilities? caps, out string? error))
        {
            throw new DeviceException($"device {_transport.Uri} answered HELLO with malformed capabilities: {error}");
        }

        if (caps!.SelectedVersion == 0)
        {
            throw new DeviceException($"device {_transport.Uri} speaks protocol versions {caps.MinVersion}..{caps.MaxVersion}, and this host speaks {WireFormat.Version}; update the host or the firmware");
        }

        Capabilities = caps;
        _limits = new StimLimits(caps.MaxAmplitudeNa, caps.MaxPhaseWidthUs, caps.MaxChargePc, caps.MaxPulseRateHz);
        return caps;
    }

    /// <summary>Reads a register (SPEC section 5).</summary>
    /// <exception cref="RegisterRefusedException">The device refused, with its error.</exception>
    public uint ReadRegister(uint address) => Ack(new RegRead(address), $"read of register 0x{address:X}", retry: true).Value;

    /// <summary>Writes a register; returns the device sample clock at which it took effect.</summary>
    /// <exception cref="RegisterRefusedException">The device refused, with its error; nothing changed.</exception>
    public ulong WriteRegister(uint address, uint value)
    {
        ulong at = Ack(new RegWrite(address, value), $"write of {value} to register 0x{address:X}", retry: true).EffectiveClock;
        if (address is >= (uint)Register.StimMaxAmplitudeNa and <= (uint)Register.StimMaxPhaseWidthUs)
        {
            _limits = (Register)address switch
            {
                Register.StimMaxAmplitudeNa => _limits with { MaxAmplitudeNa = value },
                Register.StimMaxChargePc => _limits with { MaxChargePc = value },
                Register.StimMaxPulseRateHz => _limits with { MaxPulseRateHz = value },
                _ => _limits with { MaxPhaseWidthUs = value },
            };
        }

        return at;
    }

    /// <summary>
    /// Enables exactly the channels marked true (SPEC section 5, CHANNEL_ENABLE): a disabled
    /// channel sends no spikes, zero counts and "no data" samples. Only while stopped.
    /// </summary>
    /// <exception cref="ArgumentException">The mask's length is not the device's channel count.</exception>
    /// <exception cref="RegisterRefusedException">The device refused (busy while acquiring).</exception>
    public void ConfigureChannels(ReadOnlySpan<bool> enabled)
    {
        Capabilities caps = Capabilities ?? throw new InvalidOperationException("call Connect before configuring channels");
        if (enabled.Length != caps.ChannelCount)
        {
            throw new ArgumentException($"the channel mask has {enabled.Length} entries and device {_transport.Uri} has {caps.ChannelCount} channels; give one entry per channel", nameof(enabled));
        }

        for (int word = 0; word * 32 < enabled.Length; word++)
        {
            uint bits = 0;
            for (int b = 0; b < 32 && (word * 32) + b < enabled.Length; b++)
            {
                bits |= enabled[(word * 32) + b] ? 1u << b : 0;
            }

            WriteRegister(Registers.ChannelEnable(word), bits);
        }
    }

    /// <summary>Sets a channel's spike detection threshold in LSB: negative detects downward crossings (SPEC section 5).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The channel or the threshold is out of range; nothing was sent.</exception>
    public void SetSpikeThreshold(int channel, int thresholdLsb)
    {
        Capabilities caps = Capabilities ?? throw new InvalidOperationException("call Connect before setting thresholds");
        if ((uint)channel >= caps.ChannelCount)
        {
            throw new ArgumentOutOfRangeException(nameof(channel), channel, $"device {_transport.Uri} has channels 0..{caps.ChannelCount - 1}");
        }

        if (thresholdLsb is 0 or < -32767 or > 32767)
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdLsb), thresholdLsb, "a spike threshold is -32767..32767 LSB and not 0; negative detects downward crossings");
        }

        WriteRegister(Registers.SpikeThreshold(channel), unchecked((uint)thresholdLsb));
    }

    /// <summary>Chooses one of the device's sample rates. Only while stopped.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The device does not offer that rate; nothing was sent.</exception>
    public void SetSampleRate(uint hz)
    {
        Capabilities caps = Capabilities ?? throw new InvalidOperationException("call Connect before setting the sample rate");
        if (!caps.SampleRatesHz.Contains(hz))
        {
            throw new ArgumentOutOfRangeException(nameof(hz), hz, $"device {_transport.Uri} samples at {string.Join(", ", caps.SampleRatesHz)} Hz only");
        }

        WriteRegister((uint)Register.SampleRateHz, hz);
    }

    /// <summary>
    /// Starts acquisition; returns the clock of the first sample that will be sent. START is not
    /// resent (a second one would be refused as busy): when its answer is lost, the ACQUIRING
    /// register says whether it took effect, and the clock returned is then that read's.
    /// </summary>
    public ulong Start(StreamMask streams)
    {
        try
        {
            return Ack(new StartAcquisition(streams), "START", retry: false).EffectiveClock;
        }
        catch (DeviceException e) when (e is not RegisterRefusedException)
        {
            Ack check = Ack(new RegRead((uint)Register.Acquiring), "read of ACQUIRING after an unanswered START", retry: true);
            if (check.Value != 1)
            {
                throw;
            }

            return check.EffectiveClock;
        }
    }

    /// <summary>Stops acquisition; returns the clock of the first sample not sent. Safe to repeat.</summary>
    public ulong Stop() => Ack(default(StopAcquisition), "STOP", retry: true).EffectiveClock;

    /// <summary>
    /// Arms a pulse-train program after checking it here against the limits in force; an unsafe
    /// program is refused without being sent.
    /// </summary>
    /// <exception cref="StimulationRefusedException">Refused by the host check (nothing sent) or by the device.</exception>
    public void Arm(StimProgram program, ReadOnlySpan<ushort> channels)
    {
        Capabilities caps = Capabilities ?? throw new InvalidOperationException("call Connect before arming stimulation");
        if (StimSafety.CheckArm(program, channels, _limits, caps.MaxStimPrograms, (int)caps.ChannelCount, caps.CanStimulate) is { } refusal)
        {
            throw new StimulationRefusedException($"program {program.ProgramId} was not sent: {StimSafety.Describe(refusal)}", refusal.Reason, byDevice: false);
        }

        StimAnswer(new StimArm(program, channels), $"arming program {program.ProgramId}", retry: true);
    }

    /// <summary>
    /// Sends a program without the host's own check, so that a rig check can see the device refuse
    /// an unsafe one by itself (its STIM_NACK comes back as the exception). Never use it to
    /// stimulate: the host check is the first of two safety layers.
    /// </summary>
    /// <exception cref="StimulationRefusedException">Refused by the device.</exception>
    public void ArmWithoutHostCheck(StimProgram program, ReadOnlySpan<ushort> channels) =>
        StimAnswer(new StimArm(program, channels), $"arming program {program.ProgramId} (host check skipped, for a safety test)", retry: true);

    /// <summary>
    /// Fires armed programs now, or at a device sample clock; returns when the first pulse starts.
    /// Never resent: a repeated trigger could stimulate twice.
    /// </summary>
    public ulong Trigger(ReadOnlySpan<ushort> programIds, ulong? atClock = null) =>
        StimAnswer(atClock is { } at ? StimTrigger.At(at, programIds) : StimTrigger.Now(programIds), "trigger", retry: false);

    /// <summary>
    /// Fires armed programs now without waiting for the answer: the closed loop's trigger. The
    /// frame is encoded without allocation and handed to the transport before this returns; the
    /// device's STIM_ACK or STIM_NACK arrives later and is counted
    /// (<see cref="TriggersAcknowledged"/>, <see cref="TriggersRefused"/>). Never resent.
    /// </summary>
    /// <exception cref="TransportClosedException">The link is closed.</exception>
    /// <exception cref="ArgumentException">More than 256 programs at once.</exception>
    public void SendTrigger(ReadOnlySpan<ushort> programIds)
    {
        if (programIds.Length is 0 or > 256)
        {
            throw new ArgumentException($"a trigger names 1 to 256 programs, not {programIds.Length}", nameof(programIds));
        }

        if (LinkClosed)
        {
            throw new TransportClosedException($"device {_transport.Uri} is gone: {CloseReason}");
        }

        var trigger = StimTrigger.Now(programIds);
        int length = WireFormat.FrameLength(trigger.PayloadLength);
        lock (_writeGate)
        {
            ushort address = StreamAddress.Of(StreamKind.Stim);
            uint sequence = _sequence[address]++;
            Volatile.Write(ref _triggerPrograms[sequence % (uint)_triggerPrograms.Length], programIds.Length);
            FrameEncoder.Encode(_triggerBuffer, trigger, FrameFlags.None, address, 0, sequence);
            _transport.Write(_triggerBuffer.AsSpan(0, length), _stop.Token);
        }

        Interlocked.Add(ref _triggersSent, programIds.Length);
    }

    /// <summary>Program triggers sent with <see cref="SendTrigger"/> (a frame naming three programs counts three).</summary>
    public long TriggersSent => Interlocked.Read(ref _triggersSent);

    /// <summary>Of those, how many the device acknowledged (STIM_ACK).</summary>
    public long TriggersAcknowledged => Interlocked.Read(ref _triggersAcknowledged);

    /// <summary>Of those, how many the device refused (STIM_NACK); <see cref="LastTriggerRefusal"/> says why.</summary>
    public long TriggersRefused => Interlocked.Read(ref _triggersRefused);

    /// <summary>The device's reason for the last refused trigger, or null.</summary>
    public StimRefusalDetail? LastTriggerRefusal { get { lock (_refusalGate) { return _lastTriggerRefusal; } } }

    /// <summary>Disarms every program. Safe to repeat.</summary>
    public void DisarmAll() => StimAnswer(new StimDisarm(StimDisarm.All), "disarm", retry: true);

    /// <summary>
    /// A PING: the round trip measured on this host, and the device sample clock at which the PING
    /// arrived, paired with the host time of the round trip's midpoint (for clock sync).
    /// </summary>
    public PingResult Ping()
    {
        long sent = Stopwatch.GetTimestamp();
        HostFrame answer = Request(new Ping((ulong)sent, (uint)sent), StreamKind.Control, FrameType.Pong, "PING", retry: true);
        long received = Stopwatch.GetTimestamp();
        Pong.TryRead(answer.Payload, out Pong pong, out _);
        double midpoint = (sent + ((received - sent) / 2.0)) / Stopwatch.Frequency;
        return new PingResult(Stopwatch.GetElapsedTime(sent, received), pong.RxClock, midpoint);
    }

    /// <summary>Disarms stimulation and stops acquisition (best effort), then closes the link.</summary>
    public void Dispose()
    {
        if (Capabilities is not null && !LinkClosed)
        {
            try
            {
                DisarmAll();
                Stop();
            }
            catch (Exception e) when (e is DeviceException or TransportClosedException)
            {
                // The device is gone or refuses: nothing more to do on the way out.
            }
        }

        _stop.Cancel();
        _transport.Dispose();
        _reader.Join();
        _deframer.Dispose();
        _oneRequest.Dispose();
        _linkDown.Dispose();
        _stop.Dispose();
    }

    private Ack Ack<T>(in T request, string what, bool retry)
        where T : IFramePayload
    {
        HostFrame answer = Request(request, StreamKind.Control, FrameType.Ack, what, retry);
        if (answer.Type == FrameType.Nack)
        {
            Nack.TryRead(answer.Payload, out Nack nack, out _);
            throw new RegisterRefusedException($"device {_transport.Uri} refused the {what}: {nack.Error}", nack.Error);
        }

        Protocol.Payloads.Ack.TryRead(answer.Payload, out Ack ack, out _);
        return ack;
    }

    private ulong StimAnswer<T>(in T request, string what, bool retry)
        where T : IFramePayload, allows ref struct
    {
        HostFrame answer = Request(request, StreamKind.Stim, FrameType.StimAck, what, retry);
        if (answer.Type == FrameType.StimNack)
        {
            StimNack.TryRead(answer.Payload, out StimNack nack, out _);
            var detail = new StimRefusalDetail(nack.Reason, nack.Limit, nack.Actual, nack.Channel);
            throw new StimulationRefusedException($"device {_transport.Uri} refused the {what}: {StimSafety.Describe(detail)}", nack.Reason, byDevice: true);
        }

        StimAck.TryRead(answer.Payload, out StimAck ack, out _);
        return ack.EffectiveClock;
    }

    /// <summary>
    /// Sends a request and waits for its answer; when <paramref name="retry"/>, resends it (with a
    /// new sequence number) after each timeout, up to the configured count.
    /// </summary>
    private HostFrame Request<T>(in T payload, StreamKind stream, FrameType expected, string what, bool retry)
        where T : IFramePayload, allows ref struct
    {
        _oneRequest.Wait(_stop.Token);
        try
        {
            int attempts = retry ? _options.Retries + 1 : 1;
            for (int attempt = 0; attempt < attempts; attempt++)
            {
                if (LinkClosed)
                {
                    throw new TransportClosedException($"device {_transport.Uri} is gone: {CloseReason}");
                }

                ushort address = StreamAddress.Of(stream);
                int length = WireFormat.FrameLength(payload.PayloadLength);
                if (_encodeBuffer.Length < length)
                {
                    _encodeBuffer = new byte[length];
                }

                bool answered;
                Pending? pending = null;
                try
                {
                    // Sequence, encoding and write in one hold of the write gate, so the stream's
                    // sequence numbers reach the wire in order whatever the loop's triggers do.
                    lock (_writeGate)
                    {
                        uint sequence = _sequence[address]++;
                        pending = new Pending(expected, sequence);
                        Volatile.Write(ref _pending, pending);
                        FrameEncoder.Encode(_encodeBuffer, payload, FrameFlags.None, address, 0, sequence);
                        _transport.Write(_encodeBuffer.AsSpan(0, length), _stop.Token);
                    }

                    answered = pending.Done.Wait(_options.RequestTimeout, _linkDown.Token);
                }
                catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                {
                    // The link closed; the answer may still have come just before it did (a
                    // cancelled wait throws even when the event is set).
                    answered = pending?.Done.IsSet ?? false;
                    if (!answered)
                    {
                        throw new TransportClosedException($"device {_transport.Uri} is gone while waiting for the answer to the {what}: {CloseReason}");
                    }
                }
                finally
                {
                    Volatile.Write(ref _pending, null);
                }

                if (answered)
                {
                    return pending!.TakeAnswer();
                }
            }

            string advice = retry ? "check the link (HEARTBEAT frames) and the device's power" : "it was not resent, as repeating it is not safe; check the device's state before trying again";
            throw new DeviceException($"device {_transport.Uri} did not answer the {what} within {_options.RequestTimeout.TotalMilliseconds:0} ms ({attempts} attempt(s)); {advice}");
        }
        finally
        {
            _oneRequest.Release();
        }
    }

    private void ReadLoop()
    {
        string reason = "the device closed the link";
        (RealtimeProblem, PinProblem) = ThreadPinning.Place(_options.RealtimePriority, _options.Cpu);

        try
        {
            while (true)
            {
                Span<byte> space;
                lock (_gate)
                {
                    space = _deframer.GetWriteSpan(65_536);
                }

                int n = _transport.Read(space, _stop.Token);
                long received = Stopwatch.GetTimestamp();
                lock (_gate)
                {
                    if (n == 0)
                    {
                        _deframer.Complete();
                    }
                    else
                    {
                        _deframer.Advance(n);
                    }

                    while (_deframer.TryRead(out Frame frame))
                    {
                        Dispatch(frame, received);
                    }
                }

                AfterFrames?.Invoke();

                Volatile.Write(ref _readerAllocated, GC.GetAllocatedBytesForCurrentThread());
                Volatile.Write(ref _readerCpuTicks, ThreadUsage.CurrentThreadCpuTime().Ticks);
                if (n == 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            reason = "the driver was closed";
        }
        catch (Exception e) when (e is TransportException or TransportClosedException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Unplugged, reset or failed: the link is down, and the reason is kept for the message.
            reason = e.Message;
        }

        Volatile.Write(ref _closeReason, reason);
        Volatile.Write(ref _closed, true);
        try
        {
            _linkDown.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Dispatch(in Frame frame, long received)
    {
        Pending? pending = Volatile.Read(ref _pending);
        if (pending is not null && !pending.Answered && pending.Matches(frame))
        {
            pending.Store(frame);
            pending.Done.Set();
            return;
        }

        if (frame.Type == FrameType.StimAck && StimAck.TryRead(frame.Payload, out StimAck ack, out _))
        {
            // The answer to a trigger sent without waiting.
            Interlocked.Add(ref _triggersAcknowledged, Programs(ack.RequestSequence));
            return;
        }

        if (frame.Type == FrameType.StimNack && StimNack.TryRead(frame.Payload, out StimNack nack, out _))
        {
            lock (_refusalGate)
            {
                _lastTriggerRefusal = new StimRefusalDetail(nack.Reason, nack.Limit, nack.Actual, nack.Channel);
            }

            Interlocked.Add(ref _triggersRefused, Programs(nack.RequestSequence));
            return;
        }

        DataFrame?.Invoke(frame, received);
    }

    /// <summary>Programs the trigger of <paramref name="sequence"/> named (0 for an answer to something else, such as a request that gave up waiting).</summary>
    private int Programs(uint sequence) => Interlocked.Exchange(ref _triggerPrograms[sequence % (uint)_triggerPrograms.Length], 0);

    private sealed record HostFrame(FrameType Type, byte[] Payload);

    // Not disposed: the reader thread may still signal it after the request gave up waiting.
    private sealed class Pending(FrameType expected, uint sequence)
    {
        public ManualResetEventSlim Done { get; } = new();

        // Allocated by the requesting thread, so the reader thread copies an answer without allocating.
        private byte[] _payload = new byte[256];
        private int _length;
        private FrameType _type;

        public bool Answered { get; private set; }

        public void Store(in Frame frame)
        {
            ReadOnlySpan<byte> payload = frame.Payload;
            if (payload.Length > _payload.Length)
            {
                _payload = payload.ToArray(); // a large CAPABILITIES: rare, once per connection
            }
            else
            {
                payload.CopyTo(_payload);
            }

            _length = payload.Length;
            _type = frame.Type;
            Answered = true;
        }

        public HostFrame TakeAnswer() => new(_type, _payload.AsSpan(0, _length).ToArray());

        public bool Matches(in Frame frame) => frame.Type switch
        {
            FrameType.Capabilities => expected == FrameType.Capabilities,
            FrameType.Pong => expected == FrameType.Pong,
            FrameType.Ack => expected == FrameType.Ack && Protocol.Payloads.Ack.TryRead(frame.Payload, out Ack a, out _) && a.RequestSequence == sequence,
            FrameType.Nack => expected == FrameType.Ack && Nack.TryRead(frame.Payload, out Nack n, out _) && n.RequestSequence == sequence,
            FrameType.StimAck => expected == FrameType.StimAck && StimAck.TryRead(frame.Payload, out StimAck a, out _) && a.RequestSequence == sequence,
            FrameType.StimNack => expected == FrameType.StimAck && StimNack.TryRead(frame.Payload, out StimNack n, out _) && n.RequestSequence == sequence,
            _ => false,
        };
    }
}
