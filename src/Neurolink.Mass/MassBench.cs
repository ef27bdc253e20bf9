using System.Diagnostics;

namespace Neurolink.Mass;

/// <summary>
/// Runs a network for a while and reports what the Brian2 peer script reports: rates per
/// population, the CV of inter-spike intervals, and the real-time factor (wall / simulated,
/// build excluded), plus the wall time of every 1 ms of biology for the real-time question.
/// </summary>
public static class MassBench
{
    /// <summary>Builds and runs; the first population is "excitatory" and the second "inhibitory" in the report.</summary>
    public static Dictionary<string, object?> Run(NetworkSpec spec, double seconds, int threads, string model)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var build = Stopwatch.StartNew();
        CompiledNetwork net = NetworkBuilder.Build(spec);

        int n = net.NeuronCount;
        long steps = (long)Math.Round(seconds * 1000 / spec.DtMs);
        int stepsPerMs = (int)Math.Round(1 / spec.DtMs);

        // Spike times of every n/500-th neuron, as the peer script samples them for the CV.
        int stride = Math.Max(1, n / 500);
        List<long>[] Times() => [.. Enumerable.Range(0, (n + stride - 1) / stride).Select(_ => new List<long>())];

        // The JIT compiles the timed loop and everything it calls (the step, and the spike
        // bookkeeping's lists) on a throwaway copy first, as Brian2 compiles before it runs;
        // without it the first millisecond of biology took about 1 ms of wall time.
        using (var warm = new CpuMass(net, threads))
        {
            Loop(warm, net, 20 * stepsPerMs, stepsPerMs, stride, Times(), new long[net.Populations.Count], []);
        }

        double buildS = build.Elapsed.TotalSeconds;
        using var mass = new CpuMass(net, threads);
        List<long>[] times = Times();
        var perPopulation = new long[net.Populations.Count];
        var msWall = new List<double>((int)(steps / stepsPerMs) + 1);
        double wallS = Loop(mass, net, steps, stepsPerMs, stride, times, perPopulation, msWall);
        var cvs = new List<double>();
        foreach (List<long> t in times)
        {
            if (t.Count > 3)
            {
                double[] isi = [.. t.Zip(t.Skip(1), (a, b) => (double)(b - a))];
                double mean = isi.Average();
                double sd = Math.Sqrt(isi.Sum(x => (x - mean) * (x - mean)) / isi.Length);
                cvs.Add(sd / mean);
            }
        }

        return Report(model, mass.Backend, mass.Threads, net, seconds, buildS, wallS, perPopulation, cvs, msWall);
    }

    /// <summary>
    /// The report every backend gives: the peer script's fields (rtf = wall / simulated, build
    /// excluded), the backend, and the wall time of each 1 ms of biology at p50, p99, p99.9, max.
    /// </summary>
    public static Dictionary<string, object?> Report(string model, string backend, int threads, CompiledNetwork net, double seconds, double buildS, double wallS, IReadOnlyList<long> perPopulation, IReadOnlyList<double> cvs, List<double> msWall)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(perPopulation);
        ArgumentNullException.ThrowIfNull(cvs);
        ArgumentNullException.ThrowIfNull(msWall);
        msWall.Sort();
        double Quantile(double q) => msWall.Count == 0 ? double.NaN : msWall[Math.Min(msWall.Count - 1, (int)Math.Ceiling(q * msWall.Count) - 1)];
        double Rate(int p) => p < perPopulation.Count ? perPopulation[p] / (net.Populations[p].Count * seconds) : double.NaN;
        return new Dictionary<string, object?>
        {
            ["model"] = model,
            ["backend"] = backend,
            ["threads"] = threads,
            ["neurons"] = net.NeuronCount,
            ["synapses"] = net.SynapseCount,
            ["simulated_s"] = seconds,
            ["build_s"] = Math.Round(buildS, 3),
            ["wall_s"] = Math.Round(wallS, 4),
            ["rtf"] = Math.Round(wallS / seconds, 5),
            ["rate_exc_hz"] = Math.Round(Rate(0), 3),
            ["rate_inh_hz"] = Math.Round(Rate(1), 3),
            ["rates_hz"] = net.Populations.Select((p, i) => (p.Name, Rate: Math.Round(Rate(i), 3))).ToDictionary(x => x.Name, x => x.Rate),
            ["cv_isi"] = cvs.Count == 0 ? null : Math.Round(cvs.Average(), 3),
            ["ms_wall_us"] = new Dictionary<string, double>
            {
                ["p50"] = Math.Round(Quantile(0.5), 1),
                ["p99"] = Math.Round(Quantile(0.99), 1),
                ["p999"] = Math.Round(Quantile(0.999), 1),
                ["max"] = Math.Round(Quantile(1), 1),
            },
        };
    }

    /// <summary>The timed loop, compiled fully optimised at once (an on-stack replacement mid-run would be timed).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static double Loop(CpuMass mass, CompiledNetwork net, long steps, int stepsPerMs, int stride, List<long>[] times, long[] perPopulation, List<double> msWall)
    {
        var spikes = new int[net.NeuronCount];
        int[] ends = [.. net.Populations.Select(p => p.Start + p.Count)]; // an array, not the interface's list, per spike
        // i % stride == 0 as a multiplication (Lemire's test: n x ceil(2^64 / d) mod 2^64 < ceil(2^64 / d)), not a division per spike.
        ulong sampled = (ulong.MaxValue / (ulong)stride) + 1;
        int untilMs = stepsPerMs; // steps left in this 1 ms of biology (a countdown, not a division a step)
        long msStart = Stopwatch.GetTimestamp();
        var wall = Stopwatch.StartNew();
        for (long s = 0; s < steps; s++)
        {
            mass.Step();
            int count = mass.CopySpikes(spikes);
            for (int k = 0; k < count; k++)
            {
                int i = spikes[k];
                if (unchecked((ulong)i * sampled) <= sampled - 1)
                {
                    times[i / stride].Add(s);
                }

                int p = 0;
                while (i >= ends[p])
                {
                    p++;
                }

                perPopulation[p]++;
            }

            if (--untilMs == 0)
            {
                long now = Stopwatch.GetTimestamp();
                msWall.Add((now - msStart) * 1e6 / Stopwatch.Frequency);
                msStart = now;
                untilMs = stepsPerMs;
            }
        }

        return wall.Elapsed.TotalSeconds;
    }
}
