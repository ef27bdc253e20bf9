using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neurolink.Learning;
using Neurolink.Transport;

namespace Neurolink.Cli;

/// <summary><c>neurolink learn</c>: co-learning tasks, the mass learning with local rules alongside the tissue.</summary>
public static class LearnCommand
{
    private static readonly JsonSerializerOptions s_json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Builds the verb.</summary>
    public static Command Build() => new("learn", "Co-learning: the simulated mass learns alongside the tissue, with local rules only") { Decode() };

    private static Command Decode()
    {
        var device = new Option<string>("--device") { Description = "The headstage: the built-in emulator, which gives the cue (emu://?channels=96; add clock=virtual to run faster than real time)", DefaultValueFactory = _ => "emu://?channels=96" };
        var backend = new Option<string>("--backend") { Description = "cpu (the only backend of the learning mass so far)", DefaultValueFactory = _ => "cpu" };
        var seconds = new Option<double>("--seconds") { Description = "Calibration, s of simulated time: the mass learns with the cue known", DefaultValueFactory = _ => 60 };
        var testSeconds = new Option<double>("--test-seconds") { Description = "Held-out time after it, s: both decoders are scored here", DefaultValueFactory = _ => 20 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the mass, and of the emulator when --device names none", DefaultValueFactory = _ => 1 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden (recurrent) neurons of the mass", DefaultValueFactory = _ => new EPropOptions().Hidden };
        var readoutRate = new Option<double>("--readout-rate") { Description = "Learning rate of the output neurons' synapses (delta rule), per synapse times their number", DefaultValueFactory = _ => new EPropOptions().ReadoutRate };
        var hiddenRate = new Option<double>("--hidden-rate") { Description = "Learning rate of the hidden neurons' synapses (e-prop); 0 freezes them", DefaultValueFactory = _ => new EPropOptions().HiddenRate };
        var annealing = new Option<double>("--annealing") { Description = "Learning time, s, over which the learning rates fall to half (rate x T / (T + t)); 0 keeps them constant", DefaultValueFactory = _ => new EPropOptions().AnnealingSeconds };
        var readout = new Option<string>("--readout") { Description = "What the output neurons read: all (input and hidden neurons) or hidden (the hidden ones only)", DefaultValueFactory = _ => "all" };
        var shuffled = new Option<bool>("--shuffled") { Description = "The control: the learning signal from an unrelated trajectory of the same kind instead of the cue (the score must stay at chance)" };
        var json = new Option<FileInfo?>("--json") { Description = "Write the result (with the learning curve) to this file" };
        var svg = new Option<FileInfo?>("--svg") { Description = "Draw the learning curve into this SVG file (default: learn-decode.svg)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines" };
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
                Network = new EPropOptions { Hidden = result.GetValue(hidden), ReadoutRate = result.GetValue(readoutRate), HiddenRate = result.GetValue(hiddenRate), AnnealingSeconds = result.GetValue(annealing), ReadoutFromInputs = result.GetValue(readout) != "hidden" },
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
            catch (Exception e) when (e is TransportException or InvalidOperationException)
            {
                return Program.Fail("learn decode: " + e.Message);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out R^2: mass {outcome.FinalR2:0.000}, least squares {outcome.LsqR2:0.000} (counts smoothed {outcome.LsqSmoothingMs} ms); ratio {outcome.Ratio:0.000} after {outcome.CalibrationSeconds} s of learning; {outcome.LostFrames} frames lost; {outcome.WallSeconds} s wall"));
            if (outcome.FramesWithoutCue > 0)
            {
                Console.WriteLine($"{outcome.FramesWithoutCue} frames had no cue: they were neither learnt from nor scored");
            }

            FileInfo picture = result.GetValue(svg) ?? new FileInfo("learn-decode.svg");
            await File.WriteAllTextAsync(picture.FullName, CurveSvg.Draw(
                $"learn decode{(outcome.Shuffled ? " (shuffled control)" : "")}: R^2 while learning", "R^2 of the last 5 s", outcome.Curve,
                [("least squares (held-out)", outcome.LsqR2), ("90 % of it", 0.9 * outcome.LsqR2), ("mass (held-out)", outcome.FinalR2)]), cancellationToken);
            if (print)
            {
                Console.WriteLine($"learning curve: {picture.FullName}");
            }

            if (result.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(outcome, s_json) + "\n", cancellationToken);
            }

            return 0;
        });
        return command;
    }
}
