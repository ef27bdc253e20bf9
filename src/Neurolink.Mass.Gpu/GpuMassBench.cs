using System.Diagnostics;

namespace Neurolink.Mass.Gpu;

/// <summary>
/// The simulated-mass benchmark on the GPU backend, in the same report as
/// <see cref="MassBench"/>. Steps are queued 1 ms of biology (10 steps) at a time and the host
/// waits for each millisecond, as the closed loop does, so the per-millisecond wall times are
/// real; rates and the CV come from the statistics the kernels keep, read once at the end.
/// </summary>
public static class GpuMassBench
{
    /// <summary>Builds, warms up (kernel compilation excluded from the timing, as Brian2 excludes its build) and runs.</summary>
    public static Dictionary<string, object?> Run(NetworkSpec spec, double seconds, GpuTarget target, string model)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var build = Stopwatch.StartNew();
        CompiledNetwork net = NetworkBuilder.Build(spec);
        using (var warm = new GpuMass(net, target))
        {
            warm.Run(20);
            warm.Synchronize();
        }

        using var mass = new GpuMass(net, target);
        double buildS = build.Elapsed.TotalSeconds;
        long steps = (long)Math.Round(seconds * 1000 / spec.DtMs);
        int stepsPerMs = (int)Math.Round(1 / spec.DtMs);
        var msWall = new List<double>((int)(steps / stepsPerMs) + 1);
        var wall = Stopwatch.StartNew();
        long msStart = Stopwatch.GetTimestamp();
        for (long done = 0; done < steps; done += stepsPerMs)
        {
            mass.Run(Math.Min(stepsPerMs, steps - done));
            mass.Synchronize();
            long now = Stopwatch.GetTimestamp();
            msWall.Add((now - msStart) * 1e6 / Stopwatch.Frequency);
            msStart = now;
        }

        double wallS = wall.Elapsed.TotalSeconds;
        FiringStatistics stats = mass.ReadStatistics();
        var perPopulation = new long[net.Populations.Count];
        for (int p = 0; p < perPopulation.Length; p++)
        {
            foreach (int c in stats.Count.AsSpan(net.Populations[p].Start, net.Populations[p].Count))
            {
                perPopulation[p] += c;
            }
        }

        // The CV of every n/500-th neuron with at least three intervals, as the CPU report and the peer script.
        int stride = Math.Max(1, net.NeuronCount / 500);
        var cvs = new List<double>();
        for (int i = 0; i < net.NeuronCount; i += stride)
        {
            double cv = stats.Cv(i);
            if (!double.IsNaN(cv))
            {
                cvs.Add(cv);
            }
        }

        return MassBench.Report(model, mass.Backend, 0, net, seconds, buildS, wallS, perPopulation, cvs, msWall);
    }
}
