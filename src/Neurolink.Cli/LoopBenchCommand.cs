using System.CommandLine;
using System.Globalization;
using Neurolink.Host;
using Neurolink.Mass.Gpu;

namespace Neurolink.Cli;

/// <summary><c>neurolink bench loop</c>: the closed-loop benchmark.</summary>
public static class LoopBenchCommand
{
    /// <summary>Each setting the verb sets, by its configuration key, and the option that gives it.</summary>
    private static readonly (string Key, string Option)[] s_options =
    [
        ("Neurolink:Device", "--device/--channels"), ("Neurolink:Neurons", "--neurons"), ("Neurolink:Backend", "--backend"), ("Neurolink:DtMs", "--dt"),
        ("Neurolink:Threads", "--threads"), ("Neurolink:RealtimePriority", "--realtime"), ("Neurolink:PollMicroseconds", "--poll-us"), ("Neurolink:LoopCpu", "--cpu"),
        ("Neurolink:LoopThread", "--loop-thread"),
    ];

    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var channels = new Option<int>("--channels") { Description = "Headstage channels (of the built-in emulator)", DefaultValueFactory = _ => 1024 };
        var neurons = new Option<int>("--neurons") { Description = "Neurons of the loop network", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<double>("--seconds") { Description = "Wall seconds to run the loop", DefaultValueFactory = _ => 60 };
        var device = new Option<string?>("--device") { Description = "Another device instead of the in-process emulator: tcp://..., serial://... (--channels is then the device's)" };
        var backend = new Option<string>("--backend") { Description = Backends.Help, DefaultValueFactory = _ => "cpu" };
        var dt = new Option<double>("--dt") { Description = "Time step of the loop network, ms: 1 (one step per frame) or 0.5, 0.25, 0.2, 0.1", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "CPU backend threads (0: automatic)", DefaultValueFactory = _ => 0 };
        var realtime = new Option<int>("--realtime") { Description = "SCHED_FIFO priority of the reader and loop threads (Linux, root or CAP_SYS_NICE); 0: off", DefaultValueFactory = _ => 0 };
        var poll = new Option<int>("--poll-us") { Description = "Microseconds the loop thread polls for the next frame before blocking (0: blocks at once); with --loop-thread own", DefaultValueFactory = _ => 0 };
        var cpu = new Option<string>("--cpu") { Description = "CPU the reader and loop threads are pinned to, together (Linux): auto (the last one this process may use), off, or a number", DefaultValueFactory = _ => NeurolinkOptions.CommandLoopCpu };
        var thread = new Option<string>("--loop-thread") { Description = "Where the frames run: reader (on the thread that read them, no hand-over) or own (the loop's own thread, woken for each frame)", DefaultValueFactory = _ => "reader" };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the summary to this file" };
        var loop = new Command("loop", "Run the closed loop against a device (the in-process emulator by default) and report losses, deadline misses and loop latency")
        {
            channels, neurons, seconds, device, backend, dt, threads, realtime, poll, cpu, thread, json,
        };
        loop.SetAction(async (result, cancellationToken) =>
        {
            double s = result.GetValue(seconds);
            if (s is <= 0 or > 86_400)
            {
                return Program.Fail($"--seconds {s.ToString(CultureInfo.InvariantCulture)} is out of range: give more than 0 and at most 86400");
            }

            var options = new NeurolinkOptions
            {
                Device = result.GetValue(device) ?? $"emu://?channels={result.GetValue(channels)}",
                Neurons = result.GetValue(neurons),
                Backend = result.GetValue(backend)!,
                DtMs = result.GetValue(dt),
                Threads = result.GetValue(threads),
                RealtimePriority = result.GetValue(realtime),
                PollMicroseconds = result.GetValue(poll),
                LoopCpu = result.GetValue(cpu)!,
                LoopThread = result.GetValue(thread)!,
                StatusIntervalMs = 0,
            };
            IReadOnlyList<string> problems = options.Problems();
            if (problems.Count > 0)
            {
                // The settings' problems name their configuration keys; here they came from options.
                string text = string.Join(Environment.NewLine, problems);
                foreach ((string key, string option) in s_options)
                {
                    text = text.Replace(key, option, StringComparison.Ordinal);
                }

                return Program.Fail(text);
            }

            using var runner = new LoopRunner(options);
            try
            {
                runner.Start();
            }
            catch (Exception e) when (e is Transport.TransportException or Device.DeviceException or NotSupportedException or IOException)
            {
                return Program.Fail($"the closed loop could not start: {e.Message}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(s), cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            runner.Stop();
            LoopSummary summary = runner.Summary();
            Console.WriteLine(RunCommand.Describe(summary));
            if (result.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, summary.ToJson() + Environment.NewLine, CancellationToken.None);
            }

            return summary.Fault is null ? 0 : ClosedLoopService.LoopFaultExitCode;
        });
        return loop;
    }
}
