using Neurolink.Emulator.Tissue;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Firmware;

/// <summary>
/// The headstage firmware model: SPEC v1 exactly as a device implements it. It is driven, not
/// threaded: <see cref="Receive"/> takes the host's bytes, <see cref="Advance"/> moves the sample
/// clock on, and every frame it sends lands in <see cref="Output"/>, its transmit FIFO.
/// </summary>
public sealed partial class HeadstageFirmware : IDisposable
{
    /// <summary>Device kind reported in CAPABILITIES: the Neurolink emulator.</summary>
    public const ushort EmulatorDeviceKind = 1;

    /// <summary>Firmware version 1.0.0.</summary>
    public const uint Version = 1 << 16;

    /// <summary>Sample scale, nV per LSB (as Intan RHD/RHS: 0.195 uV).</summary>
    public const uint ScaleNvPerLsb = 195;

    private static readonly uint[] s_sampleRates = [30_000, 20_000];
    private static readonly ushort s_control = StreamAddress.Of(StreamKind.Control);
    private static readonly ushort s_raw = StreamAddress.Of(StreamKind.Raw);
    private static readonly ushort s_events = StreamAddress.Of(StreamKind.Events);
    private static readonly ushort s_counts = StreamAddress.Of(StreamKind.Counts);
    private static readonly ushort s_stim = StreamAddress.Of(StreamKind.Stim);

    private readonly EmulatorOptions _options;
    private readonly short[]? _replayCache;
    private readonly GroundTruth _truth;
    private readonly Deframer _receiver = new(new DeframerOptions { MaxFrameBytes = MaxHostFrameBytes });
    private readonly ElectrodeGeometry _geometry;
    private readonly DetectionSettings _detection;
    private readonly Stimulator _stimulator;
    private readonly RegisterFile _registers;
    private readonly int _channels;
    private readonly FifoLosses _losses = new();

    private Acquisition? _acquisition;
    private bool _negotiated;
    private ulong _nextHeartbeat;
    private long _unknownTypesSeen;

    /// <summary>Largest frame the device accepts from the host.</summary>
    public const int MaxHostFrameBytes = 65_536;

    /// <summary>Creates a device in its power-on state.</summary>
    public HeadstageFirmware(EmulatorOptions options, GroundTruth truth)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(truth);
        _options = options;
        _truth = truth;
        _channels = options.Channels;
        _geometry = ElectrodeGeometry.Create(options.Geometry, _channels);
        double noiseLsb = options.Tissue.NoiseUvRms * 1000 / ScaleNvPerLsb;
        _detection = new DetectionSettings(_channels, (short)-Math.Round(4.5 * noiseLsb), 30);
        _stimulator = new Stimulator(16, _channels, maxAmplitudeNa: 100_000, maxPhaseWidthUs: 1_000, maxChargePc: 10_000, maxPulseRateHz: 500);
        _registers = new RegisterFile(_channels, s_sampleRates, EmulatorDeviceKind, Version, _detection, _stimulator);
        Tissue = NewTissue();
        if (options.Recording is { } recording)
        {
            if (recording.SampleRateHz != _registers.SampleRateHz)
            {
                throw new FormatException($"the recording in {recording.Folder} was made at {recording.SampleRateHz} Hz; the replaying device runs at {_registers.SampleRateHz} Hz only");
            }

            // The recording's own sample numbers: its frames come back with the clocks they had.
            Clock = recording.FirstSample;
        }
        else if (options.Source == "replay")
        {
            // Rendered now, before the device's clock runs, so that START costs nothing.
            var synthesizer = new RawSynthesizer(Tissue, new SpikeWaveforms((int)_registers.SampleRateHz), options.Tissue.NoiseUvRms, ScaleNvPerLsb, options.Seed);
            _replayCache = Acquisition.RenderReplay(this, synthesizer, 0);
        }

        Capabilities = new Capabilities
        {
            SelectedVersion = WireFormat.Version,
            MinVersion = WireFormat.Version,
            MaxVersion = WireFormat.Version,
            DeviceKind = EmulatorDeviceKind,
            MaxStimPrograms = (ushort)_stimulator.ProgramCount,
            FirmwareVersion = Version,
            ChannelCount = (uint)_channels,
            MaxFrameBytes = MaxHostFrameBytes,
            RawScaleNv = ScaleNvPerLsb,
            SampleRatesHz = s_sampleRates,
            StimChannelCount = (ushort)Math.Min(_channels, ushort.MaxValue),
            MaxAmplitudeNa = _stimulator.HardwareAmplitudeNa,
            MaxPhaseWidthUs = _stimulator.HardwarePhaseWidthUs,
            MaxChargePc = _stimulator.HardwareChargePc,
            MaxPulseRateHz = _stimulator.HardwarePulseRateHz,
            SerialNumber = options.SerialNumber,
            StimMask = AllChannelsMask(_channels),
        };
    }

    /// <summary>The device sample clock, samples.</summary>
    public ulong Clock { get; private set; }

    /// <summary>The clock at which a replayed recording ends (the device makes no samples after it); <see cref="ulong.MaxValue"/> when not replaying.</summary>
    public ulong ReplayEnd => _options.Recording is { } r ? (r.Rows > 0 ? r.LastSample + 1 : r.FirstSample) : ulong.MaxValue;

    /// <summary>True when this device replays a recording: its clock is the recording's, and runs only while it plays.</summary>
    public bool Replaying => _options.Recording is not null;

    /// <summary>Samples per spike-count bin, as the host set it.</summary>
    public int BinSamples => _registers.BinSamples;

    /// <summary>True while acquiring.</summary>
    public bool Acquiring => _acquisition is not null;

    /// <summary>The transmit FIFO: frames waiting for the link.</summary>
    public FrameOutput Output { get; } = new();

    /// <summary>What the device reports in CAPABILITIES.</summary>
    public Capabilities Capabilities { get; }

    /// <summary>The simulated tissue (rebuilt when the sample rate changes).</summary>
    public TissueModel Tissue { get; private set; }

    /// <summary>When true, data frames that do not fit in <see cref="EmulatorOptions.FifoBytes"/> are dropped and reported by GAP.</summary>
    public bool DropWhenFifoFull { get; set; }

    /// <summary>The sample of the next event the clock must stop at while idle (heartbeat or pulse).</summary>
    public ulong NextIdleEvent => Math.Min(_registers.HeartbeatPeriodMs == 0 ? ulong.MaxValue : _nextHeartbeat, _stimulator.NextPulse);

    /// <summary>Takes bytes from the host and answers every complete frame among them.</summary>
    public void Receive(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int taken = _receiver.Write(bytes);
            bytes = bytes[taken..];
            while (_receiver.TryRead(out Frame frame))
            {
                Handle(frame);
            }

            long unknown = _receiver.Counters.UnknownTypes;
            for (; _unknownTypesSeen < unknown; _unknownTypesSeen++)
            {
                SendControl(new ErrorPayload(ErrorCode.UnsupportedType, 0, "a frame of a type this device does not know was skipped"));
            }
        }
    }

    /// <summary>
    /// The link was lost (SPEC section 6, step 6): bytes half-received and frames not yet sent are
    /// dropped, acquisition stops, every stimulation program is disarmed, and the device waits for HELLO.
    /// </summary>
    public void OnLinkReset()
    {
        _acquisition = null;
        _stimulator.Disarm(StimDisarm.All);
        _stimulator.Enabled = false;
        _negotiated = false;
        _receiver.Complete();
        while (_receiver.TryRead(out _))
        {
        }

        _receiver.Reset();
        Output.Clear();
    }

    /// <summary>Moves the sample clock on by <paramref name="samples"/>, making every frame due in that time.</summary>
    public void Advance(ulong samples)
    {
        ulong target = Clock + samples;
        while (Clock < target)
        {
            FireDuePulses();
            ulong next = Math.Min(target, NextIdleEvent);
            if (_acquisition is not null)
            {
                next = Math.Min(next, _acquisition.NextBoundary(Clock));
                _acquisition.Generate(Clock, (int)(next - Clock));
            }

            Clock = next;
            _acquisition?.CloseDue(Clock);
            if (_registers.HeartbeatPeriodMs != 0 && Clock >= _nextHeartbeat)
            {
                SendHeartbeat();
                _nextHeartbeat = Clock + ((ulong)_registers.HeartbeatPeriodMs * _registers.SampleRateHz / 1000);
            }
        }

        FireDuePulses();
    }

    /// <inheritdoc/>
    public void Dispose() => _receiver.Dispose();

    private TissueModel NewTissue()
    {
        var tissue = new TissueModel(_geometry, _options.Tissue, _options.Seed, (int)_registers.SampleRateHz);
        tissue.SpikeObserver = _truth.RecordsSpikesAndSignal ? _truth.AddSpike : null;
        tissue.SignalObserver = _truth.RecordsSignal ? _truth.AddSignal : null;
        return tissue;
    }

    private void FireDuePulses()
    {
        while (_stimulator.TryTakeDue(Clock, out StimProgram program, out IReadOnlyList<ushort> channels, out ulong sample))
        {
            int rate = (int)_registers.SampleRateHz;
            foreach (ushort channel in channels)
            {
                double ua = Math.Abs(program.Phase1AmplitudeNa) / 1000.0;
                IReadOnlyList<int> recruited = Tissue.Stimulate(channel, ua, sample);
                _acquisition?.Synthesizer?.AddArtefact(
                    channel,
                    program.Phase1AmplitudeNa / 1000.0,
                    program.Phase2AmplitudeNa / 1000.0,
                    Math.Max(1, (int)((long)program.Phase1WidthUs * rate / 1_000_000)),
                    (int)((long)program.InterphaseGapUs * rate / 1_000_000),
                    Math.Max(1, (int)((long)program.Phase2WidthUs * rate / 1_000_000)),
                    sample);
                _truth.AddPulse(new DeliveredPulse(sample, channel, program.Phase1AmplitudeNa / 1000.0, [.. recruited]));
            }
        }
    }

    private static byte[] AllChannelsMask(int channels)
    {
        var mask = new byte[Capabilities.MaskBytes((uint)channels)];
        Array.Fill(mask, (byte)0xFF);
        if (channels % 8 != 0)
        {
            mask[^1] = (byte)((1 << (channels % 8)) - 1);
        }

        return mask;
    }
}
