using System.Runtime.InteropServices;
using Neurolink.Emulator.Tissue;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Firmware;

/// <summary>The data path: samples, detection, RAW_SAMPLES, SPIKE_EVENTS, SPIKE_COUNTS and GAP frames (SPEC section 7).</summary>
public sealed partial class HeadstageFirmware
{
    /// <summary>
    /// Puts a data frame in the FIFO, or, when the FIFO is full and the device is paced, drops
    /// it and remembers the loss; the next frame of that stream is preceded by a GAP frame.
    /// </summary>
    private void SendData<T>(in T payload, ushort stream, ulong clock, ulong samples)
        where T : IFramePayload, allows ref struct
    {
        int length = WireFormat.FrameLength(payload.PayloadLength);
        if (DropWhenFifoFull && Output.PendingBytes + length > _options.FifoBytes)
        {
            _losses.Lost(stream, clock, samples, (byte)T.Type);
            _truth.FifoDropped((long)samples);
            return;
        }

        if (_losses.TryTake(stream, out Gap gap, out ulong firstLost))
        {
            Output.Enqueue(gap, stream, firstLost);
        }

        Output.Enqueue(payload, stream, clock);
    }

    /// <summary>Reports every loss still pending as a GAP frame (at STOP, when no later frame will carry it).</summary>
    private void FlushGaps()
    {
        foreach (ushort stream in (ReadOnlySpan<ushort>)[s_raw, s_events, s_counts])
        {
            if (_losses.TryTake(stream, out Gap gap, out ulong firstLost))
            {
                Output.Enqueue(gap, stream, firstLost);
            }
        }
    }

    /// <summary>One acquisition, from START to STOP.</summary>
    private sealed class Acquisition : IDetectionSink
    {
        private readonly HeadstageFirmware _device;
        private readonly StreamMask _streams;
        private readonly int _channels;
        private readonly int _rows;
        private readonly short[] _raw;
        private readonly ThresholdDetector? _threshold;
        private readonly ModelDetector? _model;
        private readonly int _binSamples;
        private readonly byte[] _counts;
        private readonly List<SpikeEvent> _events = [];
        private List<(int Channel, ulong Sample, short Amplitude)> _deferred = [];
        private List<(int Channel, ulong Sample, short Amplitude)> _deferredSpare = [];
        private readonly List<int> _disabled = [];
        private int _disabledVersion = -1;
        private short[] _block = [];
        private readonly short[]? _replay;
        private readonly RecordedRows? _recorded;
        private readonly short[] _scratch = [];
        private int _replayRow;
        private ulong _rawStart;
        private int _rowsFilled;
        private ulong _binStart;

        public Acquisition(HeadstageFirmware device, StreamMask streams, ulong clock)
        {
            _device = device;
            _streams = streams;
            _channels = device._channels;
            _rows = (int)device._registers.RawSamplesPerFrame;
            _raw = (streams & StreamMask.Raw) != 0 ? new short[_rows * _channels] : [];
            _binSamples = device._registers.BinSamples;
            _counts = new byte[_channels];
            _rawStart = clock;
            _binStart = clock;

            int rate = (int)device._registers.SampleRateHz;
            var waveforms = new SpikeWaveforms(rate);
            double noise = device._options.Tissue.NoiseUvRms;
            if (device._options.Recording is { } recording)
            {
                // Replaying a recording: its rows are the samples; events and counts are detected
                // from them as from live samples.
                _recorded = recording;
                _scratch = Raw ? [] : new short[1024 * _channels];
                _threshold = new ThresholdDetector(device._detection);
                return;
            }

            if ((streams & StreamMask.Raw) != 0 && device._replayCache is not null)
            {
                // Replaying: no synthesis at all (and no stimulation artefacts).
                _replay = device._replayCache;
                _threshold = new ThresholdDetector(device._detection);
                return;
            }

            if ((streams & StreamMask.Raw) != 0)
            {
                Synthesizer = new RawSynthesizer(device.Tissue, waveforms, noise, ScaleNvPerLsb, device._options.Seed);
                _threshold = new ThresholdDetector(device._detection);
            }
            else
            {
                _model = new ModelDetector(device.Tissue, waveforms, device._detection, noise, ScaleNvPerLsb, device._options.Seed);
            }

            // The tissue lived on while the device was idle; those spikes were never recorded.
            device.Tissue.TakeSpikesBefore(clock);
        }

        public RawSynthesizer? Synthesizer { get; }

        private bool Binned => (_streams & (StreamMask.Events | StreamMask.Counts)) != 0;

        private bool Raw => (_streams & StreamMask.Raw) != 0;

        public ulong NextBoundary(ulong clock)
        {
            ulong next = clock + 1024;
            if (Raw)
            {
                next = Math.Min(next, _rawStart + (ulong)_rows);
            }

            if (Binned)
            {
                next = Math.Min(next, _binStart + (ulong)_binSamples);
            }

            return next;
        }

        public void Generate(ulong clock, int count)
        {
            if (_recorded is not null)
            {
                FromRecording(clock, count);
                return;
            }

            if (_replay is not null)
            {
                Replay(count);
                return;
            }

            ReadOnlySpan<Spike> spikes = _device.Tissue.TakeSpikesBefore(clock + (ulong)count);
            if (Raw)
            {
                Span<short> rows = _raw.AsSpan(_rowsFilled * _channels, count * _channels);
                Synthesizer!.Render(rows, clock, count, spikes);
                if (Binned)
                {
                    _threshold!.Process(rows, count, clock, this);
                }

                MarkDisabled(rows, count);
                _rowsFilled += count;
            }
            else
            {
                _model!.Process(spikes, clock, clock + (ulong)count, this);
            }
        }

        /// <summary>100 ms of the tissue, rendered once and then looped: samples that cost a copy.</summary>
        public static short[] RenderReplay(HeadstageFirmware device, RawSynthesizer synthesizer, ulong clock)
        {
            int channels = device._channels;
            int rows = (int)device._registers.SampleRateHz / 10;
            int block = (int)device._registers.RawSamplesPerFrame;
            var replay = new short[rows * channels];
            for (int r = 0; r < rows; r += block)
            {
                int n = Math.Min(block, rows - r);
                ulong at = clock + (ulong)r;
                synthesizer.Render(replay.AsSpan(r * channels, n * channels), at, n, device.Tissue.TakeSpikesBefore(at + (ulong)n));
            }

            return replay;
        }

        private void Replay(int count)
        {
            int replayRows = _replay!.Length / _channels;
            Span<short> rows = _raw.AsSpan(_rowsFilled * _channels, count * _channels);
            for (int done = 0; done < count;)
            {
                int n = Math.Min(count - done, replayRows - _replayRow);
                _replay.AsSpan(_replayRow * _channels, n * _channels).CopyTo(rows[(done * _channels)..]);
                _replayRow = (_replayRow + n) % replayRows;
                done += n;
            }

            if (Binned)
            {
                _threshold!.Process(rows, count, _rawStart + (ulong)_rowsFilled, this);
            }

            MarkDisabled(rows, count);
            _rowsFilled += count;
        }

        /// <summary>
        /// The recording's rows for the clocks [clock, clock + count): where the recording has no
        /// rows (its sample numbers jump), the raw frame so far is sent, nothing is sent for the
        /// missing samples, and every stream reports them with a GAP frame (NOT_RECORDED).
        /// </summary>
        private void FromRecording(ulong clock, int count)
        {
            RecordedRows recorded = _recorded!;
            recorded.SkipBefore(clock);
            for (int done = 0; done < count;)
            {
                ulong at = clock + (ulong)done;
                if (recorded.NextSample > at)
                {
                    int missing = (int)Math.Min((ulong)(count - done), recorded.NextSample - at);
                    NotRecorded(at, missing);
                    done += missing;
                    continue;
                }

                Span<short> rows = Raw ? _raw.AsSpan(_rowsFilled * _channels, (count - done) * _channels) : _scratch.AsSpan(0, (count - done) * _channels);
                int n = recorded.Read(rows, count - done);
                if (Binned)
                {
                    _threshold!.Process(rows, n, at, this);
                }

                if (Raw)
                {
                    MarkDisabled(rows, n);
                    _rowsFilled += n;
                }

                done += n;
            }
        }

        private void NotRecorded(ulong at, int missing)
        {
            if (Raw)
            {
                if (_rowsFilled > 0)
                {
                    EmitRaw();
                }

                _device._losses.NotRecorded(s_raw, at, (ulong)missing, (byte)FrameType.RawSamples);
                _rawStart = at + (ulong)missing;
            }

            if ((_streams & StreamMask.Events) != 0)
            {
                _device._losses.NotRecorded(s_events, at, (ulong)missing, (byte)FrameType.SpikeEvents);
            }

            if ((_streams & StreamMask.Counts) != 0)
            {
                _device._losses.NotRecorded(s_counts, at, (ulong)missing, (byte)FrameType.SpikeCounts);
            }
        }

        public void CloseDue(ulong clock)
        {
            if (Raw && _rowsFilled == _rows)
            {
                EmitRaw();
                _rawStart = clock;
            }

            if (Binned && clock >= _binStart + (ulong)_binSamples)
            {
                EmitBin(_binSamples);
                _binStart = clock;
                TakeDeferred();
            }
        }

        public void Flush(ulong clock)
        {
            if (Raw && _rowsFilled > 0)
            {
                EmitRaw();
            }

            if (Binned && clock > _binStart)
            {
                EmitBin((int)(clock - _binStart));
            }
        }

        public void OnDetection(int channel, ulong sample, short amplitude)
        {
            if (sample >= _binStart + (ulong)_binSamples)
            {
                _deferred.Add((channel, sample, amplitude));
                return;
            }

            if (sample < _binStart)
            {
                return;
            }

            _counts[channel] = (byte)Math.Min(_counts[channel] + 1, 255);
            _events.Add(new SpikeEvent((ushort)channel, (ushort)(sample - _binStart), amplitude, SpikeEvent.Unsorted));
        }

        private void TakeDeferred()
        {
            if (_deferred.Count == 0)
            {
                return;
            }

            // Swap rather than copy: detections may be deferred again into the fresh list.
            (_deferred, _deferredSpare) = (_deferredSpare, _deferred);
            foreach (var (channel, sample, amplitude) in _deferredSpare)
            {
                OnDetection(channel, sample, amplitude);
            }

            _deferredSpare.Clear();
        }

        private void EmitRaw()
        {
            int rows = _rowsFilled;
            int perFrame = Math.Min(_channels, (WireFormat.MaxPayloadLength - RawSamples.FixedSize) / (2 * rows));
            for (int first = 0; first < _channels; first += perFrame)
            {
                int width = Math.Min(perFrame, _channels - first);
                ReadOnlySpan<short> samples;
                if (width == _channels)
                {
                    samples = _raw.AsSpan(0, rows * _channels);
                }
                else
                {
                    // A device too wide for one frame sends channel blocks with the same clock (SPEC 4.8).
                    if (_block.Length < rows * width)
                    {
                        _block = new short[rows * width];
                    }

                    for (int s = 0; s < rows; s++)
                    {
                        _raw.AsSpan((s * _channels) + first, width).CopyTo(_block.AsSpan(s * width));
                    }

                    samples = _block.AsSpan(0, rows * width);
                }

                _device.SendData(new RawSamples((ushort)first, (ushort)width, (ushort)rows, samples), s_raw, _rawStart, (ulong)rows);
            }

            _rowsFilled = 0;
        }

        private void EmitBin(int binSamples)
        {
            if ((_streams & StreamMask.Counts) != 0)
            {
                _device.SendData(new SpikeCounts(0, (ushort)binSamples, _counts), s_counts, _binStart, (ulong)binSamples);
            }

            if ((_streams & StreamMask.Events) != 0)
            {
                Span<SpikeEvent> events = CollectionsMarshal.AsSpan(_events);
                events.Sort(static (a, b) => a.SampleOffset != b.SampleOffset ? a.SampleOffset.CompareTo(b.SampleOffset) : a.Channel.CompareTo(b.Channel));
                // More than 65535 events in one window go out as several frames of the same window (SPEC 4.9).
                int offset = 0;
                do
                {
                    int count = Math.Min(events.Length - offset, ushort.MaxValue);
                    _device.SendData(new SpikeEvents((uint)binSamples, events.Slice(offset, count)), s_events, _binStart, (ulong)binSamples);
                    offset += count;
                }
                while (offset < events.Length);
            }

            Array.Clear(_counts);
            _events.Clear();
        }

        private void MarkDisabled(Span<short> rows, int count)
        {
            DetectionSettings settings = _device._detection;
            if (_disabledVersion != settings.Version)
            {
                _disabled.Clear();
                for (int c = 0; c < _channels; c++)
                {
                    if (!settings.Enabled[c])
                    {
                        _disabled.Add(c);
                    }
                }

                _disabledVersion = settings.Version;
            }

            foreach (int c in _disabled)
            {
                for (int s = 0; s < count; s++)
                {
                    rows[(s * _channels) + c] = RawSamples.NoData;
                }
            }
        }
    }
}
