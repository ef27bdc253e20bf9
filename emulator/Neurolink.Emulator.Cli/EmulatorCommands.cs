using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Neurolink.Emulator.Faults;
using Neurolink.Transport;

namespace Neurolink.Emulator.Cli;

/// <summary>The <c>neurolink-emulator</c> command line: serve a headstage over TCP or a pseudo-terminal, or benchmark it.</summary>
public static class EmulatorCommands
{
    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var listen = new Option<string?>("--listen") { Description = "Serve over TCP at this URI (loopback by default): tcp://127.0.0.1:7300" };
        var pty = new Option<bool>("--pty") { Description = "Serve on a new pseudo-terminal and print its serial:///dev/pts/N URI (Linux)" };
        var channels = new Option<int>("--channels") { Description = "Recording channels, 1 to 65535", DefaultValueFactory = _ => 1024 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the tissue, noise and faults", DefaultValueFactory = _ => 1 };
        var geometry = new Option<string>("--geometry") { Description = "grid (32 x 32 Utah-like, 400 um) or shank (Neuropixels-like)", DefaultValueFactory = _ => "grid" };
        geometry.AcceptOnlyFromAmong("grid", "shank");
        var neurons = new Option<int>("--neurons") { Description = "Simulated neurons", DefaultValueFactory = _ => 10_000 };
        var faults = new Option<string?>("--faults") { Description = "Faults to inject, e.g. bitflip:1e-5,drop:1e-4,disconnect-after:50000. Kinds: " + FaultPlan.Syntax };
        var clock = new Option<string>("--clock") { Description = "paced (real time, the default for serving) or virtual (as fast as the host reads)", DefaultValueFactory = _ => "paced" };
        clock.AcceptOnlyFromAmong("paced", "virtual");

        var root = new RootCommand("neurolink-emulator: an emulated Neurolink headstage (SPEC v1) with simulated tissue, served over TCP or a pseudo-terminal");
        foreach (Option option in new Option[] { listen, pty, channels, seed, geometry, neurons, faults, clock })
        {
            root.Options.Add(option);
        }

        root.SetAction(async (result, cancellationToken) =>
        {
            EmulatorOptions options;
            try
            {
                options = new EmulatorOptions
                {
                    Channels = Check(result.GetValue(channels), 1, 65535, "--channels"),
                    Seed = result.GetValue(seed),
                    Geometry = result.GetValue(geometry)!,
                    Tissue = new() { Neurons = Check(result.GetValue(neurons), 1, 1_000_000, "--neurons") },
                    Faults = FaultPlan.Parse(result.GetValue(faults)),
                    Clock = result.GetValue(clock) == "virtual" ? EmulatorClock.Virtual : EmulatorClock.Paced,
                };
            }
            catch (FormatException e)
            {
                return Fail(e.Message);
            }

            string? listenUri = result.GetValue(listen);
            if (result.GetValue(pty))
            {
                return listenUri is null ? await ServePty(options, cancellationToken) : Fail("choose one of --listen and --pty, not both");
            }

            return await ServeTcp(options, listenUri ?? "tcp://127.0.0.1:7300", cancellationToken);
        });

        root.Subcommands.Add(BenchCommand());
        return root;
    }

    private static Command BenchCommand()
    {
        var mode = new Option<string>("--mode") { Description = "raw (30 kHz samples with detection) or spikes (1 ms spike frames only)", Required = true };
        mode.AcceptOnlyFromAmong("raw", "spikes");
        var channels = new Option<int>("--channels") { Description = "Recording channels", DefaultValueFactory = _ => 1024 };
        var seconds = new Option<double>("--seconds") { Description = "Simulated seconds to time", DefaultValueFactory = _ => 10 };
        var neurons = new Option<int>("--neurons") { Description = "Simulated neurons", DefaultValueFactory = _ => 10_000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed", DefaultValueFactory = _ => 1 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the result to this file" };
        var bench = new Command("bench", "Time the emulator on one thread, on the virtual clock: simulated seconds per wall second") { mode, channels, seconds, neurons, seed, json };
        bench.SetAction(async (result, cancellationToken) =>
        {
            double s = result.GetValue(seconds);
            if (s is <= 0 or > 3600)
            {
                return Fail($"--seconds {s.ToString(CultureInfo.InvariantCulture)} is out of range: give 0 to 3600 simulated seconds");
            }

            EmulatorBenchResult r;
            try
            {
                r = EmulatorBench.Run(result.GetValue(mode)!, Check(result.GetValue(channels), 1, 65535, "--channels"), s,
                    result.GetValue(seed), Check(result.GetValue(neurons), 1, 1_000_000, "--neurons"));
            }
            catch (FormatException e)
            {
                return Fail(e.Message);
            }

            string line = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["mode"] = r.Mode,
                ["channels"] = r.Channels,
                ["neurons"] = r.Neurons,
                ["simulated_s"] = r.SimulatedS,
                ["wall_s"] = Math.Round(r.WallS, 4),
                ["realtime_factor"] = Math.Round(r.RealtimeFactor, 2),
                ["frames"] = r.Frames,
                ["bytes"] = r.Bytes,
            });
            Console.WriteLine(line);
            if (result.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, line + "\n", cancellationToken);
            }

            return 0;
        });
        return bench;
    }

    private static async Task<int> ServeTcp(EmulatorOptions options, string uri, CancellationToken cancellationToken)
    {
        if (!TryParseTcp(uri, out IPEndPoint? endpoint, out string? problem))
        {
            return Fail(problem!);
        }

        TcpEmulatorServer server;
        try
        {
            server = new TcpEmulatorServer(options, endpoint!);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return Fail($"cannot listen on {uri}: {e.Message}. Another emulator may be running there; pick another port with --listen tcp://127.0.0.1:PORT");
        }

        using (server)
        {
            server.Start();
            Console.WriteLine(server.Uri);
            await Console.Error.WriteLineAsync($"neurolink-emulator: {options.Channels} channels ({options.Geometry}, seed {options.Seed}, {options.Clock} clock) at {server.Uri}; Ctrl+C stops");
            return await RunUntilCancelled(server.Emulator, cancellationToken);
        }
    }

    private static async Task<int> ServePty(EmulatorOptions options, CancellationToken cancellationToken)
    {
        PseudoTerminal terminal;
        try
        {
            terminal = new PseudoTerminal();
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return Fail(e.Message);
        }

        // One pseudo-terminal for the whole run: a serial port does not reconnect by itself.
        bool served = false;
        using var emulator = new HeadstageEmulator(options, _ =>
        {
            if (served)
            {
                return null;
            }

            served = true;
            return terminal;
        });
        emulator.Start();
        Console.WriteLine(terminal.Uri);
        await Console.Error.WriteLineAsync($"neurolink-emulator: {options.Channels} channels ({options.Geometry}, seed {options.Seed}) on {terminal.Uri}; Ctrl+C stops");
        return await RunUntilCancelled(emulator, cancellationToken);
    }

    private static async Task<int> RunUntilCancelled(HeadstageEmulator emulator, CancellationToken cancellationToken)
    {
        try
        {
            while (emulator.Failure is null)
            {
                await Task.Delay(200, cancellationToken);
            }

            return Fail($"the emulator stopped: {emulator.Failure.Message}");
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    /// <summary>Parses tcp://HOST:PORT where HOST is an IP address or localhost; port 0 picks a free port.</summary>
    public static bool TryParseTcp(string uri, out IPEndPoint? endpoint, out string? problem)
    {
        endpoint = null;
        bool anyPort = uri.EndsWith(":0", StringComparison.Ordinal);
        if (!DeviceUri.TryParse(anyPort ? uri[..^1] + "1" : uri, out DeviceUri? parsed, out problem) || parsed!.Kind != DeviceKind.Tcp)
        {
            problem ??= $"'{uri}' is not a TCP address; write tcp://127.0.0.1:7300";
            return false;
        }

        IPAddress? address = parsed.Host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(parsed.Host, out IPAddress? a) ? a : null;
        if (address is null)
        {
            problem = $"'{parsed.Host}' in {uri} is not an IP address; the emulator listens on an address such as 127.0.0.1";
            return false;
        }

        endpoint = new IPEndPoint(address, anyPort ? 0 : parsed.Port);
        return true;
    }

    private static int Check(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new FormatException($"{name} {value} is out of range: give {min} to {max}");

    private static int Fail(string message)
    {
        Console.Error.WriteLine("neurolink-emulator: " + message);
        return 2;
    }
}
