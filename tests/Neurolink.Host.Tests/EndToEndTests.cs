using System.Net;
using System.Text.Json;
using Neurolink.Emulator;

namespace Neurolink.Host.Tests;

/// <summary>
/// <c>neurolink run</c> as users run it: a real process, against the in-process emulator, against
/// an emulator served over TCP, and over a pseudo-terminal; SIGTERM mid-run; bad settings.
/// </summary>
[Collection("closed loop")] // one loop at a time: they share two cores with the emulator
public class EndToEndTests
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(90);

    /// <summary>neurolink run against <paramref name="device"/> for 4 s: it exits 0, ran at about 1 kHz and lost nothing; returns its summary.</summary>
    private static Summary RunFourSeconds(string device)
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-run-{Guid.NewGuid():N}.json");
        using var run = new CliProcess("run", "--device", device, "--duration", "4s", "--json", json, "--quiet");
        Assert.Equal(0, run.WaitForExit(Exit));
        Summary s = Summary.Read(json);
        File.Delete(json);
        Assert.True(s.Frames > 2000, $"{s.Frames} frames; stderr:\n{run.Errors}");
        Assert.Equal(0, s.LostFrames);
        return s;
    }

    [Fact]
    public void Run_with_no_device_runs_the_closed_loop_against_the_built_in_emulator_and_writes_the_summary()
    {
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-run-{Guid.NewGuid():N}.json");
        using var run = new CliProcess("run", "--duration", "5s", "--json", json, "--quiet");
        Assert.Equal(0, run.WaitForExit(Exit));
        Summary s = Summary.Read(json);
        Assert.True(s.Frames > 2500, $"{s.Frames} frames in 5 s at 1 kHz; stderr:\n{run.Errors}");
        Assert.Equal(0, s.LostFrames);
        Assert.Equal(0, s.CrcErrors);
        Assert.True(s.StimSent > 0, "the loop sent no stimulation");
        Assert.Equal(0, s.StimRefused);
        Assert.True(s.P50 > 0 && s.P50 <= s.P99 && s.P99 <= s.P999 && s.P999 <= s.Max, $"latency quantiles out of order: {s.P50} {s.P99} {s.P999} {s.Max}");
        Assert.Contains("closed loop:", run.Output, StringComparison.Ordinal);
        File.Delete(json);
    }

    [Fact]
    public void Run_against_an_emulator_served_over_tcp_stimulates_it()
    {
        using var server = new TcpEmulatorServer(new EmulatorOptions { Clock = EmulatorClock.Paced, Seed = 3 }, new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        RunFourSeconds(server.Uri);

        // The ground truth: pulses were delivered on the programs' channels (1024 / 16 apart), and
        // the session ended with stimulation disarmed before acquisition stopped.
        DeliveredPulse[] pulses = server.Emulator.Truth.Pulses();
        Assert.NotEmpty(pulses);
        Assert.All(pulses, p => Assert.Equal(0, p.Channel % 64));
        AssertDisarmedBeforeStop(server.Emulator.Truth);
    }

    [Fact]
    public void Run_over_a_pseudo_terminal_as_a_serial_device()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // openpty is Linux only; CI runs on Linux.
        }

        var terminal = new PseudoTerminal();
        bool served = false;
        using var emulator = new HeadstageEmulator(new EmulatorOptions { Clock = EmulatorClock.Paced }, _ =>
        {
            if (served)
            {
                return null;
            }

            served = true;
            return terminal;
        });
        emulator.Start();
        Summary s = RunFourSeconds(terminal.Uri);
        Assert.Equal(0, s.CrcErrors);
        Assert.True(s.StimSent > 0);
        Assert.NotEmpty(emulator.Truth.Pulses());
    }

    [Fact]
    public void Sigterm_mid_run_disarms_stimulation_before_acquisition_stops_and_still_writes_the_summary()
    {
        using var server = new TcpEmulatorServer(new EmulatorOptions { Clock = EmulatorClock.Paced }, new IPEndPoint(IPAddress.Loopback, 0));
        server.Start();
        string json = Path.Combine(Path.GetTempPath(), $"neurolink-term-{Guid.NewGuid():N}.json");
        using var run = new CliProcess("run", "--device", server.Uri, "--json", json, "--quiet");
        Assert.True(run.WaitForError("closed loop running", TimeSpan.FromSeconds(60)), run.Errors);

        // Wait until the loop has stimulated, so there is something to disarm.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!server.Emulator.Truth.Control().Any(e => e.Command == "STIM_TRIGGER") && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(50);
        }

        run.Terminate();
        Assert.Equal(0, run.WaitForExit(Exit));
        ControlEvent[] control = server.Emulator.Truth.Control();
        Assert.Contains(control, e => e.Command == "STIM_TRIGGER");
        AssertDisarmedBeforeStop(server.Emulator.Truth);
        Summary s = Summary.Read(json);
        Assert.True(s.Frames > 0);
        File.Delete(json);
    }

    [Fact]
    public void Bad_settings_are_refused_with_every_bad_field_named_and_nothing_starts()
    {
        string file = Path.Combine(Path.GetTempPath(), $"neurolink-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{ "Neurolink": { "Devce": "emu://", "Neurons": "many", "Backend": "tpu", "Stimulation": { "AmplitudeUa": -5 } } }""");
        using (var check = new CliProcess("check-config", file))
        {
            Assert.Equal(2, check.WaitForExit(Exit));
            foreach (string field in (string[])["Neurolink:Devce is not a setting", "Neurolink:Neurons", "Neurolink:Backend is \"tpu\"", "Neurolink:Stimulation:AmplitudeUa is -5"])
            {
                Assert.Contains(field, check.Errors, StringComparison.Ordinal);
            }
        }

        using (var run = new CliProcess("run", "--config", file, "--duration", "1s"))
        {
            Assert.Equal(2, run.WaitForExit(Exit));
            Assert.Contains("invalid configuration", run.Errors, StringComparison.Ordinal);
            Assert.Contains("check-config", run.Errors, StringComparison.Ordinal);
            Assert.DoesNotContain("closed loop running", run.Errors, StringComparison.Ordinal);
        }

        File.WriteAllText(file, """{ "Neurolink": { "Device": "emu://?channels=256", "Neurons": 2000, "Stimulation": { "Programs": 4 } } }""");
        using (var check = new CliProcess("check-config", file))
        {
            Assert.Equal(0, check.WaitForExit(Exit));
            Assert.Contains("valid", check.Output, StringComparison.Ordinal);
        }

        File.Delete(file);
    }

    [Fact]
    public void The_sample_settings_file_in_deploy_is_valid()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "deploy", "appsettings.json")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        Assert.NotNull(dir);
        using var check = new CliProcess("check-config", Path.Combine(dir, "deploy", "appsettings.json"));
        Assert.Equal(0, check.WaitForExit(Exit));
    }

    [Fact]
    public void An_unreachable_device_and_an_unknown_option_get_a_clear_error_and_a_non_zero_exit()
    {
        using (var run = new CliProcess("run", "--device", "tcp://127.0.0.1:1", "--duration", "2s"))
        {
            Assert.Equal(2, run.WaitForExit(Exit));
            Assert.Contains("could not start", run.Errors, StringComparison.Ordinal);
            Assert.Contains("127.0.0.1:1", run.Errors, StringComparison.Ordinal);
        }

        using (var run = new CliProcess("run", "--durration", "2s"))
        {
            Assert.NotEqual(0, run.WaitForExit(Exit));
            Assert.Contains("--durration", run.Errors, StringComparison.Ordinal);
        }

        using (var run = new CliProcess("run", "--duration", "soon"))
        {
            Assert.Equal(2, run.WaitForExit(Exit));
            Assert.Contains("--duration soon is not a duration", run.Errors, StringComparison.Ordinal);
        }
    }

    /// <summary>Every STIM_DISARM of the shutdown comes before the STOP that ended acquisition, and no trigger after it.</summary>
    internal static void AssertDisarmedBeforeStop(GroundTruth truth)
    {
        ControlEvent[] control = truth.Control();
        int stop = Array.FindLastIndex(control, e => e.Command == "STOP");
        Assert.True(stop >= 0, "acquisition was never stopped: " + string.Join(", ", control.TakeLast(10)));
        int disarm = Array.FindLastIndex(control, stop, e => e.Command == "STIM_DISARM");
        int trigger = Array.FindLastIndex(control, stop, e => e.Command == "STIM_TRIGGER");
        Assert.True(disarm >= 0, "stimulation was not disarmed before acquisition stopped: " + string.Join(", ", control.TakeLast(10)));
        Assert.True(trigger < disarm, "a trigger came after the disarm: " + string.Join(", ", control.TakeLast(10)));
    }

    private sealed record Summary(long Frames, long LostFrames, long CrcErrors, long StimSent, long StimRefused, double P50, double P99, double P999, double Max)
    {
        public static Summary Read(string path)
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement r = doc.RootElement, l = r.GetProperty("loop_latency_us");
            return new Summary(
                r.GetProperty("frames").GetInt64(), r.GetProperty("lost_frames").GetInt64(), r.GetProperty("crc_errors").GetInt64(),
                r.GetProperty("stim_sent").GetInt64(), r.GetProperty("stim_refused").GetInt64(),
                l.GetProperty("p50").GetDouble(), l.GetProperty("p99").GetDouble(), l.GetProperty("p999").GetDouble(), l.GetProperty("max").GetDouble());
        }
    }
}
