using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neurolink.Learning;
using Neurolink.Transport;

namespace Neurolink.Cli;

/// <summary><c>neurolink learn</c>: co-learning tasks, the mass learning with local rules alongside the tissue.</summary>
public static class LearnCommand
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Builds the verb.</summary>
    public static Command Build() => new("learn", "Co-learning: the simulated mass learns alongside the tissue, with local rules only") { Decode(), Drive() };

    private static Command Decode()
    {
        var defaults = new DecodeOptions();
        EPropOptions mass = defaults.Network;
        var device = new Option<string>("--device") { Description = "The headstage: the built-in emulator, which gives the cue (emu://?channels=96; add clock=virtual to run faster than real time)", DefaultValueFactory = _ => defaults.Device };
        var backend = new Option<string>("--backend") { Description = Mass.Gpu.Backends.Help, DefaultValueFactory = _ => defaults.Backend };
        var seconds = new Option<double>("--seconds") { Description = "Calibration, s of simulated time: the mass learns with the cue known", DefaultValueFactory = _ => defaults.Seconds };
        var testSeconds = new Option<double>("--test-seconds") { Description = "Held-out time after it, s: both decoders are scored here", DefaultValueFactory = _ => defaults.TestSeconds };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the mass, and of the emulator when --device names none", DefaultValueFactory = _ => defaults.Seed };
        var hidden = new Option<int>("--hidden") { Description = "Hidden (recurrent) neurons of the mass", DefaultValueFactory = _ => mass.Hidden };
        var readoutRate = new Option<double>("--readout-rate") { Description = "Learning rate of the output neurons' synapses (delta rule), per synapse times their number", DefaultValueFactory = _ => mass.ReadoutRate };
        var hiddenRate = new Option<double>("--hidden-rate") { Description = "Learning rate of the hidden neurons' synapses (e-prop); 0 freezes them", DefaultValueFactory = _ => mass.HiddenRate };
        var annealing = new Option<double>("--annealing") { Description = "Learning time, s, over which the learning rates fall to half (rate x T / (T + t)); 0 keeps them constant", DefaultValueFactory = _ => mass.AnnealingSeconds };
        var readout = new Option<string>("--readout") { Description = "What the output neurons read: all (input and hidden neurons) or hidden (the hidden ones only)", DefaultValueFactory = _ => "all" };
        var shuffled = new Option<bool>("--shuffled") { Description = "The control: the learning signal from an unrelated trajectory of the same kind instead of the cue (the score must stay at chance)" };
        (Option<FileInfo?> json, Option<FileInfo?> svg, Option<bool> quiet) = Outputs("learn-decode.svg");
        var command = new Command("decode", "Learn to report the 2-D signal the tissue encodes (e-prop with random feedback, delta rule on the outputs) and compare with the least-squares decoder")
        {
            device, backend, seconds, testSeconds, seed, hidden, readoutRate, hiddenRate, annealing, readout, shuffled, json, svg, quiet,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new DecodeOptions
            {
                Device = result.GetValue(device)!,
                Backend = result.GetValue(backend)!,
                Seconds = result.GetValue(seconds),
                TestSeconds = result.GetValue(testSeconds),
                Seed = result.GetValue(seed),
                Shuffled = result.GetValue(shuffled),
                Network = mass with { Hidden = result.GetValue(hidden), ReadoutRate = result.GetValue(readoutRate), HiddenRate = result.GetValue(hiddenRate), AnnealingSeconds = result.GetValue(annealing), ReadoutFromInputs = result.GetValue(readout) != "hidden" },
            };
            IReadOnlyList<string> problems = options.Problems();
            if (problems.Count > 0)
            {
                return Program.Fail("learn decode: " + string.Join("; ", problems));
            }

            bool print = !result.GetValue(quiet);
            var task = new DecodeTask(options)
            {
                Progress = print ? (t, phase, r2, rate) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,6:0} s  {phase,-11}  R^2 (last 5 s) {r2,7:0.000}  hidden {rate,5:0.0} Hz")) : null,
            };
            DecodeResult outcome;
            try
            {
                outcome = await Task.Run(() => task.Run(cancellationToken), cancellationToken);
            }
            catch (Exception e) when (e is TransportException or InvalidOperationException or NotSupportedException)
            {
                return Program.Fail("learn decode: " + e.Message);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out R^2: mass {outcome.FinalR2:0.000}, least squares {outcome.LsqR2:0.000} (counts smoothed {outcome.LsqSmoothingMs} ms); ratio {outcome.Ratio:0.000} after {outcome.CalibrationSeconds} s of learning; {outcome.LostFrames} frames lost; {outcome.WallSeconds} s wall ({outcome.Backend})"));
            if (outcome.FramesWithoutCue > 0)
            {
                Console.WriteLine($"{outcome.FramesWithoutCue} frames had no cue: they were neither learnt from nor scored");
            }

            string picture = CurveSvg.Draw(
                $"learn decode{(outcome.Shuffled ? " (shuffled control)" : "")}: held-out R^2 of the mass as it learnt", "held-out R^2", outcome.Curve,
                [("least squares (held-out)", outcome.LsqR2), ("90 % of it", 0.9 * outcome.LsqR2)]);
            return await Write(outcome, picture, result.GetValue(svg)!, result.GetValue(json), print, cancellationToken);
        });
        return command;
    }

    private static Command Drive()
    {
        var defaults = new DriveOptions();
        var device = new Option<string>("--device") { Description = "The headstage, in real time (emu://?channels=64, the built-in emulator; tcp://, serial://, usb://); add clock=lockstep to run the emulator in step with the loop, faster than real time", DefaultValueFactory = _ => defaults.Device };
        var backend = new Option<string>("--backend") { Description = Mass.Gpu.Backends.Help, DefaultValueFactory = _ => defaults.Backend };
        var seconds = new Option<double>("--seconds") { Description = "Simulated time, s", DefaultValueFactory = _ => defaults.Seconds };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the emulated tissue (unless the device URI gives one) and of the control's shuffle", DefaultValueFactory = _ => defaults.Seed };
        var programs = new Option<int>("--programs") { Description = "Stimulation programs to choose from, one electrode each, spread over the channels", DefaultValueFactory = _ => defaults.Programs };
        var amplitude = new Option<double>("--amplitude-ua") { Description = "Amplitude of each phase, uA", DefaultValueFactory = _ => defaults.AmplitudeUa };
        var refractory = new Option<double>("--refractory-ms") { Description = "Shortest time between two pulses of one program, ms (each electrode's rate limit)", DefaultValueFactory = _ => defaults.RefractoryMs };
        var raise = new Option<string?>("--raise") { Description = "Channels to raise, comma-separated (default: the channel of program 2)" };
        var silence = new Option<string?>("--silence") { Description = "Channels to keep at their spontaneous rate, comma-separated (default: the channel of program 5)" };
        var raiseFactor = new Option<double>("--raise-factor") { Description = "The target: the raised channels at least this many times their spontaneous rate", DefaultValueFactory = _ => defaults.RaiseFactor };
        var silenceFactor = new Option<double>("--silence-factor") { Description = "The target: the silenced channels at most this many times their spontaneous rate", DefaultValueFactory = _ => defaults.SilenceFactor };
        var explore = new Option<double>("--exploration-weight") { Description = "Weight of the fixed synapses that make the output neurons fire before learning", DefaultValueFactory = _ => defaults.ExplorationWeight };
        var gain = new Option<double>("--reward-gain") { Description = "Dopamine per unit of reward", DefaultValueFactory = _ => defaults.RewardGain };
        var maxWeight = new Option<double>("--max-weight") { Description = "The most a plastic synapse onto an output neuron can weigh", DefaultValueFactory = _ => defaults.MaxWeight };
        var depression = new Option<double>("--depression") { Description = "The STDP window's depression as a share of its potentiation (0: potentiation only)", DefaultValueFactory = _ => defaults.Depression };
        var lateral = new Option<double>("--lateral-inhibition") { Description = "Inhibition between the output neurons, weight of each spike onto the others (0: none)", DefaultValueFactory = _ => defaults.LateralInhibition };
        var shuffled = new Option<bool>("--shuffled") { Description = "The control: rewards shuffled against the pulses (the target must not be reached)" };
        (Option<FileInfo?> json, Option<FileInfo?> svg, Option<bool> quiet) = Outputs("learn-drive.svg");
        var command = new Command("drive", "Learn which stimulation raises one group of channels and leaves another at its spontaneous rate: reward-modulated STDP on output neurons that each drive an electrode, the reward from the recorded response")
        {
            device, backend, seconds, seed, programs, amplitude, refractory, raise, silence, raiseFactor, silenceFactor, explore, gain, maxWeight, depression, lateral, shuffled, json, svg, quiet,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            IReadOnlyList<int>? raised = Channels(result.GetValue(raise), out string? badRaise), silenced = Channels(result.GetValue(silence), out string? badSilence);
            if ((badRaise ?? badSilence) is { } bad)
            {
                return Program.Fail($"learn drive: {bad}");
            }

            var options = new DriveOptions
            {
                Device = result.GetValue(device)!,
                Backend = result.GetValue(backend)!,
                Seconds = result.GetValue(seconds),
                Seed = result.GetValue(seed),
                Programs = result.GetValue(programs),
                AmplitudeUa = result.GetValue(amplitude),
                RefractoryMs = result.GetValue(refractory),
                Raise = raised,
                Silence = silenced,
                RaiseFactor = result.GetValue(raiseFactor),
                SilenceFactor = result.GetValue(silenceFactor),
                RewardGain = result.GetValue(gain),
                ExplorationWeight = result.GetValue(explore),
                MaxWeight = result.GetValue(maxWeight),
                Depression = result.GetValue(depression),
                LateralInhibition = result.GetValue(lateral),
                Shuffled = result.GetValue(shuffled),
            };
            IReadOnlyList<string> problems = options.Problems();
            if (problems.Count > 0)
            {
                return Program.Fail("learn drive: " + string.Join("; ", problems));
            }

            bool print = !result.GetValue(quiet);
            var task = new DriveTask(options)
            {
                Progress = print ? (t, r, up, down, rate) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,6:0} s  reward/pulse {r,6:0.00}  raised x{up,5:0.00}  silenced x{down,5:0.00}  {rate,5:0.0} pulses/s")) : null,
            };
            DriveResult outcome;
            try
            {
                outcome = await Task.Run(() => task.Run(cancellationToken), cancellationToken);
            }
            catch (Exception e) when (e is TransportException or InvalidOperationException or ArgumentException or NotSupportedException)
            {
                return Program.Fail("learn drive: " + e.Message);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"target (channels {string.Join(',', outcome.Raise)} x{options.RaiseFactor} or more, {string.Join(',', outcome.Silence)} x{options.SilenceFactor} or less over {options.WindowSeconds} s): {(outcome.ReachedTargetAtSeconds is { } at ? $"reached at {at} s and held to the end" : outcome.FirstMetSeconds is { } first ? $"not held (met by chance at {first} s, lost again)" : "not reached")}; last window x{outcome.RaiseRatio:0.00} / x{outcome.SilenceRatio:0.00}; pulses by program {string.Join(' ', outcome.PulsesLastWindow)}; {outcome.StimSent} sent, {outcome.StimRefused} refused; {outcome.LostFrames} frames lost; {outcome.WallSeconds} s wall"));
            string picture = CurveSvg.Draw(
                $"learn drive{(outcome.Shuffled ? " (shuffled control)" : "")}: firing over the last 10 s / spontaneous", "x spontaneous rate",
                [("raised channels", outcome.RaiseCurve), ("silenced channels", outcome.SilenceCurve)],
                [("raise to", options.RaiseFactor), ("keep under", options.SilenceFactor)]);
            return await Write(outcome, picture, result.GetValue(svg)!, result.GetValue(json), print, cancellationToken);
        });
        return command;
    }

    /// <summary>What every task writes: the result as JSON (when asked), the learning curve's picture, progress lines.</summary>
    private static (Option<FileInfo?> Json, Option<FileInfo?> Svg, Option<bool> Quiet) Outputs(string picture) =>
        (new Option<FileInfo?>("--json") { Description = "Write the result (with the learning curve) to this file" },
         new Option<FileInfo?>("--svg") { Description = $"Draw the learning curve into this SVG file (default: {picture})", DefaultValueFactory = _ => new FileInfo(picture) },
         new Option<bool>("--quiet") { Description = "No progress lines" });

    /// <summary>Writes the learning curve's picture and, when asked, the result as JSON.</summary>
    private static async Task<int> Write<T>(T outcome, string svg, FileInfo picture, FileInfo? json, bool print, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(picture.FullName, svg, cancellationToken);
        if (print)
        {
            Console.WriteLine($"learning curve: {picture.FullName}");
        }

        if (json is not null)
        {
            await File.WriteAllTextAsync(json.FullName, JsonSerializer.Serialize(outcome, s_json) + "\n", cancellationToken);
        }

        return 0;
    }

    private static List<int>? Channels(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var channels = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int c))
            {
                problem = $"'{text}' is not a list of channels: write them as 3,4,5";
                return null;
            }

            channels.Add(c);
        }

        return channels;
    }
}
