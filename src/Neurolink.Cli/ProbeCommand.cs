using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Neurolink.Device;
using Neurolink.Emulator;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Cli;

/// <summary>
/// <c>neurolink probe URI</c>: handshake, capabilities, then acquisition for a while with PINGs,
/// and a report of what arrived and what was lost (and, for emu://, the emulator's ground truth).
/// </summary>
public static class ProbeCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var uri = new Argument<string>("uri") { Description = "Device URI: emu://?channels=256, tcp://127.0.0.1:7300, serial:///dev/ttyACM0, usb://VID:PID" };
        var seconds = new Option<double>("--seconds") { Description = "How long to acquire, seconds", DefaultValueFactory = _ => 5 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the report to this file" };
        var probe = new Command("probe", "Handshake with a device, acquire, and report frames, losses, clock drift and round-trip time") { uri, seconds, json };
        probe.SetAction(async (result, cancellationToken) =>
        {
            if (!DeviceUri.TryParse(result.GetValue(uri), out DeviceUri? device, out string? problem))
            {
                return Program.Fail(problem!);
            }

            double s = result.GetValue(seconds);
            if (s is <= 0 or > 86_400)
            {
                return Program.Fail($"--seconds {s.ToString(CultureInfo.InvariantCulture)} is out of range: give 0 to 86400");
            }

            try
            {
                Dictionary<string, object?> report = Run(device!, s, cancellationToken);
                string line = JsonSerializer.Serialize(report);
                Console.WriteLine(line);
                if (result.GetValue(json) is { } file)
                {
                    await File.WriteAllTextAsync(file.FullName, line + "\n", cancellationToken);
                }

                return 0;
            }
            catch (Exception e) when (e is TransportException or DeviceException or TransportClosedException or FormatException)
            {
                return Program.Fail(e.Message);
            }
        });
        return probe;
    }

    /// <summary>Probes a device and returns the report.</summary>
    public static Dictionary<string, object?> Run(DeviceUri uri, double seconds, CancellationToken cancellationToken)
    {
        using var opener = new DeviceOpener();
        using var driver = new HeadstageDriver(opener.Open(uri));
        long deviceGaps = 0;
        driver.DataFrame = (in Frame f, long receivedAt) =>
        {
            if (f.Type == FrameType.Gap && Gap.TryRead(f.Payload, out Gap gap, out _))
            {
                Interlocked.Add(ref deviceGaps, gap.LostFrames);
            }
        };

        Capabilities caps = driver.Connect();
        uint rate = driver.ReadRegister((uint)Register.SampleRateHz);
        var sync = new ClockSync(rate);
        var rtts = new List<double>();
        driver.Start(StreamMask.Raw | StreamMask.Events | StreamMask.Counts);
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed.TotalSeconds < seconds && !cancellationToken.IsCancellationRequested && !driver.LinkClosed)
        {
            PingResult ping = driver.Ping();
            rtts.Add(ping.RoundTrip.TotalMicroseconds);
            sync.Add(ping.HostSeconds, ping.DeviceClock);
            cancellationToken.WaitHandle.WaitOne(10);
        }

        driver.Stop();
        DeframerCounters c = driver.Counters;
        rtts.Sort();
        var report = new Dictionary<string, object?>
        {
            ["device"] = uri.Text,
            ["serial"] = caps.SerialNumber,
            ["channels"] = caps.ChannelCount,
            ["frames"] = c.Frames,
            ["bytes"] = c.BytesReceived,
            ["lost_frames"] = c.FramesLost,
            ["crc_errors"] = c.HeaderCrcErrors + c.FrameCrcErrors,
            ["resync_bytes"] = c.DiscardedBytes,
            ["device_gaps"] = Interlocked.Read(ref deviceGaps),
            ["clock_drift_ppm"] = double.IsNaN(sync.DriftPpm) ? null : Math.Round(sync.DriftPpm, 1),
            ["rtt_us"] = new Dictionary<string, double>
            {
                ["p50"] = rtts.Count == 0 ? 0 : Math.Round(rtts[rtts.Count / 2], 1),
                ["p99"] = rtts.Count == 0 ? 0 : Math.Round(rtts[Math.Min(rtts.Count - 1, rtts.Count * 99 / 100)], 1),
            },
        };
        if (opener.Emulator is { } emulator)
        {
            report["truth"] = Truth(emulator);
        }

        return report;
    }

    /// <summary>The emulator's side of the same keys, from its ground truth.</summary>
    private static Dictionary<string, object?> Truth(HeadstageEmulator emulator)
    {
        InjectedFault[] faults = emulator.Truth.Faults();
        int drops = faults.Count(f => f.Kind == "drop");
        int corrupted = faults.Where(f => f.Kind is "bitflip" or "truncate" or "dropbyte").Select(f => (f.Stream, f.Sequence)).Distinct().Count();
        return new Dictionary<string, object?>
        {
            ["frames_sent"] = emulator.Truth.FramesSent,
            ["lost_frames"] = drops,
            ["corrupted_frames"] = corrupted,
            ["device_gaps"] = emulator.Truth.FifoDroppedFrames,
            ["clock_drift_ppm"] = faults.FirstOrDefault(f => f.Kind == "drift").Detail,
        };
    }
}
