namespace Neurolink.Mass.Tests;

/// <summary>The CUBA benchmark network against Brian2's statistics, and the backend's invariants on it.</summary>
public class CubaTests
{
    /// <summary>Runs a network and returns every step's spikes.</summary>
    internal static List<int[]> Spikes(CompiledNetwork net, long steps, int threads)
    {
        using var mass = new CpuMass(net, threads);
        var all = new List<int[]>();
        var buffer = new int[net.NeuronCount];
        for (long s = 0; s < steps; s++)
        {
            mass.Step();
            all.Add(buffer[..mass.CopySpikes(buffer)]);
        }

        return all;
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Rates_and_irregularity_are_in_brian2s_band(ulong seed)
    {
        // Brian2 2.5.1 on this network: E 5.4-6.3 Hz, I 5.5-5.8 Hz, CV of ISIs about 0.6-0.72.
        var report = MassBench.Run(Models.Cuba(4000, seed), seconds: 2, threads: 1, "cuba");
        Assert.InRange((double)report["rate_exc_hz"]!, 5.0, 6.6);
        Assert.InRange((double)report["rate_inh_hz"]!, 5.0, 6.6);
        Assert.InRange((double)report["cv_isi"]!, 0.5, 0.85);
    }

    [Fact]
    public void Connectivity_is_80_inputs_per_neuron_as_in_brian2()
    {
        CompiledNetwork net = NetworkBuilder.Build(Models.Cuba(4000, 1));
        double expected = 4000.0 * 4000 * 0.02;
        Assert.InRange(net.SynapseCount, expected - (5 * Math.Sqrt(expected)), expected + (5 * Math.Sqrt(expected)));
        Assert.All(net.Excitatory.Weight, w => Assert.Equal(1.62f, w, 1e-6f));
        Assert.All(net.Inhibitory.Weight, w => Assert.Equal(-9f, w, 1e-6f));
        Assert.Equal(0, net.MaxDelaySteps);
    }

    [Fact]
    public void The_same_seed_gives_the_same_spikes_and_another_seed_others()
    {
        CompiledNetwork a = NetworkBuilder.Build(Models.Cuba(2000, 7));
        CompiledNetwork b = NetworkBuilder.Build(Models.Cuba(2000, 7));
        CompiledNetwork c = NetworkBuilder.Build(Models.Cuba(2000, 8));
        List<int[]> sa = Spikes(a, 3000, 1), sb = Spikes(b, 3000, 1), sc = Spikes(c, 3000, 1);
        Assert.Equal(sa.SelectMany(x => x), sb.SelectMany(x => x));
        Assert.NotEqual(sa.SelectMany(x => x), sc.SelectMany(x => x));
    }

    [Fact]
    public void Threads_give_exactly_the_spikes_of_one_thread()
    {
        // Each target receives its inputs in the same order (ascending presynaptic index) on any
        // number of threads, so the floating-point sums, and the spikes, are identical.
        CompiledNetwork net = NetworkBuilder.Build(Models.Cuba(4000, 3));
        List<int[]> one = Spikes(net, 5000, 1);
        List<int[]> two = Spikes(net, 5000, 2);
        List<int[]> three = Spikes(net, 5000, 3);
        Assert.True(one.Sum(s => s.Length) > 1000);
        Assert.Equal(one.SelectMany(x => x), two.SelectMany(x => x));
        Assert.Equal(one.SelectMany(x => x), three.SelectMany(x => x));
    }

    [Fact]
    public void Threads_match_one_thread_when_input_and_reads_come_between_every_step()
    {
        // Without plasticity a step returns before the other threads finish delivering; input,
        // reads of v and checkpoints between steps must wait for them. Delays use the slots.
        NetworkSpec spec = Models.Cuba(3000, 5) with
        {
            Projections = [.. Models.Cuba(3000, 5).Projections.Select(p => p with { DelayMs = 0.3 })],
            Inputs = [new InputSpec("exc", 0, 64, "one_to_one", 30)],
        };
        CompiledNetwork net = NetworkBuilder.Build(spec);
        Assert.True(net.MaxDelaySteps > 0);
        DrivenRun one = DrivenRun.Of(net, 1, 1500);
        DrivenRun three = DrivenRun.Of(net, 3, 1500);
        Assert.True(one.Spikes.Sum(s => s.Length) > 1000);
        Assert.Equal(one.Spikes.SelectMany(x => x), three.Spikes.SelectMany(x => x));
        Assert.Equal(one.V, three.V);
        Assert.Equal(one.Checkpoint, three.Checkpoint);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void Compact_rows_deliver_exactly_what_the_full_rows_do(double delayMs)
    {
        // Three excitatory weights and one inhibitory, with channel input, on one and two threads,
        // with and without delays: the narrow rows (16-bit targets, a byte for the weight's index
        // where there are several) and the packed ones (target and index in four bytes) must give
        // every spike, every v and the checkpoint of the full rows.
        NetworkSpec cuba = Models.Cuba(3000, 9);
        NetworkSpec spec = cuba with
        {
            Projections =
            [
                .. cuba.Projections.Select(p => p with { DelayMs = delayMs }),
                new ProjectionSpec("exc", "inh", Connector.FixedInDegree(5), Receptor.Excitatory, 2.5, delayMs),
                new ProjectionSpec("inh", "exc", Connector.FixedInDegree(5), Receptor.Excitatory, 0.8, delayMs),
            ],
            Inputs = [new InputSpec("exc", 0, 64, "one_to_one", 30)],
        };
        CompiledNetwork net = NetworkBuilder.Build(spec);
        using (var probe = new CpuMass(net, 1))
        {
            Assert.Equal([3, 1], probe.CompactWeightCounts);
            Assert.Equal([RowForm.Narrow, RowForm.Narrow], probe.RowForms);
        }

        using (var packed = new CpuMass(net, 1, RowForm.Packed))
        {
            Assert.Equal([RowForm.Packed, RowForm.Packed], packed.RowForms);
        }

        using (var full = new CpuMass(net, 1, RowForm.Full))
        {
            Assert.Equal([0, 0], full.CompactWeightCounts);
            Assert.Equal([RowForm.Full, RowForm.Full], full.RowForms);
        }

        foreach (int threads in new[] { 1, 2 })
        {
            DrivenRun fullRows = DrivenRun.Of(net, threads, 1200, rows: RowForm.Full);
            Assert.True(fullRows.Spikes.Sum(s => s.Length) > 1000);
            foreach (RowForm form in new[] { RowForm.Narrow, RowForm.Packed })
            {
                DrivenRun compact = DrivenRun.Of(net, threads, 1200, rows: form);
                Assert.Equal(fullRows.Spikes.SelectMany(x => x), compact.Spikes.SelectMany(x => x));
                Assert.Equal(fullRows.V, compact.V);
                Assert.Equal(fullRows.Checkpoint, compact.Checkpoint);
            }
        }
    }

    [Fact]
    public void Networks_above_65536_neurons_keep_the_packed_rows()
    {
        NetworkSpec spec = new()
        {
            Populations = [new PopulationSpec("p", 70_000, new LifCuba())],
            Projections = [new ProjectionSpec("p", "p", Connector.FixedInDegree(2), Receptor.Excitatory, 0.5, 0)],
        };
        using var mass = new CpuMass(NetworkBuilder.Build(spec), 1);
        Assert.Equal([RowForm.Packed, RowForm.Full], mass.RowForms);
    }

    [Fact]
    public void Side_by_side_populations_of_the_same_dynamics_are_updated_as_one_range()
    {
        // CUBA's excitatory and inhibitory neurons share every parameter: one range, one refractory
        // queue. A population with another parameter, or between two alike, keeps its own.
        using (var cuba = new CpuMass(NetworkBuilder.Build(Models.Cuba(1000, 1)), 1))
        {
            Assert.Equal(1, cuba.UpdateRunCount);
        }

        var slow = new LifCuba { TauMMs = 30 };
        NetworkSpec three = new()
        {
            Populations = [new PopulationSpec("a", 100, new LifCuba()), new PopulationSpec("b", 100, slow), new PopulationSpec("c", 100, new LifCuba()), new PopulationSpec("d", 100, new LifCuba())],
        };
        using var mass = new CpuMass(NetworkBuilder.Build(three), 1);
        Assert.Equal(3, mass.UpdateRunCount);
    }

    [Fact]
    public void A_run_restored_while_neurons_of_both_populations_are_refractory_continues_exactly()
    {
        // CUBA's two populations are one update range with one refractory queue per thread; a
        // checkpoint holds each neuron's steps left, and restoring it on one or two threads must
        // queue them again so that every later spike is the uninterrupted run's.
        CompiledNetwork net = NetworkBuilder.Build(Models.Cuba(2000, 4));
        using var original = new CpuMass(net, 1);
        original.Run(1500);
        using var checkpoint = new MemoryStream();
        original.SaveCheckpoint(checkpoint);
        MassState state = MassState.Read(new MemoryStream(checkpoint.ToArray()), net);
        Assert.Contains(state.Ref.AsSpan(0, 1600).ToArray(), r => r > 0);
        Assert.Contains(state.Ref.AsSpan(1600).ToArray(), r => r > 0);
        List<int> expected = Continue(original, 1500);
        foreach (int threads in new[] { 1, 2 })
        {
            using var restored = new CpuMass(net, threads);
            checkpoint.Position = 0;
            restored.LoadCheckpoint(checkpoint);
            Assert.Equal(expected, Continue(restored, 1500));
        }

        static List<int> Continue(CpuMass mass, int steps)
        {
            var all = new List<int>();
            var buffer = new int[mass.Network.NeuronCount];
            for (int s = 0; s < steps; s++)
            {
                mass.Step();
                all.AddRange(buffer[..mass.CopySpikes(buffer)].Select(i => (s * 4096) + i));
            }

            return all;
        }
    }

    [Fact]
    public void Weights_of_many_values_keep_the_full_rows()
    {
        NetworkSpec cuba = Models.Cuba(1000, 2);
        NetworkSpec spread = cuba with { Projections = [.. cuba.Projections.Select(p => p with { Weight = Distribution.Normal(p.Weight.A, Math.Abs(p.Weight.A) * 0.2) })] };
        using var mass = new CpuMass(NetworkBuilder.Build(spread), 1);
        Assert.Equal([0, 0], mass.CompactWeightCounts);
    }
}
