using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Neurolink.Protocol.Payloads;

/// <summary>
/// CAPABILITIES (SPEC 4.2): what a device is and can do, and the version it selected.
/// Control path only, so it is a class with arrays rather than a view.
/// </summary>
public sealed record class Capabilities : IFramePayload
{
    /// <summary>Bytes before the stimulation mask.</summary>
    public const int FixedSize = 80;

    /// <summary>Highest version both sides speak, or 0 when there is none.</summary>
    public byte SelectedVersion { get; init; }
    /// <summary>Lowest version the device speaks.</summary>
    public byte MinVersion { get; init; } = 1;
    /// <summary>Highest version the device speaks.</summary>
    public byte MaxVersion { get; init; } = 1;
    /// <summary>1 = Neurolink emulator; 0x8000 and up are vendor-defined.</summary>
    public ushort DeviceKind { get; init; }
    /// <summary>Number of STIM_ARM program slots; 0 when there is no stimulator.</summary>
    public ushort MaxStimPrograms { get; init; }
    /// <summary>major &lt;&lt; 16 | minor &lt;&lt; 8 | patch.</summary>
    public uint FirmwareVersion { get; init; }
    /// <summary>Recording channels, 1..65535.</summary>
    public uint ChannelCount { get; init; }
    /// <summary>Largest frame the device accepts from the host, 64..1 048 576 bytes.</summary>
    public uint MaxFrameBytes { get; init; } = WireFormat.MaxFrameBytes;
    /// <summary>Raw sample scale in nanovolts per LSB.</summary>
    public uint RawScaleNv { get; init; }
    /// <summary>Supported sample rates in Hz, at most 4; the first is the default.</summary>
    public IReadOnlyList<uint> SampleRatesHz { get; init; } = [];
    /// <summary>Number of stimulation-capable channels.</summary>
    public ushort StimChannelCount { get; init; }
    /// <summary>Hardware limit on phase amplitude, nanoamps.</summary>
    public uint MaxAmplitudeNa { get; init; }
    /// <summary>Hardware limit on phase width, microseconds.</summary>
    public uint MaxPhaseWidthUs { get; init; }
    /// <summary>Hardware limit on charge per phase, picocoulombs.</summary>
    public uint MaxChargePc { get; init; }
    /// <summary>Hardware limit on pulse rate, Hz.</summary>
    public uint MaxPulseRateHz { get; init; }
    /// <summary>Serial number, ASCII, at most 16 characters.</summary>
    public string SerialNumber { get; init; } = "";
    /// <summary>Bit c set: channel c can stimulate. ceil(ChannelCount / 8) bytes.</summary>
    public IReadOnlyList<byte> StimMask { get; init; } = [];

    /// <inheritdoc/>
    public static FrameType Type => FrameType.Capabilities;

    /// <inheritdoc/>
    public int PayloadLength => FixedSize + MaskBytes(ChannelCount);

    /// <summary>True when channel <paramref name="channel"/> can stimulate.</summary>
    public bool CanStimulate(int channel) =>
        channel >= 0 && channel < ChannelCount && (StimMask[channel >> 3] & (1 << (channel & 7))) != 0;

    /// <inheritdoc/>
    public void Write(Span<byte> destination)
    {
        if (SampleRatesHz.Count > 4 || SerialNumber.Length > 16 || StimMask.Count != MaskBytes(ChannelCount))
        {
            throw new InvalidOperationException(
                "capabilities hold at most 4 sample rates, a serial number of at most 16 ASCII characters, and a stimulation mask of ceil(channel_count / 8) bytes");
        }

        Span<byte> d = destination[..PayloadLength];
        d.Clear();
        d[0] = SelectedVersion;
        d[1] = MinVersion;
        d[2] = MaxVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], DeviceKind);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], MaxStimPrograms);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], FirmwareVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], ChannelCount);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], MaxFrameBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(d[20..], RawScaleNv);
        for (int i = 0; i < SampleRatesHz.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(d[(24 + (4 * i))..], SampleRatesHz[i]);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(d[40..], StimChannelCount);
        BinaryPrimitives.WriteUInt32LittleEndian(d[44..], MaxAmplitudeNa);
        BinaryPrimitives.WriteUInt32LittleEndian(d[48..], MaxPhaseWidthUs);
        BinaryPrimitives.WriteUInt32LittleEndian(d[52..], MaxChargePc);
        BinaryPrimitives.WriteUInt32LittleEndian(d[56..], MaxPulseRateHz);
        Encoding.ASCII.GetBytes(SerialNumber, d.Slice(64, 16));
        for (int i = 0; i < StimMask.Count; i++)
        {
            d[FixedSize + i] = StimMask[i];
        }
    }

    /// <summary>Decodes a CAPABILITIES payload; false with a reason when it is malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out Capabilities? value, out string? error)
    {
        value = null;
        if (payload.Length < FixedSize)
        {
            error = PayloadError.TooShort(Type, FixedSize, payload.Length);
            return false;
        }

        uint channels = BinaryPrimitives.ReadUInt32LittleEndian(payload[12..]);
        if (channels is 0 or > ushort.MaxValue)
        {
            error = $"CAPABILITIES channel_count is {channels}, outside 1..65535";
            return false;
        }

        int needed = FixedSize + MaskBytes(channels);
        if (payload.Length < needed)
        {
            error = PayloadError.Mismatch(Type, $"a stimulation mask for {channels} channels", needed, payload.Length);
            return false;
        }

        var rates = new List<uint>(4);
        for (int i = 0; i < 4; i++)
        {
            uint rate = BinaryPrimitives.ReadUInt32LittleEndian(payload[(24 + (4 * i))..]);
            if (rate != 0)
            {
                rates.Add(rate);
            }
        }

        ReadOnlySpan<byte> serial = payload.Slice(64, 16);
        int end = serial.IndexOf((byte)0);
        value = new Capabilities
        {
            SelectedVersion = payload[0],
            MinVersion = payload[1],
            MaxVersion = payload[2],
            DeviceKind = BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]),
            MaxStimPrograms = BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]),
            FirmwareVersion = BinaryPrimitives.ReadUInt32LittleEndian(payload[8..]),
            ChannelCount = channels,
            MaxFrameBytes = BinaryPrimitives.ReadUInt32LittleEndian(payload[16..]),
            RawScaleNv = BinaryPrimitives.ReadUInt32LittleEndian(payload[20..]),
            SampleRatesHz = rates,
            StimChannelCount = BinaryPrimitives.ReadUInt16LittleEndian(payload[40..]),
            MaxAmplitudeNa = BinaryPrimitives.ReadUInt32LittleEndian(payload[44..]),
            MaxPhaseWidthUs = BinaryPrimitives.ReadUInt32LittleEndian(payload[48..]),
            MaxChargePc = BinaryPrimitives.ReadUInt32LittleEndian(payload[52..]),
            MaxPulseRateHz = BinaryPrimitives.ReadUInt32LittleEndian(payload[56..]),
            SerialNumber = Encoding.ASCII.GetString(end < 0 ? serial : serial[..end]),
            StimMask = payload.Slice(FixedSize, MaskBytes(channels)).ToArray(),
        };
        error = null;
        return true;
    }

    /// <summary>The canonical field text used by the test vectors (SPEC section 11).</summary>
    public string ToFieldText()
    {
        var rates = new uint[4];
        for (int i = 0; i < SampleRatesHz.Count; i++)
        {
            rates[i] = SampleRatesHz[i];
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"selected_version={SelectedVersion} min_version={MinVersion} max_version={MaxVersion} device_kind={DeviceKind} " +
            $"max_stim_programs={MaxStimPrograms} firmware_version={FirmwareVersion} channel_count={ChannelCount} " +
            $"max_frame_bytes={MaxFrameBytes} raw_scale_nv={RawScaleNv} sample_rates=[{string.Join(',', rates)}] " +
            $"stim_channel_count={StimChannelCount} max_amplitude_na={MaxAmplitudeNa} max_phase_width_us={MaxPhaseWidthUs} " +
            $"max_charge_pc={MaxChargePc} max_pulse_rate_hz={MaxPulseRateHz} serial={SerialNumber} stim_mask=[{string.Join(',', StimMask)}]");
    }

    /// <summary>Bytes of stimulation mask for <paramref name="channels"/> channels.</summary>
    public static int MaskBytes(uint channels) => (int)((channels + 7) / 8);

    /// <inheritdoc/>
    public bool Equals(Capabilities? other) => other is not null && ToFieldText() == other.ToFieldText();

    /// <inheritdoc/>
    public override int GetHashCode() => ToFieldText().GetHashCode(StringComparison.Ordinal);
}
