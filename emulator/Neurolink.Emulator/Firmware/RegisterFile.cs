using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Firmware;

/// <summary>
/// The register map of SPEC section 5, with the device's validation: every refusal is the
/// NACK error a conforming device must give.
/// </summary>
public sealed class RegisterFile
{
    private readonly int _channels;
    private readonly uint[] _sampleRates;
    private readonly DetectionSettings _detection;
    private readonly Stimulator _stimulator;
    private readonly uint _deviceKind;
    private readonly uint _firmwareVersion;

    /// <summary>Creates the register file over the detector settings and the stimulator it controls.</summary>
    public RegisterFile(int channels, uint[] sampleRates, uint deviceKind, uint firmwareVersion, DetectionSettings detection, Stimulator stimulator)
    {
        _channels = channels;
        _sampleRates = sampleRates;
        _deviceKind = deviceKind;
        _firmwareVersion = firmwareVersion;
        _detection = detection;
        _stimulator = stimulator;
        SampleRateHz = sampleRates[0];
    }

    /// <summary>SAMPLE_RATE_HZ.</summary>
    public uint SampleRateHz { get; private set; }

    /// <summary>RAW_SAMPLES_PER_FRAME.</summary>
    public uint RawSamplesPerFrame { get; private set; } = 32;

    /// <summary>SPIKE_BIN_US.</summary>
    public uint SpikeBinUs { get; private set; } = 1000;

    /// <summary>HEARTBEAT_PERIOD_MS (0: off).</summary>
    public uint HeartbeatPeriodMs { get; private set; } = 100;

    /// <summary>SPIKE_REFRACTORY_US.</summary>
    public uint SpikeRefractoryUs { get; private set; } = 1000;

    /// <summary>The bin width in samples at the current rate.</summary>
    public int BinSamples => (int)((ulong)SpikeBinUs * SampleRateHz / 1_000_000);

    /// <summary>Reads a register; the error when it cannot.</summary>
    public RegisterError? Read(uint address, bool acquiring, out uint value)
    {
        value = 0;
        switch ((Register)address)
        {
            case Register.DeviceKind: value = _deviceKind; return null;
            case Register.FirmwareVersion: value = _firmwareVersion; return null;
            case Register.ChannelCount: value = (uint)_channels; return null;
            case Register.Acquiring: value = acquiring ? 1u : 0u; return null;
            case Register.SampleRateHz: value = SampleRateHz; return null;
            case Register.RawSamplesPerFrame: value = RawSamplesPerFrame; return null;
            case Register.SpikeBinUs: value = SpikeBinUs; return null;
            case Register.HeartbeatPeriodMs: value = HeartbeatPeriodMs; return null;
            case Register.SpikeRefractoryUs: value = SpikeRefractoryUs; return null;
            case Register.StimEnable: value = _stimulator.Enabled ? 1u : 0u; return null;
            case Register.StimMaxAmplitudeNa: value = _stimulator.MaxAmplitudeNa; return null;
            case Register.StimMaxChargePc: value = _stimulator.MaxChargePc; return null;
            case Register.StimMaxPulseRateHz: value = _stimulator.MaxPulseRateHz; return null;
            case Register.StimMaxPhaseWidthUs: value = _stimulator.MaxPhaseWidthUs; return null;
        }

        if (IsChannelEnable(address, out int word))
        {
            for (int b = 0; b < 32 && (word * 32) + b < _channels; b++)
            {
                value |= _detection.Enabled[(word * 32) + b] ? 1u << b : 0;
            }

            return null;
        }

        if (IsThreshold(address, out int channel))
        {
            value = unchecked((uint)(int)_detection.Thresholds[channel]);
            return null;
        }

        return RegisterError.UnknownRegister;
    }

    /// <summary>Writes a register; the error when it refuses, in which case nothing changed.</summary>
    public RegisterError? Write(uint address, uint value, bool acquiring)
    {
        switch ((Register)address)
        {
            case Register.DeviceKind or Register.FirmwareVersion or Register.ChannelCount or Register.Acquiring:
                return RegisterError.ReadOnly;
            case Register.SampleRateHz:
                if (acquiring)
                {
                    return RegisterError.Busy;
                }

                if (Array.IndexOf(_sampleRates, value) < 0 || value == 0 || (ulong)SpikeBinUs * value % 1_000_000 != 0)
                {
                    return RegisterError.OutOfRange;
                }

                SampleRateHz = value;
                return null;
            case Register.RawSamplesPerFrame:
                if (acquiring)
                {
                    return RegisterError.Busy;
                }

                if (value is < 1 or > 1024)
                {
                    return RegisterError.OutOfRange;
                }

                RawSamplesPerFrame = value;
                return null;
            case Register.SpikeBinUs:
                if (acquiring)
                {
                    return RegisterError.Busy;
                }

                ulong binSamples = (ulong)value * SampleRateHz / 1_000_000;
                if (value is < 100 or > 100_000 || (ulong)value * SampleRateHz % 1_000_000 != 0 || binSamples > ushort.MaxValue)
                {
                    return RegisterError.OutOfRange;
                }

                SpikeBinUs = value;
                return null;
            case Register.HeartbeatPeriodMs:
                if (value != 0 && value is < 10 or > 10_000)
                {
                    return RegisterError.OutOfRange;
                }

                HeartbeatPeriodMs = value;
                return null;
            case Register.SpikeRefractoryUs:
                if (value > 10_000)
                {
                    return RegisterError.OutOfRange;
                }

                SpikeRefractoryUs = value;
                _detection.RefractorySamples = (int)((ulong)value * SampleRateHz / 1_000_000);
                _detection.Touch();
                return null;
            case Register.StimEnable:
                if (value > 1)
                {
                    return RegisterError.OutOfRange;
                }

                _stimulator.Enabled = value == 1;
                return null;
            case Register.StimMaxAmplitudeNa:
                return SetLimit(value, _stimulator.HardwareAmplitudeNa, v => _stimulator.MaxAmplitudeNa = v);
            case Register.StimMaxChargePc:
                return SetLimit(value, _stimulator.HardwareChargePc, v => _stimulator.MaxChargePc = v);
            case Register.StimMaxPulseRateHz:
                return SetLimit(value, _stimulator.HardwarePulseRateHz, v => _stimulator.MaxPulseRateHz = v);
            case Register.StimMaxPhaseWidthUs:
                return SetLimit(value, _stimulator.HardwarePhaseWidthUs, v => _stimulator.MaxPhaseWidthUs = v);
        }

        if (IsChannelEnable(address, out int word))
        {
            if (acquiring)
            {
                return RegisterError.Busy;
            }

            int valid = Math.Min(32, _channels - (word * 32));
            if (valid < 32 && value >> valid != 0)
            {
                return RegisterError.OutOfRange;
            }

            for (int b = 0; b < valid; b++)
            {
                _detection.Enabled[(word * 32) + b] = (value & (1u << b)) != 0;
            }

            _detection.Touch();
            return null;
        }

        if (IsThreshold(address, out int channel))
        {
            int threshold = unchecked((int)value);
            if (threshold is 0 or < -32767 or > 32767)
            {
                return RegisterError.OutOfRange;
            }

            _detection.Thresholds[channel] = (short)threshold;
            _detection.Touch();
            return null;
        }

        return RegisterError.UnknownRegister;
    }

    private RegisterError? SetLimit(uint value, uint hardware, Action<uint> set)
    {
        if (value < 1 || value > hardware)
        {
            return RegisterError.OutOfRange;
        }

        set(value);
        _stimulator.RecheckArmed();
        return null;
    }

    private bool IsChannelEnable(uint address, out int word)
    {
        word = (int)(address - (uint)Register.ChannelEnableBase);
        return address >= (uint)Register.ChannelEnableBase && word < (_channels + 31) / 32;
    }

    private bool IsThreshold(uint address, out int channel)
    {
        channel = (int)(address - (uint)Register.SpikeThresholdBase);
        return address >= (uint)Register.SpikeThresholdBase && address - (uint)Register.SpikeThresholdBase < (uint)_channels;
    }
}
