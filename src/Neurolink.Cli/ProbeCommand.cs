using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Emulator;
using Neurolink.Host;
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
        ITransport? first = opener.Open(uri);
        (AcquisitionSession soaked, _) = Soak.Run(
            () =>
            {
                // The first link is the one just opened; a reconnection opens the device again.
                ITransport link = first ?? opener.Open(uri);
                first = null;
                return link;
            },
            seconds,
            cancellationToken: cancellationToken);
        using AcquisitionSession session = soaked;
        AcquisitionCounters c = session.Counters;
        Capabilities caps = session.Capabilities!;
        double drift = session.Clock?.DriftPpm ?? double.NaN;
        var report = new Dictionary<string, object?>
        {
            ["device"] = uri.Text,
            ["serial"] = caps.SerialNumber,
            ["channels"] = caps.ChannelCount,
            ["frames"] = c.FramesReceived,
            ["data_frames"] = c.Frames,
            ["bytes"] = c.Bytes,
            ["lost_frames"] = c.FramesLost,
            ["crc_errors"] = c.CrcErrors,
            ["resync_bytes"] = c.ResyncBytes,
            ["device_gaps"] = c.DeviceLostFrames,
            ["device_dropped_frames"] = c.DeviceDroppedFrames,
            ["ring_overruns"] = c.RingOverrunFrames,
            ["reconnects"] = c.Reconnects,
            ["link_down_samples"] = c.LinkDownSamples,
            ["clock_drift_ppm"] = double.IsNaN(drift) ? null : Math.Round(drift, 1),
            ["rtt_us"] = new Dictionary<string, double?>
            {
                ["p50"] = Round(session.RoundTripMicroseconds(0.5)),
                ["p99"] = Round(session.RoundTripMicroseconds(0.99)),
            },
        };
        if (opener.Emulator is { } emulator)
        {
            report["truth"] = Truth(emulator);
        }

        return report;
    }

    private static double? Round(double value) => double.IsNaN(value) ? null : Math.Round(value, 1);

    /// <summary>The emulator's side of the same keys, from its ground truth.</summary>
    private static Dictionary<string, object?> Truth(HeadstageEmulator emulator)
    {
        InjectedFault[] faults = emulator.Truth.Faults();
        static bool Data(InjectedFault f) => StreamAddress.KindOf(f.Stream) is StreamKind.Raw or StreamKind.Events or StreamKind.Counts;
        int drops = faults.Count(f => f.Kind == "drop" && Data(f));
        int corrupted = faults.Where(f => f.Kind is "bitflip" or "truncate" or "dropbyte" && Data(f)).Select(f => (f.Stream, f.Sequence)).Distinct().Count();
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
