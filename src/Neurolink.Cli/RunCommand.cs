using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Neurolink.Host;
using Neurolink.Mass.Gpu;

namespace Neurolink.Cli;

/// <summary><c>neurolink run</c>: the closed loop, as a console program or a service (systemd, Windows).</summary>
public static class RunCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var device = new Option<string?>("--device") { Description = "The headstage: emu://?channels=1024 (the built-in emulator, the default), tcp://HOST:PORT, serial:///dev/ttyACM0, usb://VID:PID" };
        var config = new Option<FileInfo?>("--config") { Description = "Settings file (appsettings.json layout, section \"Neurolink\"); default: appsettings.json in the current folder if there is one" };
        var network = new Option<FileInfo?>("--network") { Description = "A network described in JSON (it must name an output population); default: the built-in loop network" };
        var neurons = new Option<int?>("--neurons") { Description = "Neurons of the built-in loop network (default 10000)" };
        var backend = new Option<string?>("--backend") { Description = Backends.Help + "; cpu by default" };
        var duration = new Option<string?>("--duration") { Description = "Stop after this long: 5s, 2m, 1h, or seconds; default: until Ctrl+C or SIGTERM" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the summary to this file as JSON" };
        var noStim = new Option<bool>("--no-stim") { Description = "Run the loop without stimulating (triggers are counted, not sent)" };
        var quiet = new Option<bool>("--quiet") { Description = "No status line" };
        var record = new Option<DirectoryInfo?>("--record") { Description = "Record the session into this directory: raw samples, spike events, stimulation and every loss, in the Open Ephys layout" };
        var probe = new Option<FileInfo?>("--probe") { Description = "A probeinterface JSON file to put beside the recording" };
        var command = new Command("run", "Run the closed loop: headstage spike counts into the simulated mass, its output back as stimulation, every frame, measured")
        {
            device, config, network, neurons, backend, duration, json, noStim, quiet, record, probe,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            TimeSpan? stopAfter = null;
            if (result.GetValue(duration) is { } d)
            {
                if (ParseDuration(d) is not { } parsed)
                {
                    return Program.Fail($"--duration {d} is not a duration: write 5s, 2m, 1h or a number of seconds (more than 0)");
                }

                stopAfter = parsed;
            }

            var overrides = new Dictionary<string, string?>();
            void Set(string key, string? value)
            {
                if (value is not null)
                {
                    overrides[$"{NeurolinkOptions.Section}:{key}"] = value;
                }
            }

            Set("Device", result.GetValue(device));
            Set("Network", result.GetValue(network)?.FullName);
            Set("Neurons", result.GetValue(neurons)?.ToString(CultureInfo.InvariantCulture));
            Set("Backend", result.GetValue(backend));
            Set("Stimulation:Enabled", result.GetValue(noStim) ? "false" : null);
            Set("Record", result.GetValue(record)?.FullName);
            Set("Probe", result.GetValue(probe)?.FullName);
            return await Run(result.GetValue(config), overrides, stopAfter, result.GetValue(json), result.GetValue(quiet), cancellationToken);
        });
        return command;
    }

    /// <summary>Parses 5s, 250ms, 2m, 1h or plain seconds.</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        (string number, double unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1)
            : text.EndsWith('m') ? (text[..^1], 60)
            : text.EndsWith('h') ? (text[..^1], 3600)
            : (text, 1);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && v * unit < 1e7
            ? TimeSpan.FromSeconds(v * unit)
            : null;
    }

    private static async Task<int> Run(FileInfo? config, Dictionary<string, string?> overrides, TimeSpan? stopAfter, FileInfo? json, bool quiet, CancellationToken cancellationToken)
    {
        if (config is not null && !config.Exists)
        {
            return Program.Fail($"--config {config.FullName}: no such file; give the path of a settings file (see README, \"The service\")");
        }

        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = Directory.GetCurrentDirectory(),
            Args = [],
        });
        // The command's own defaults, under every source that may override them.
        builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
        {
            InitialData = [new("Neurolink:LoopCpu", NeurolinkOptions.CommandLoopCpu)],
        });
        if (config is not null)
        {
            builder.Configuration.AddJsonFile(config.FullName, optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (builder.Configuration["Logging:LogLevel:Default"] is null)
        {
            // On the console the status line and the summary say what the logs would; start
            // failures are printed once, as the one-paragraph error below.
            builder.Logging.AddFilter((category, level) =>
                level >= LogLevel.Warning
                && category?.StartsWith("Microsoft", StringComparison.Ordinal) != true
                && !(category == typeof(ClosedLoopService).FullName && level == LogLevel.Critical));
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        try
        {
            builder.AddNeurolink();
        }
        catch (NeurolinkConfigException e)
        {
            return Program.Fail(e.Message + Environment.NewLine + "Fix these settings (in the --config file, NEUROLINK__* environment variables or the options), then run again; `neurolink check-config FILE` checks a file without starting anything.");
        }
        catch (InvalidDataException e)
        {
            return Program.Fail($"the settings file could not be read: {e.Message}");
        }

        using IHost host = builder.Build();
        ClosedLoopService service = host.Services.GetRequiredService<ClosedLoopService>();
        var status = new StatusLine(quiet);
        service.OnStatus = status.Update;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (stopAfter is { } after)
        {
            stop.CancelAfter(after);
        }

        try
        {
            await host.StartAsync(stop.Token);
        }
        catch (NeurolinkStartException e)
        {
            return Program.Fail($"the closed loop could not start: {e.Message}");
        }
        catch (OperationCanceledException)
        {
            return Program.Fail("stopped before the closed loop had started");
        }

        LoopSummary running = service.Runner!.Summary();
        Console.Error.WriteLine($"neurolink: closed loop running: {running.Device}, {running.Channels} channels, {running.Neurons} neurons on {running.Backend}; Ctrl+C stops (stimulation disarmed first)");
        await host.WaitForShutdownAsync(stop.Token); // stops the host (the service's safe order) when the token or a signal ends the run
        status.End();
        LoopSummary? summary = service.Final;
        if (summary is null)
        {
            return Program.Fail("the closed loop stopped without a summary");
        }

        Console.WriteLine(Describe(summary));
        if (json is not null)
        {
            await File.WriteAllTextAsync(json.FullName, summary.ToJson() + Environment.NewLine, CancellationToken.None);
        }

        return summary.Fault is null ? 0 : ClosedLoopService.LoopFaultExitCode;
    }

    /// <summary>The summary in words.</summary>
    internal static string Describe(LoopSummary s) => string.Join(Environment.NewLine,
        $"closed loop: {s.DurationSeconds:0.###} s on {s.Device} ({s.Channels} channels), {s.Neurons} neurons / {s.Synapses} synapses on {s.Backend}, {s.SimulatedSeconds:0.###} s simulated",
        $"  frames {s.Frames}, lost {s.LostFrames}, CRC errors {s.CrcErrors}, deadline misses {s.DeadlineMisses}, link downs {s.LinkDowns}, reconnects {s.Reconnects}",
        $"  loop latency (last byte in to trigger out): p50 {s.LoopLatencyUs.P50} us, p99 {s.LoopLatencyUs.P99} us, p99.9 {s.LoopLatencyUs.P999} us, max {s.LoopLatencyUs.Max} us{(s.LatencyMaxFrame is { } worst ? $" (frame {worst})" : "")}",
        $"  stimulation: {s.StimSent} triggers sent, {s.StimAcknowledged} acknowledged, {s.StimRefused} refused, {s.StimSuppressed} output spikes in refractory",
        $"  rates (Hz): {string.Join(", ", s.RatesHz.Select(r => $"{r.Key} {r.Value}"))}",
        $"  garbage collections: {s.GcCollections}, pausing every thread {s.GcPauseMs} ms in all"
        + (s.Recording is null ? "" : $"{Environment.NewLine}  recorded {s.RecordedSamples} samples into {s.Recording}") + (s.Fault is null ? "" : $"{Environment.NewLine}  FAULT: {s.Fault}"));

    /// <summary>The live status line: on a terminal it rewrites itself; redirected, one line per interval.</summary>
    private sealed class StatusLine(bool quiet)
    {
        private long _frames, _sent;
        private DateTime _at = DateTime.UtcNow;
        private bool _written;

        public void Update(LoopRunner runner, LoopSummary s)
        {
            if (quiet)
            {
                return;
            }

            DateTime now = DateTime.UtcNow;
            double dt = Math.Max(1e-3, (now - _at).TotalSeconds);
            string line = $"{(s.Frames - _frames) / dt:0} frames/s | latency p50 {s.LoopLatencyUs.P50} us p99 {s.LoopLatencyUs.P99} us | lost {s.LostFrames} | misses {s.DeadlineMisses} | "
                + $"Hz {string.Join(" ", s.RatesHz.Select(r => $"{r.Key} {r.Value:0.#}"))} | stim {(s.StimSent - _sent) / dt:0}/s refused {s.StimRefused} | link {runner.Session?.State}";
            (_frames, _sent, _at) = (s.Frames, s.StimSent, now);
            if (Console.IsErrorRedirected)
            {
                Console.Error.WriteLine(line);
            }
            else
            {
                Console.Error.Write("\r" + line.PadRight(Math.Max(0, Console.WindowWidth - 1))[..Math.Max(0, Math.Min(line.Length, Console.WindowWidth - 1))]);
                _written = true;
            }
        }

        public void End()
        {
            if (_written)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
