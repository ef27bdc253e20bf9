using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neurolink.Mass;
using Neurolink.Mass.Gpu;

namespace Neurolink.Cli;

/// <summary><c>neurolink bench mass</c>: the simulated mass's benchmark, in the Brian2 peer script's format.</summary>
public static class BenchCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Build()
    {
        var model = new Option<string>("--model") { Description = "Built-in network: cuba (Brian2's examples/CUBA.py), coba (Brette et al. 2007 benchmark 1, Auryn's variant) or pd14 (the Potjans-Diesmann 2014 cortical microcircuit, DC background)", DefaultValueFactory = _ => "cuba" };
        var network = new Option<FileInfo?>("--network") { Description = "A network described in JSON instead of --model" };
        var neurons = new Option<int>("--neurons") { Description = "Neurons (for --model cuba: connection probability 80/N)", DefaultValueFactory = _ => 4000 };
        var seconds = new Option<double>("--seconds") { Description = "Simulated time, s", DefaultValueFactory = _ => 10 };
        var backend = new Option<string>("--backend") { Description = Backends.Help, DefaultValueFactory = _ => "cpu" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the network and its initial state", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "CPU threads (0: 1 below 20 000 neurons, every core above)", DefaultValueFactory = _ => 0 };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the result to this file" };
        var mass = new Command("mass", "Simulate a network and report rates, CV of ISIs and the real-time factor (wall / simulated)")
        {
            model, network, neurons, seconds, backend, seed, threads, json,
        };
        mass.SetAction(async (result, cancellationToken) =>
        {
            double s = result.GetValue(seconds);
            int n = result.GetValue(neurons);
            if (s is <= 0 or > 100_000)
            {
                return Program.Fail($"--seconds {s.ToString(CultureInfo.InvariantCulture)} is out of range: give more than 0 and at most 100000");
            }

            string which = result.GetValue(backend) ?? "cpu";
            if (!Backends.IsKnown(which))
            {
                return Program.Fail(Backends.Unknown($"--backend {which}"));
            }

            NetworkSpec spec;
            string name;
            try
            {
                if (result.GetValue(network) is { } file)
                {
                    spec = NetworkJson.Load(file.FullName);
                    name = Path.GetFileNameWithoutExtension(file.Name);
                }
                else if (result.GetValue(model) is "cuba" or "coba")
                {
                    if (n is < 10 or > 10_000_000)
                    {
                        return Program.Fail($"--neurons {n} is out of range: give 10 to 10000000");
                    }

                    name = result.GetValue(model)!;
                    spec = name == "cuba" ? Models.Cuba(n, result.GetValue(seed)) : Models.Coba(n, result.GetValue(seed));
                }
                else if (result.GetValue(model) is "pd14")
                {
                    // --neurons scales the microcircuit (77 169 at full scale), in-degrees with it.
                    int full = Models.PotjansDiesmannNeurons;
                    double scale = result.GetResult(neurons) is { Implicit: false } ? (double)n / full : 1;
                    if (scale is <= 0 or > 1)
                    {
                        return Program.Fail($"--neurons {n} is out of range for pd14: give at most {full} (the full microcircuit), or leave it out");
                    }

                    name = "pd14";
                    spec = Models.PotjansDiesmann(scale, result.GetValue(seed));
                }
                else
                {
                    return Program.Fail($"--model {result.GetValue(model)} is unknown: the built-in models are cuba, coba and pd14; describe others in JSON and pass --network FILE");
                }

                if (result.GetValue(network) is not null && result.GetResult(seed) is { Implicit: false })
                {
                    // The file's own seed stands unless --seed was given.
                    spec = spec with { Seed = result.GetValue(seed) };
                }
            }
            catch (NetworkSpecException e)
            {
                return Program.Fail(e.Message);
            }

            Dictionary<string, object?> report;
            try
            {
                report = which == "cpu" ? MassBench.Run(spec, s, result.GetValue(threads), name)
                    : GpuMassBench.Run(spec, s, which == "gpu" ? GpuTarget.Cuda : GpuTarget.CpuAccelerator, name);
            }
            catch (NotSupportedException e)
            {
                return Program.Fail($"--backend {which}: {e.Message}");
            }
            catch (NetworkSpecException e)
            {
                return Program.Fail(e.Message);
            }

            string line = JsonSerializer.Serialize(report);
            Console.WriteLine(line);
            if (result.GetValue(json) is { } output)
            {
                await File.WriteAllTextAsync(output.FullName, line + "\n", cancellationToken);
            }

            return 0;
        });
        return new Command("bench", "Benchmarks") { mass, LoopBenchCommand.Build() };
    }
}
