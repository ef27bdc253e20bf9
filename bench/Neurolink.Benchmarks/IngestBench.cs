using System.Diagnostics;
using System.Net;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Emulator;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Benchmarks;

/// <summary>
/// Sustained ingest, device to consumer: a paced emulator replaying pre-rendered RAW_SAMPLES at
/// 30 kHz (a source that costs a copy), the transport, the driver's reader thread (deframing,
/// CRCs, accounting) and the acquisition ring, read by one consumer thread that touches every
/// frame. Reports losses by cause over the whole run, and the reader's and consumer's CPU and
/// allocations per frame over the measured window (after a warm-up).
/// </summary>
public static class IngestBench
{
    public static Dictionary<string, object?> Run(int channels, double seconds, string transport, double warmup, int fifoBytes)
    {
        var options = new EmulatorOptions
        {
            Channels = channels, Clock = EmulatorClock.Paced, Source = "replay", FifoBytes = fifoBytes,
            Tissue = new() { Neurons = 200 },
        };
        using var server = transport == "tcp" ? new TcpEmulatorServer(options, new IPEndPoint(IPAddress.Loopback, 0)) : null;
        InProcessConnector? connector = null;
        HeadstageEmulator emulator;
        Func<CancellationToken, ITransport> open;
        if (server is not null)
        {
            server.Start();
            emulator = server.Emulator;
            DeviceUri uri = DeviceUri.Parse(server.Uri);
            open = ct => TcpTransport.Connect(uri, TimeSpan.FromSeconds(5), ct);
        }
        else
        {
            (emulator, connector) = HeadstageEmulator.StartInProcess(options);
            open = _ => connector.Connect();
        }

        try
        {
            using var session = new AcquisitionSession(open, new AcquisitionOptions
            {
                Streams = StreamMask.Raw, PingInterval = TimeSpan.FromMilliseconds(100),
                Ring = new FrameRingOptions { CapacityBytes = 64 << 20, Policy = SlowConsumerPolicy.Wait },
            });
            var consumer = new Consumer(session.Ring.AddConsumer("bench"));
            var thread = new Thread(consumer.Run) { Name = "bench-consumer", Priority = ThreadPriority.AboveNormal };
            session.Start();
            thread.Start();

            var warm = Stopwatch.StartNew();
            long lastDrop = 0;
            while (warm.Elapsed.TotalSeconds < warmup)
            {
                Thread.Sleep(20);
                long d = session.Counters.DeviceLostSamples;
                if (d != lastDrop && Environment.GetEnvironmentVariable("INGEST_TRACE") is not null)
                {
                    Console.Error.WriteLine($"t={warm.Elapsed.TotalMilliseconds:0} ms lost samples {d}");
                }

                lastDrop = d;
            }

            HeadstageDriver driver = session.Driver!;
            var process = Process.GetCurrentProcess();
            AcquisitionCounters a = session.Counters;
            (TimeSpan readerCpu0, long readerAlloc0) = (driver.ReaderCpuTime, driver.ReaderAllocatedBytes);
            (TimeSpan consumerCpu0, long consumerAlloc0, long consumed0) = consumer.Snapshot();
            TimeSpan processCpu0 = process.TotalProcessorTime;
            ulong clock0 = emulator.Clock;
            var window = Stopwatch.StartNew();

            Thread.Sleep(TimeSpan.FromSeconds(seconds));

            double wall = window.Elapsed.TotalSeconds;
            process.Refresh();
            AcquisitionCounters b = session.Counters;
            (TimeSpan readerCpu1, long readerAlloc1) = (driver.ReaderCpuTime, driver.ReaderAllocatedBytes);
            (TimeSpan consumerCpu1, long consumerAlloc1, long consumed1) = consumer.Snapshot();
            TimeSpan processCpu1 = process.TotalProcessorTime;
            ulong clock1 = emulator.Clock;
            bool sameDriver = ReferenceEquals(driver, session.Driver);
            session.Stop();
            consumer.Stop();
            thread.Join();

            long frames = b.Frames - a.Frames;
            double samples = (clock1 - clock0) / 30_000.0;
            return new Dictionary<string, object?>
            {
                ["bench"] = "ingest",
                ["transport"] = transport,
                ["channels"] = channels,
                ["sample_rate_hz"] = 30_000,
                ["seconds"] = Math.Round(wall, 2),
                ["device_realtime"] = Math.Round(samples / wall, 3),
                ["frames"] = frames,
                ["frames_consumed"] = consumed1 - consumed0,
                ["mb_s"] = Math.Round((b.Bytes - a.Bytes) / wall / 1e6, 1),
                ["lost_frames"] = b.FramesLost,
                ["crc_errors"] = b.CrcErrors,
                ["resync_bytes"] = b.ResyncBytes,
                ["device_gap_frames"] = b.DeviceGapFrames,
                ["device_lost_samples"] = b.DeviceLostSamples,
                ["device_dropped_frames"] = b.DeviceDroppedFrames,
                ["ring_overrun_frames"] = b.RingOverrunFrames,
                ["ring_wait_s"] = Math.Round(b.RingWaitSeconds, 3),
                ["link_downs"] = b.LinkDowns,
                ["zero_loss"] = b.Lossless && sameDriver,
                ["window_zero_loss"] = sameDriver && b.FramesLost == a.FramesLost && b.CrcErrors == a.CrcErrors &&
                    b.DeviceGapFrames == a.DeviceGapFrames && b.DeviceDroppedFrames == a.DeviceDroppedFrames && b.RingOverrunFrames == a.RingOverrunFrames && b.LinkDowns == a.LinkDowns,
                ["reader_cpu_pct"] = Math.Round(100 * (readerCpu1 - readerCpu0).TotalSeconds / wall, 1),
                ["consumer_cpu_pct"] = Math.Round(100 * (consumerCpu1 - consumerCpu0).TotalSeconds / wall, 1),
                ["process_cpu_pct"] = Math.Round(100 * (processCpu1 - processCpu0).TotalSeconds / wall, 1),
                ["reader_alloc_bytes_per_frame"] = frames == 0 ? null : Math.Round((readerAlloc1 - readerAlloc0) / (double)frames, 3),
                ["consumer_alloc_bytes_per_frame"] = frames == 0 ? null : Math.Round((consumerAlloc1 - consumerAlloc0) / (double)frames, 3),
                ["rtt_us_p50"] = Math.Round(session.RoundTripMicroseconds(0.5), 1),
            };
        }
        finally
        {
            emulator.Dispose();
            connector?.Dispose();
        }
    }

    /// <summary>The consumer: reads every frame as a view and touches its samples' first row.</summary>
    private sealed class Consumer(RingConsumer ring)
    {
        private volatile bool _stop;
        private long _cpuTicks, _allocated, _frames, _checksum;

        public (TimeSpan Cpu, long Allocated, long Frames) Snapshot() =>
            (TimeSpan.FromTicks(Volatile.Read(ref _cpuTicks)), Volatile.Read(ref _allocated), Volatile.Read(ref _frames));

        public void Stop() => _stop = true;

        public void Run()
        {
            long frames = 0, checksum = 0;
            while (!_stop)
            {
                if (ring.WaitForData(TimeSpan.FromMilliseconds(10)))
                {
                    while (ring.TryRead(out RingItem item))
                    {
                        if (item.Kind == RingItemKind.Frame && item.Frame.Type == FrameType.RawSamples && RawSamples.TryRead(item.Frame.Payload, out RawSamples raw, out _))
                        {
                            ReadOnlySpan<short> row = raw.Samples[..raw.ChannelCount];
                            foreach (short s in row)
                            {
                                checksum += s;
                            }

                            frames++;
                        }
                    }
                }

                Volatile.Write(ref _frames, frames);
                Volatile.Write(ref _cpuTicks, ThreadUsage.CurrentThreadCpuTime().Ticks);
                Volatile.Write(ref _allocated, GC.GetAllocatedBytesForCurrentThread());
            }

            _checksum = checksum;
            ring.Dispose();
        }
    }
}
