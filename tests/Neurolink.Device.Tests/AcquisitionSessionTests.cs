using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Neurolink.Device.Acquisition;
using Neurolink.Emulator;
using Neurolink.Emulator.Faults;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Device.Tests;

/// <summary>The acquisition session against the emulator: accounting, faults, reconnection, slow consumers, clock sync, metrics.</summary>
public sealed class AcquisitionSessionTests : IDisposable
{
    private static readonly HashSet<ushort> DataStreams = [StreamAddress.Of(StreamKind.Raw), StreamAddress.Of(StreamKind.Events), StreamAddress.Of(StreamKind.Counts)];
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }

    private (HeadstageEmulator Emulator, InProcessConnector Connector) Emulate(string faults = "", EmulatorClock clock = EmulatorClock.Virtual, int channels = 64)
    {
        var (emulator, connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions
        {
            Channels = channels, Seed = 5, Tissue = new() { Neurons = 800 }, Faults = FaultPlan.Parse(faults), Clock = clock,
        });
        _owned.Add(connector);
        _owned.Add(emulator);
        return (emulator, connector);
    }

    /// <summary>What a consumer saw: the frames of each connection, and the loss records.</summary>
    private sealed class Seen
    {
        public List<List<(ushort Stream, uint Sequence)>> Connections { get; } = [[]];

        public List<LossRecord> Losses { get; } = [];

        public List<string> Damaged { get; } = [];

        public int Frames => Connections.Sum(c => c.Count);

        public void Take(RingConsumer consumer)
        {
            while (consumer.TryRead(out RingItem item))
            {
                if (item.Kind == RingItemKind.Loss)
                {
                    Losses.Add(item.Loss);
                    if (item.Loss.Kind == LossKind.LinkDown)
                    {
                        Connections.Add([]);
                    }

                    continue;
                }

                Frame f = item.Frame;
                Connections[^1].Add((f.Header.Stream, f.Header.Sequence));

                // Checked again here, independently of the deframer: the trailer CRC and the payload.
                ReadOnlySpan<byte> b = f.Bytes;
                bool crc = Crc32C.Compute(b[..^4]) == BinaryPrimitives.ReadUInt32LittleEndian(b[^4..]);
                if (!crc || PayloadText.Describe((byte)f.Type, f.Payload, out _) is null)
                {
                    Damaged.Add($"{f.Type} {f.Header.Sequence}");
                }
            }
        }
    }

    private static void Drain(RingConsumer consumer, Seen seen, Func<bool> until, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!until())
        {
            Assert.True(DateTime.UtcNow < deadline, "the session did not get there in time");
            consumer.WaitForData(TimeSpan.FromMilliseconds(20));
            seen.Take(consumer);
        }
    }

    [Fact]
    public void A_clean_run_delivers_every_frame_in_order_and_counts_nothing_lost()
    {
        var (_, connector) = Emulate();
        using var session = new AcquisitionSession(_ => connector.Connect(), new AcquisitionOptions { PingInterval = TimeSpan.FromMilliseconds(5) });
        using RingConsumer consumer = session.Ring.AddConsumer("test");
        session.Start();
        var seen = new Seen();
        Drain(consumer, seen, () => seen.Frames >= 3000 && session.RoundTripMicroseconds(0.5) > 0);
        session.Stop();
        seen.Take(consumer);

        AcquisitionCounters c = session.Counters;
        Assert.True(c.Lossless, c.ToString());
        Assert.Empty(seen.Losses);
        Assert.Empty(seen.Damaged);
        Assert.Equal(c.Frames, seen.Frames);
        foreach (var stream in seen.Connections[0].GroupBy(f => f.Stream))
        {
            Assert.Equal(Enumerable.Range(0, stream.Count()).Select(i => (uint)i), stream.Select(f => f.Sequence));
        }

        Assert.Equal(LinkState.Ended, session.State);
    }

    [Fact]
    public void Bit_flips_frame_drops_and_disconnects_are_counted_exactly_and_acquisition_resumes_by_itself()
    {
        var (emulator, connector) = Emulate("bitflip:1e-5,drop:1e-4,disconnect-after:7000");
        using var session = new AcquisitionSession(_ => connector.Connect(), new AcquisitionOptions
        {
            ReconnectDelay = TimeSpan.FromMilliseconds(10), PingInterval = TimeSpan.FromMilliseconds(10),
        });
        using RingConsumer consumer = session.Ring.AddConsumer("test");
        session.Start();
        var seen = new Seen();
        Drain(consumer, seen, () => seen.Connections.Count >= 4 && seen.Connections[^1].Count > 1000);
        session.Stop();
        seen.Take(consumer);
        AcquisitionCounters counters = session.Counters;

        // The emulator's record of what it did, cut into connections at each disconnect.
        InjectedFault[] truth = emulator.Truth.Faults();
        var expected = new List<HashSet<(ushort, uint)>> { new() };
        InjectedFault? lastDisconnect = null;
        foreach (InjectedFault f in truth)
        {
            if (f.Kind == "disconnect")
            {
                lastDisconnect = f;
                expected.Add([]);
            }
            else if (f.Kind is "drop" or "bitflip" && DataStreams.Contains(f.Stream))
            {
                // The frame that triggered a disconnect is the last of its connection, even if its damage is recorded after.
                bool ofPrevious = lastDisconnect is { } d && d.Stream == f.Stream && d.Sequence == f.Sequence && d.Clock == f.Clock;
                expected[ofPrevious ? ^2 : ^1].Add((f.Stream, f.Sequence));
            }
        }

        Assert.True(seen.Connections.Count <= expected.Count);
        long missingTotal = 0;
        for (int i = 0; i < seen.Connections.Count; i++)
        {
            var delivered = seen.Connections[i].ToHashSet();
            var last = seen.Connections[i].GroupBy(f => f.Stream).ToDictionary(g => g.Key, g => g.Max(f => f.Sequence));
            var missing = last.SelectMany(kv => Enumerable.Range(0, (int)kv.Value).Select(q => (kv.Key, (uint)q))).Where(k => !delivered.Contains(k)).ToHashSet();
            var faulted = expected[i].Where(k => last.TryGetValue(k.Item1, out uint l) && k.Item2 < l).ToHashSet();
            Assert.True(faulted.SetEquals(missing), $"connection {i}: faulted but delivered [{string.Join(' ', faulted.Except(missing).Take(8))}], missing but not faulted [{string.Join(' ', missing.Except(faulted).Take(8))}]; {session.Counters}; losses {string.Join(' ', seen.Losses.Select(l => l.Kind))}");
            missingTotal += missing.Count;
        }

        Assert.True(missingTotal > 20, $"the faults should have cost frames ({missingTotal})");
        Assert.Equal(missingTotal, counters.FramesLost);
        Assert.Equal(missingTotal, seen.Losses.Where(l => l.Kind == LossKind.SequenceGap).Sum(l => l.Frames));
        Assert.Empty(seen.Damaged);
        Assert.True(counters.CrcErrors > 0);
        Assert.True(seen.Connections.Count - 1 == counters.Reconnects, $"{seen.Connections.Count} connections seen ({string.Join(' ', seen.Connections.Select(c => c.Count))} frames), {counters}; last error: {session.LastError}");
        Assert.Equal(counters.Reconnects, counters.LinkDowns);
        Assert.Equal(counters.Reconnects, seen.Losses.Count(l => l.Kind == LossKind.LinkDown));
        Assert.Equal(counters.Frames, seen.Frames);
    }

    [Fact]
    public void A_lost_START_answer_while_its_data_arrives_keeps_the_connection_and_counts_it()
    {
        // The first link loses every answer from START on (so the check after it fails too),
        // while the data streams, and then closes: that link was a connection, its frames and
        // bytes count, and the session recovers from it as from any link that goes down.
        var (_, connector) = Emulate();
        int opened = 0;
        var first = new List<CutLink>();
        using var session = new AcquisitionSession(
            _ =>
            {
                if (Interlocked.Increment(ref opened) > 1)
                {
                    return connector.Connect();
                }

                var link = new CutLink(connector.Connect(), closeAfterDataFrames: 300, loseAnswersFromStart: true);
                first.Add(link);
                return link;
            },
            new AcquisitionOptions
            {
                ReconnectDelay = TimeSpan.FromMilliseconds(10), PingInterval = TimeSpan.Zero,
                Driver = new HeadstageDriverOptions { RequestTimeout = TimeSpan.FromSeconds(5), Retries = 1 },
            });
        using RingConsumer consumer = session.Ring.AddConsumer("test");
        session.Start();
        var seen = new Seen();
        Drain(consumer, seen, () => seen.Connections.Count >= 2 && seen.Connections[^1].Count > 300);
        session.Stop();
        seen.Take(consumer);
        AcquisitionCounters counters = session.Counters;

        Assert.Equal(300, first.Single().DataFramesPassed);
        Assert.Equal(300, seen.Connections[0].Count);
        Assert.Equal(1, counters.LinkDowns);
        Assert.Equal(1, counters.Reconnects);
        Assert.Equal(counters.Frames, seen.Frames);
        Assert.True(counters.Bytes >= first.Single().BytesPassed, $"{counters.Bytes} bytes counted, the first link alone passed {first.Single().BytesPassed}");
    }

    /// <summary>A link that closes after some data frames and, if asked, drops the device's answers once START is sent.</summary>
    private sealed class CutLink(ITransport inner, int closeAfterDataFrames, bool loseAnswersFromStart) : ITransport
    {
        private readonly Deframer _sent = new(), _received = new();
        private readonly byte[] _buffer = new byte[1 << 16];
        private readonly List<byte> _pending = [];
        private volatile bool _started;

        public int DataFramesPassed { get; private set; }

        public long BytesPassed { get; private set; }

        public string Uri => inner.Uri;

        public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
        {
            _sent.Write(source);
            while (_sent.TryRead(out Frame f))
            {
                _started |= f.Type == FrameType.Start;
            }

            inner.Write(source, cancellationToken);
        }

        public int Read(Span<byte> destination, CancellationToken cancellationToken)
        {
            while (_pending.Count == 0)
            {
                if (DataFramesPassed >= closeAfterDataFrames)
                {
                    return 0; // the link is gone
                }

                int n = inner.Read(_buffer, cancellationToken);
                if (n == 0)
                {
                    return 0;
                }

                _received.Write(_buffer.AsSpan(0, n));
                while (DataFramesPassed < closeAfterDataFrames && _received.TryRead(out Frame f))
                {
                    if (loseAnswersFromStart && _started && f.Type is FrameType.Ack or FrameType.Nack)
                    {
                        continue;
                    }

                    DataFramesPassed += f.Type is FrameType.RawSamples or FrameType.SpikeEvents or FrameType.SpikeCounts ? 1 : 0;
                    _pending.AddRange(f.Bytes);
                }
            }

            int count = Math.Min(destination.Length, _pending.Count);
            for (int i = 0; i < count; i++)
            {
                destination[i] = _pending[i];
            }

            _pending.RemoveRange(0, count);
            BytesPassed += count;
            return count;
        }

        public void Dispose()
        {
            _sent.Dispose();
            _received.Dispose();
            inner.Dispose();
        }
    }

    [Fact]
    public void Reconnection_backs_off_while_the_device_is_away_and_says_why()
    {
        // Only the first link is cut (after 3000 data frames), so no later disconnect can race
        // with the end of the test.
        var (_, connector) = Emulate();
        int opened = 0;
        int refusals = 3;
        using var session = new AcquisitionSession(
            _ =>
            {
                int n = Interlocked.Increment(ref opened);
                if (n > 1 && Interlocked.Decrement(ref refusals) >= 0)
                {
                    throw new TransportException("device emu:// is not there (unplugged)");
                }

                return n == 1 ? new CutLink(connector.Connect(), closeAfterDataFrames: 3000, loseAnswersFromStart: false) : connector.Connect();
            },
            new AcquisitionOptions { ReconnectDelay = TimeSpan.FromMilliseconds(5), PingInterval = TimeSpan.Zero });
        using RingConsumer consumer = session.Ring.AddConsumer("test");
        session.Start();
        var seen = new Seen();
        Drain(consumer, seen, () => seen.Connections.Count >= 2 && seen.Connections[^1].Count > 100);
        session.Stop();

        Assert.Equal(5, opened);
        Assert.Equal(1, session.Counters.Reconnects);
        Assert.Contains("unplugged", session.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_reconnection_a_lost_link_ends_the_session()
    {
        var (_, connector) = Emulate("disconnect-after:500");
        using var session = new AcquisitionSession(_ => connector.Connect(), new AcquisitionOptions { Reconnect = false });
        session.Start();
        Assert.True(SpinWait.SpinUntil(() => session.State == LinkState.Ended, TimeSpan.FromSeconds(30)));
        Assert.Equal(1, session.Counters.LinkDowns);
        Assert.Equal(0, session.Counters.Reconnects);
    }

    [Fact]
    public void A_device_that_cannot_be_opened_fails_start_with_the_reason()
    {
        using var session = new AcquisitionSession(_ => throw new TransportException("device serial:///dev/ttyNONE could not be opened: no such port"));
        var e = Assert.Throws<TransportException>(session.Start);
        Assert.Contains("no such port", e.Message, StringComparison.Ordinal);
        Assert.Equal(LinkState.Ended, session.State);
    }

    [Fact]
    public void A_consumer_too_slow_under_drop_newest_sees_a_record_of_exactly_what_it_missed()
    {
        var (_, connector) = Emulate(channels: 256);
        using var session = new AcquisitionSession(_ => connector.Connect(), new AcquisitionOptions
        {
            Streams = StreamMask.Raw, Ring = new FrameRingOptions { CapacityBytes = 4 << 20, Policy = SlowConsumerPolicy.DropNewest },
        });
        using RingConsumer slow = session.Ring.AddConsumer("slow");
        session.Start();
        Assert.True(SpinWait.SpinUntil(() => session.Counters.RingOverrunFrames > 10, TimeSpan.FromSeconds(30)));

        // Walk the stream: each overrun record sits exactly where its frames are missing.
        long delivered = 0, recorded = 0, pendingRecord = 0, checkedHoles = 0;
        long previous = -1;
        void Walk()
        {
            while (slow.TryRead(out RingItem item))
            {
                if (item.Kind == RingItemKind.Loss)
                {
                    Assert.Equal(LossKind.RingOverrun, item.Loss.Kind);
                    pendingRecord += item.Loss.Frames;
                    recorded += item.Loss.Frames;
                    continue;
                }

                long sequence = item.Frame.Header.Sequence;
                Assert.Equal(previous + 1 + pendingRecord, sequence);
                checkedHoles += pendingRecord > 0 ? 1 : 0;
                pendingRecord = 0;
                previous = sequence;
                delivered++;
            }
        }

        // The consumer catches up once (so frames follow the first hole), then falls behind again.
        Walk();
        long after = session.Counters.Frames;
        Assert.True(SpinWait.SpinUntil(() => session.Counters.Frames > after + 5, TimeSpan.FromSeconds(30)));
        session.Stop();
        Walk();

        AcquisitionCounters c = session.Counters;
        Assert.True(checkedHoles > 0, "at least one hole should have been followed by a frame");
        Assert.Equal(c.RingOverrunFrames, recorded);
        Assert.Equal(c.Frames, delivered);
        Assert.Equal(0, c.FramesLost);
    }

    [Fact]
    public void Clock_drift_is_estimated_from_pings_on_a_paced_device()
    {
        // A large drift, so the test checks the estimator (sign, scale, filtering) and not this
        // machine's scheduling under a parallel test run; the precision is measured in the README.
        var (_, connector) = Emulate("drift-ppm:3000", EmulatorClock.Paced);
        using var session = new AcquisitionSession(_ => connector.Connect(), new AcquisitionOptions { PingInterval = TimeSpan.FromMilliseconds(10) });
        session.Start();
        Thread.Sleep(3000);
        session.Stop();
        Assert.True(session.Clock!.Count > 50);
        Assert.InRange(session.Clock.DriftPpm, 2500, 3500);
    }

    [Fact]
    public void Every_loss_cause_is_published_as_a_metric()
    {
        var (_, connector) = Emulate();
        using var session = new AcquisitionSession(_ => connector.Connect());
        using var metrics = new AcquisitionMetrics(session);
        session.Start();
        Assert.True(SpinWait.SpinUntil(() => session.Counters.Frames > 100, TimeSpan.FromSeconds(30)));
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == AcquisitionMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => values[i.Name] = v);
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => values[i.Name] = v);
        listener.Start();
        listener.RecordObservableInstruments();
        session.Stop();

        Assert.True(values["neurolink.acquisition.frames"] > 100);
        foreach (string name in new[] { "link.frames_lost", "link.crc_errors", "link.resync_bytes", "device.gap_frames", "device.dropped_frames", "ring.overrun_frames", "link.reconnects", "link.down_samples" })
        {
            Assert.Equal(0, values["neurolink." + name]);
        }
    }
}
