using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurolink.Device.Acquisition;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Recording;

/// <summary>What the recorder needs to know of the device.</summary>
/// <param name="Device">The device URI, for the record.</param>
/// <param name="Channels">Recording channels.</param>
/// <param name="SampleRateHz">Sample rate.</param>
/// <param name="RawScaleNv">Nanovolts per raw LSB (Open Ephys's bit_volts is this / 1000, in uV).</param>
/// <param name="Probe">Where the channels' contacts are (written as probe.json), or null when not known.</param>
/// <param name="ProbeFile">A probeinterface file to copy beside the recording instead, or null.</param>
public sealed record class RecordingSource(string Device, int Channels, double SampleRateHz, double RawScaleNv, ProbeMap? Probe = null, string? ProbeFile = null);

/// <summary>What a recorder wrote.</summary>
/// <param name="Samples">Sample rows in continuous.dat.</param>
/// <param name="SpikeEvents">Spike events written.</param>
/// <param name="Losses">Loss records written to losses.jsonl (every gap the acquisition saw).</param>
/// <param name="IncompleteRows">Rows some of whose channel blocks never came (their samples are NoData, -32768, and a loss record says so).</param>
/// <param name="Bytes">Bytes of continuous.dat.</param>
public readonly record struct RecordingCounters(long Samples, long SpikeEvents, long Losses, long IncompleteRows, long Bytes);

/// <summary>
/// Records an acquisition in the Open Ephys binary layout, which Kilosort and SpikeInterface read
/// as it is: <c>DIR/Record Node 101/experiment1/recording1/</c> with <c>structure.oebin</c>,
/// <c>continuous/Neurolink-100.raw/continuous.dat</c> (int16, channel-interleaved),
/// <c>sample_numbers.npy</c> (the device's sample clock) and <c>timestamps.npy</c> (seconds).
/// Beside them, in folders Open Ephys readers skip: spike events
/// (<c>events/Neurolink-100.spike_events/</c>: sample_numbers, timestamps, channels, amplitudes,
/// units), <c>probe.json</c> (probeinterface: where each channel's contact is, when known), stimulation (<c>events/Neurolink-100.stimulation/</c>: sample_numbers, timestamps,
/// programs, channels; from the closed loop) and <c>losses.jsonl</c>, one line per loss the acquisition saw (sequence gap, ring
/// overrun, link down, device GAP): data missing is never written as zeros; the sample numbers
/// jump there. Everything is flushed every <see cref="FlushInterval"/> with the .npy headers
/// updated, so a recording cut off by a crash reads up to its last flush.
/// </summary>
public sealed class OpenEphysRecorder : IDisposable
{
    /// <summary>The folder of the recording inside the directory given.</summary>
    public const string RecordingFolder = "Record Node 101/experiment1/recording1";

    private const string Stream = "Neurolink-100.raw";
    private readonly RecordingSource _source;
    private readonly string _dir;
    private readonly FileStream _dat;
    private readonly StreamingWriteback _writeback;
    private readonly NpyWriter<long> _sampleNumbers;
    private readonly NpyWriter<double> _timestamps;
    private readonly NpyWriter<long> _spikeSamples;
    private readonly NpyWriter<double> _spikeTimes;
    private readonly NpyWriter<int> _spikeChannels;
    private readonly NpyWriter<short> _spikeAmplitudes;
    private readonly NpyWriter<int> _spikeUnits;
    private readonly StreamWriter _losses;
    private readonly NpyWriter<long> _stimSamples;
    private readonly NpyWriter<double> _stimTimes;
    private readonly NpyWriter<int> _stimPrograms;
    private readonly NpyWriter<int> _stimChannels;
    private readonly INpyFile[] _npy; // every .npy file above, flushed and closed together
    private readonly (long Sample, int Program, int Channel)[] _stimQueue = new (long, int, int)[65536];
    private readonly object _stimGate = new();
    private int _stimHead, _stimCount;
    private long _stimDropped, _stimWritten;
    private readonly bool[] _covered;
    private short[] _row = [];              // rows being assembled from channel blocks (grown to the largest frame)
    private long[] _numbers = [];
    private double[] _times = [];
    private readonly long[] _eventSamples = new long[4096];
    private readonly double[] _eventTimes = new double[4096];
    private readonly int[] _eventChannels = new int[4096];
    private readonly short[] _eventAmplitudes = new short[4096];
    private readonly int[] _eventUnits = new int[4096];
    private RingConsumer? _consumer; // null once disposed
    private Thread? _thread;
    private volatile bool _stop;
    private ulong _pendingClock;
    private int _pendingRows;
    private long _samples, _spikes, _lossCount, _incomplete;
    private Exception? _fault;

    /// <summary>
    /// Creates the recording's files (the directory is created; an existing recording there is
    /// refused). <paramref name="consumer"/> is the recorder's place in the acquisition ring, added
    /// before acquisition starts so that nothing, losses included, comes before it; the recorder
    /// owns it from now on.
    /// </summary>
    /// <exception cref="IOException">The directory already holds a recording, or cannot be written; the message says which.</exception>
    public OpenEphysRecorder(RingConsumer consumer, RecordingSource source, string directory)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        ArgumentNullException.ThrowIfNull(source);
        _consumer = consumer;
        _source = source;
        _dir = Path.Combine(directory, RecordingFolder);
        if (File.Exists(Path.Combine(_dir, "structure.oebin")))
        {
            throw new IOException($"{directory} already holds a recording ({_dir}); choose another --out directory, or move that one away");
        }

        string continuous = Path.Combine(_dir, "continuous", Stream);
        string events = Path.Combine(_dir, "events", "Neurolink-100.spike_events");
        Directory.CreateDirectory(continuous);
        Directory.CreateDirectory(events);
        _dat = new FileStream(Path.Combine(continuous, "continuous.dat"), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        _writeback = new StreamingWriteback(_dat);
        _sampleNumbers = new NpyWriter<long>(Path.Combine(continuous, "sample_numbers.npy"));
        _timestamps = new NpyWriter<double>(Path.Combine(continuous, "timestamps.npy"));
        _spikeSamples = new NpyWriter<long>(Path.Combine(events, "sample_numbers.npy"));
        _spikeTimes = new NpyWriter<double>(Path.Combine(events, "timestamps.npy"));
        _spikeChannels = new NpyWriter<int>(Path.Combine(events, "channels.npy"));
        _spikeAmplitudes = new NpyWriter<short>(Path.Combine(events, "amplitudes.npy"));
        _spikeUnits = new NpyWriter<int>(Path.Combine(events, "units.npy"));
        _losses = new StreamWriter(Path.Combine(_dir, "losses.jsonl"));
        string stim = Path.Combine(_dir, "events", "Neurolink-100.stimulation");
        Directory.CreateDirectory(stim);
        _stimSamples = new NpyWriter<long>(Path.Combine(stim, "sample_numbers.npy"));
        _stimTimes = new NpyWriter<double>(Path.Combine(stim, "timestamps.npy"));
        _stimPrograms = new NpyWriter<int>(Path.Combine(stim, "programs.npy"));
        _stimChannels = new NpyWriter<int>(Path.Combine(stim, "channels.npy"));
        _npy = [_sampleNumbers, _timestamps, _spikeSamples, _spikeTimes, _spikeChannels, _spikeAmplitudes, _spikeUnits, _stimSamples, _stimTimes, _stimPrograms, _stimChannels];
        WriteStructure();
        if (source.ProbeFile is not null)
        {
            ProbeMap.Check(source.ProbeFile, source.Channels);
            File.Copy(source.ProbeFile, Path.Combine(_dir, "probe.json"));
        }
        else if (source.Probe is not null)
        {
            File.WriteAllText(Path.Combine(_dir, "probe.json"), source.Probe.ToJson());
        }

        _covered = new bool[source.Channels];
    }

    /// <summary>How often files are flushed (and .npy headers updated).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The recording's folder (the one holding structure.oebin).</summary>
    public string Folder => _dir;

    /// <summary>What stopped the recorder (a full disk, say), or null.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>What was written so far.</summary>
    public RecordingCounters Counters => new(Interlocked.Read(ref _samples), Interlocked.Read(ref _spikes), Interlocked.Read(ref _lossCount), Interlocked.Read(ref _incomplete), Interlocked.Read(ref _samples) * 2 * _source.Channels);

    /// <summary>
    /// Records a stimulation (a program triggered on a channel at a device sample), from any
    /// thread, without allocating or waiting: it is queued and written by the recorder's thread.
    /// If 65 536 are waiting the newest is dropped and counted (the count goes to losses.jsonl).
    /// </summary>
    public void RecordStimulation(long sample, int program, int channel)
    {
        lock (_stimGate)
        {
            if (_stimCount == _stimQueue.Length)
            {
                _stimDropped++;
                return;
            }

            _stimQueue[(_stimHead + _stimCount++) % _stimQueue.Length] = (sample, program, channel);
        }
    }

    /// <summary>Stimulation events written.</summary>
    public long StimulationEvents => Interlocked.Read(ref _stimWritten);

    /// <summary>Starts writing, on its own thread, every item the consumer has and gets.</summary>
    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "neurolink-recorder" };
        _thread.Start();
    }

    /// <summary>Writes what is in the ring, flushes and closes the files. Stop acquisition first, so nothing is left behind.</summary>
    public void Dispose()
    {
        if (_thread is not null)
        {
            _stop = true;
            _thread.Join();
            _thread = null;
        }

        _consumer?.Dispose();
        _consumer = null;
        FlushRows();
        DrainStimulation();
        FlushAll();
        _dat.Dispose();
        _losses.Dispose();
        foreach (INpyFile npy in _npy)
        {
            npy.Dispose();
        }
    }

    private void Run()
    {
        RingConsumer consumer = _consumer!;
        long nextFlush = Stopwatch.GetTimestamp() + (long)(FlushInterval.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (true)
            {
                bool stopping = _stop;
                consumer.WaitForData(TimeSpan.FromMilliseconds(50));
                while (consumer.TryRead(out RingItem item))
                {
                    if (item.Kind == RingItemKind.Loss)
                    {
                        Loss(item.Loss);
                    }
                    else if (item.Kind == RingItemKind.Frame)
                    {
                        Frame(item.Frame);
                    }
                }

                if (Stopwatch.GetTimestamp() >= nextFlush)
                {
                    DrainStimulation();
                    FlushAll();
                    nextFlush = Stopwatch.GetTimestamp() + (long)(FlushInterval.TotalSeconds * Stopwatch.Frequency);
                }

                if (stopping)
                {
                    return; // drained once after the stop was asked
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Volatile.Write(ref _fault, e);
        }
        finally
        {
            consumer.Release();
        }
    }

    private void Frame(in Frame frame)
    {
        switch (frame.Type)
        {
            case FrameType.RawSamples when RawSamples.TryRead(frame.Payload, out RawSamples raw, out _):
                Raw(frame.Header.SampleClock, raw);
                break;
            case FrameType.SpikeEvents when SpikeEvents.TryRead(frame.Payload, out SpikeEvents events, out _):
                ReadOnlySpan<SpikeEvent> all = events.Events;
                while (!all.IsEmpty)
                {
                    // In batches through fixed arrays: one append per file per batch.
                    int n = Math.Min(all.Length, _eventSamples.Length);
                    for (int k = 0; k < n; k++)
                    {
                        SpikeEvent e = all[k];
                        long sample = (long)frame.Header.SampleClock + e.SampleOffset;
                        _eventSamples[k] = sample;
                        _eventTimes[k] = sample / _source.SampleRateHz;
                        _eventChannels[k] = e.Channel;
                        _eventAmplitudes[k] = e.Amplitude;
                        _eventUnits[k] = e.Unit == SpikeEvent.Unsorted ? -1 : e.Unit;
                    }

                    _spikeSamples.Append(_eventSamples.AsSpan(0, n));
                    _spikeTimes.Append(_eventTimes.AsSpan(0, n));
                    _spikeChannels.Append(_eventChannels.AsSpan(0, n));
                    _spikeAmplitudes.Append(_eventAmplitudes.AsSpan(0, n));
                    _spikeUnits.Append(_eventUnits.AsSpan(0, n));
                    all = all[n..];
                }

                Interlocked.Add(ref _spikes, events.Events.Length);
                break;
            case FrameType.Gap when Gap.TryRead(frame.Payload, out Gap gap, out _):
                WriteLoss("device_gap", frame.Header.SampleClock, frame.Header.SampleClock + gap.LostSamples, gap.LostFrames, gap.Reason.ToString());
                break;
        }
    }

    /// <summary>A block of rows (all channels, or one channel block with the same clock as its siblings).</summary>
    private void Raw(ulong clock, RawSamples raw)
    {
        int channels = _source.Channels;
        if (_pendingRows > 0 && (clock != _pendingClock || raw.SampleCount != _pendingRows))
        {
            FlushRows();
        }

        if (_pendingRows == 0)
        {
            _pendingClock = clock;
            _pendingRows = raw.SampleCount;
            Array.Clear(_covered);
            if (_numbers.Length < raw.SampleCount)
            {
                // Once, at the first frame (or a larger one): the memory follows the frames the device sends.
                _row = new short[raw.SampleCount * channels];
                _numbers = new long[raw.SampleCount];
                _times = new double[raw.SampleCount];
            }
        }

        int first = raw.FirstChannel, width = Math.Min(raw.ChannelCount, channels - first);
        ReadOnlySpan<short> samples = raw.Samples;
        if (first == 0 && width == channels && raw.ChannelCount == channels)
        {
            samples.CopyTo(_row);
            Array.Fill(_covered, true);
        }
        else
        {
            for (int s = 0; s < raw.SampleCount; s++)
            {
                samples.Slice(s * raw.ChannelCount, width).CopyTo(_row.AsSpan((s * channels) + first));
            }

            _covered.AsSpan(first, width).Fill(true);
        }

        if (!_covered.AsSpan().Contains(false))
        {
            FlushRows();
        }
    }

    /// <summary>Writes the rows being assembled; channels whose block never came get NoData, and a loss record.</summary>
    private void FlushRows()
    {
        int rows = _pendingRows;
        if (rows == 0)
        {
            return;
        }

        int channels = _source.Channels;
        int missing = _covered.AsSpan().Count(false);
        if (missing > 0)
        {
            for (int ch = 0; ch < channels; ch++)
            {
                if (!_covered[ch])
                {
                    for (int s = 0; s < rows; s++)
                    {
                        _row[(s * channels) + ch] = RawSamples.NoData;
                    }
                }
            }

            Interlocked.Add(ref _incomplete, rows);
            WriteLoss("channel_blocks_missing", _pendingClock, _pendingClock + (ulong)rows, 0, $"{missing} of {channels} channels never came; their samples are {RawSamples.NoData}");
        }

        _dat.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_row.AsSpan(0, rows * channels)));
        _writeback.Written();
        for (int s = 0; s < rows; s++)
        {
            _numbers[s] = (long)_pendingClock + s;
            _times[s] = _numbers[s] / _source.SampleRateHz;
        }

        _sampleNumbers.Append(_numbers.AsSpan(0, rows));
        _timestamps.Append(_times.AsSpan(0, rows));
        Interlocked.Add(ref _samples, rows);
        _pendingRows = 0;
    }

    private void Loss(in LossRecord loss)
    {
        string kind = loss.Kind switch
        {
            LossKind.SequenceGap => "sequence_gap",
            LossKind.RingOverrun => "ring_overrun",
            _ => "link_down",
        };
        WriteLoss(kind, loss.FirstClock, loss.EndClock, loss.Frames, loss.ToString());
    }

    private void WriteLoss(string kind, ulong first, ulong end, long frames, string detail)
    {
        var line = new JsonObject
        {
            ["kind"] = kind,
            ["first_sample"] = first,
            ["end_sample"] = end,
            ["frames"] = frames,
            ["detail"] = detail,
        };
        _losses.WriteLine(line.ToJsonString());
        Interlocked.Increment(ref _lossCount);
    }

    private void DrainStimulation()
    {
        long dropped;
        lock (_stimGate)
        {
            dropped = _stimDropped;
            _stimDropped = 0;
        }

        if (dropped > 0)
        {
            WriteLoss("stimulation_records_dropped", 0, 0, 0, $"{dropped} stimulation events came faster than they could be written and were not recorded");
        }

        while (true)
        {
            (long Sample, int Program, int Channel) e;
            lock (_stimGate)
            {
                if (_stimCount == 0)
                {
                    return;
                }

                e = _stimQueue[_stimHead];
                _stimHead = (_stimHead + 1) % _stimQueue.Length;
                _stimCount--;
            }

            _stimSamples.Append(e.Sample);
            _stimTimes.Append(e.Sample / _source.SampleRateHz);
            _stimPrograms.Append(e.Program);
            _stimChannels.Append(e.Channel);
            Interlocked.Increment(ref _stimWritten);
        }
    }

    private void FlushAll()
    {
        _dat.Flush();
        _losses.Flush();
        foreach (INpyFile npy in _npy)
        {
            npy.Flush();
        }
    }

    private void WriteStructure()
    {
        var channels = new JsonArray();
        for (int c = 0; c < _source.Channels; c++)
        {
            channels.Add(new JsonObject
            {
                ["channel_name"] = $"CH{c + 1}",
                ["description"] = "headstage data channel",
                ["identifier"] = "genericdata.continuous",
                ["history"] = "Neurolink recorder",
                ["bit_volts"] = _source.RawScaleNv / 1000,
                ["units"] = "uV",
            });
        }

        var structure = new JsonObject
        {
            ["GUI version"] = "0.6.7",
            ["continuous"] = new JsonArray
            {
                new JsonObject
                {
                    ["folder_name"] = Stream + "/",
                    ["sample_rate"] = _source.SampleRateHz,
                    ["source_processor_name"] = "Neurolink",
                    ["source_processor_id"] = 100,
                    ["stream_name"] = "raw",
                    ["recorded_processor"] = "Neurolink",
                    ["recorded_processor_id"] = 100,
                    ["num_channels"] = _source.Channels,
                    ["channels"] = channels,
                },
            },
            ["events"] = new JsonArray(),
            ["spikes"] = new JsonArray(),
            ["neurolink"] = new JsonObject
            {
                ["device"] = _source.Device,
                ["losses"] = "losses.jsonl",
                ["spike_events"] = "events/Neurolink-100.spike_events/",
                ["stimulation"] = "events/Neurolink-100.stimulation/",
            },
        };
        File.WriteAllText(Path.Combine(_dir, "structure.oebin"), structure.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
