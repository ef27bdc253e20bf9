using Neurolink.Mass.Gpu;
using Xunit.Abstractions;

namespace Neurolink.Mass.Tests;

/// <summary>
/// The GPU backend's kernels, run on ILGPU's CPU accelerator (the same kernels CUDA runs),
/// against the CPU backend: the same network and seed, the same spikes.
/// </summary>
public class GpuBackendTests(ITestOutputHelper output)
{
    /// <summary>
    /// Channel-driven input neurons feeding all three models one to one, with delays: no neuron
    /// sums two inputs in one step, so summation order cannot matter and every spike must match.
    /// </summary>
    /// <param name="unframed">The cuba population's currents decay faster than the others', so neither receptor is kept in the currents' frame and every update decays them itself.</param>
    private static NetworkSpec FeedForward(bool unframed = false) => new()
    {
        Seed = 7,
        Populations =
        [
            new PopulationSpec("in", 64, new LifCuba { VRestMv = -65, VThreshMv = -50, VResetMv = -65, TauMMs = 12, RefractoryMs = 2 }),
            new PopulationSpec("cuba", 64, unframed ? new LifCuba { TauEMs = 4, TauIMs = 8 } : new LifCuba()),
            new PopulationSpec("coba", 64, new LifCoba { BiasNa = 0.15 }),
            new PopulationSpec("izh", 64, new Izhikevich { BiasCurrent = 2 }),
        ],
        Projections =
        [
            new ProjectionSpec("in", "cuba", Connector.OneToOne(), Receptor.Excitatory, 9, Distribution.Uniform(0, 2)),
            new ProjectionSpec("in", "coba", Connector.OneToOne(), Receptor.Excitatory, 40, 0.5),
            new ProjectionSpec("in", "izh", Connector.OneToOne(), Receptor.Excitatory, 60, 1),
            new ProjectionSpec("cuba", "izh", Connector.OneToOne(), Receptor.Inhibitory, -30, 0),
            new ProjectionSpec("coba", "cuba", Connector.OneToOne(), Receptor.Inhibitory, -3, 0.3),
        ],
        Inputs = [new InputSpec("in", 0, 64, "one_to_one", 6)],
    };

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator, false)]
    [InlineData(GpuTarget.CpuAccelerator, true)]
    [InlineData(GpuTarget.Cuda, false)]
    [InlineData(GpuTarget.Cuda, true)]
    public void Without_summation_order_to_differ_every_spike_matches_the_cpu_backend(GpuTarget target, bool unframed)
    {
        if (!Available(target))
        {
            return;
        }

        CompiledNetwork net = NetworkBuilder.Build(FeedForward(unframed));
        Assert.Equal(unframed ? [false, false] : [true, true], CurrentFrame.For(net).Framed);
        using var cpu = new CpuMass(net, 1);
        using var gpu = new GpuMass(net, target);
        var random = new Random(3);
        var counts = new byte[64];
        int[] a = new int[net.NeuronCount], b = new int[net.NeuronCount];
        int total = 0;
        var fired = new HashSet<string>();
        for (int step = 0; step < 3000; step++)
        {
            if (step % 10 == 0)
            {
                for (int c = 0; c < counts.Length; c++)
                {
                    counts[c] = (byte)(random.Next(8) == 0 ? random.Next(1, 4) : 0);
                }

                cpu.InjectChannelCounts(counts);
                gpu.InjectChannelCounts(counts);
            }

            cpu.Step();
            gpu.Step();
            int na = cpu.CopySpikes(a), nb = gpu.CopySpikes(b);
            Assert.True(a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb)), $"step {step}: cpu [{string.Join(' ', a[..na])}] gpu [{string.Join(' ', b[..nb])}]");
            total += na;
            foreach (int i in a[..na])
            {
                fired.Add(net.Populations.First(p => i < p.Start + p.Count).Name);
            }
        }

        // Every model fired (the comparison is not empty), and the potentials agree.
        Assert.Equal(["coba", "cuba", "in", "izh"], fired.Order());
        Assert.True(total > 500, $"{total} spikes");
        float[] va = new float[net.NeuronCount], vb = new float[net.NeuronCount];
        cpu.CopyV(va);
        gpu.CopyV(vb);
        for (int i = 0; i < va.Length; i++)
        {
            Assert.True(Math.Abs(va[i] - vb[i]) <= 1e-3, $"neuron {i}: cpu {va[i]} mV, gpu {vb[i]} mV");
        }
    }

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void A_recurrent_network_matches_until_summation_order_decides_a_spike_and_keeps_its_statistics_after(GpuTarget target)
    {
        if (!Available(target))
        {
            return;
        }

        // CUBA-like, 1000 neurons, weights spread +-20 %, so a neuron's inputs in one step sum
        // to a different last bit in a different order.
        NetworkSpec cuba = Models.Cuba(1000, 5);
        NetworkSpec spec = cuba with
        {
            Projections = [.. cuba.Projections.Select(p => p with { Weight = Distribution.Normal(p.Weight.A, Math.Abs(p.Weight.A) * 0.2) })],
        };
        CompiledNetwork net = NetworkBuilder.Build(spec);
        using var cpu = new CpuMass(net, 1);
        using var gpu = new GpuMass(net, target);
        int[] a = new int[net.NeuronCount], b = new int[net.NeuronCount];
        int firstDifference = -1;
        long spikesCpu = 0, spikesGpu = 0;
        const int Steps = 2500;
        for (int step = 0; step < Steps; step++)
        {
            cpu.Step();
            gpu.Step();
            int na = cpu.CopySpikes(a), nb = gpu.CopySpikes(b);
            spikesCpu += na;
            spikesGpu += nb;
            if (firstDifference < 0 && !a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb)))
            {
                firstDifference = step;
            }
        }

        // Identical for at least the first 50 ms (hundreds of spikes), whatever happens later;
        // then the same rate within 10 % (250 ms of a 1000-neuron network at about 6 Hz).
        output.WriteLine($"first difference at step {firstDifference}; spikes cpu {spikesCpu}, gpu {spikesGpu}");
        Assert.True(firstDifference is -1 or > 500, $"the spikes differ from step {firstDifference}");
        double rateCpu = spikesCpu / (1000 * Steps * 1e-4), rateGpu = spikesGpu / (1000 * Steps * 1e-4);
        Assert.InRange(rateCpu, 2, 20);
        Assert.InRange(rateGpu / rateCpu, 0.9, 1.1);
        Assert.Equal(spikesGpu, gpu.ReadStatistics().Count.Sum());
    }

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void The_spike_record_hands_over_every_step_once_in_order_and_agrees_with_the_spikes_and_statistics(GpuTarget target)
    {
        if (!Available(target))
        {
            return;
        }

        CompiledNetwork net = NetworkBuilder.Build(FeedForward());
        var recorded = new List<(long Step, int[] Neurons)>();
        void OnSpikes(in SpikeBlock block)
        {
            for (int row = 0; row < block.Steps; row++)
            {
                var neurons = new List<int>();
                for (int i = 0; i < net.NeuronCount; i++)
                {
                    if (block.Fired(row, i))
                    {
                        neurons.Add(i);
                    }
                }

                recorded.Add((block.FirstStep + row, [.. neurons]));
            }
        }

        var expected = new List<int[]>();
        var perNeuron = new int[net.NeuronCount];
        var buffer = new int[net.NeuronCount];
        var counts = new byte[64];
        var random = new Random(11);
        using (var gpu = new GpuMass(net, target, new GpuMassOptions { RecordBlockSteps = 64, OnSpikes = OnSpikes }))
        {
            for (int step = 0; step < 1000; step++)
            {
                if (step % 10 == 0)
                {
                    random.NextBytes(counts);
                    for (int c = 0; c < counts.Length; c++)
                    {
                        counts[c] = (byte)(counts[c] % 3);
                    }

                    gpu.InjectChannelCounts(counts);
                }

                gpu.Step();
                int n = gpu.CopySpikes(buffer);
                expected.Add(buffer[..n]);
                foreach (int i in buffer[..n])
                {
                    perNeuron[i]++;
                }

                if (step == 500)
                {
                    gpu.FlushSpikes(); // mid-block: the rest of that block must not come twice
                }
            }

            Assert.Equal(perNeuron, gpu.ReadStatistics().Count);
        } // disposal hands over the last, partial block

        Assert.Equal(Enumerable.Range(0, 1000).Select(s => (long)s), recorded.Select(r => r.Step));
        for (int s = 0; s < 1000; s++)
        {
            Assert.Equal(expected[s], recorded[s].Neurons);
        }

        Assert.True(perNeuron.Sum() > 200);
    }

    private bool Available(GpuTarget target)
    {
        if (target == GpuTarget.Cuda && GpuMass.CudaDevices().Count == 0)
        {
            output.WriteLine("no CUDA device here: this case runs where one is (bench/gpu.sh runs these tests there)");
            return false;
        }

        return true;
    }

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void Pair_stdp_learns_the_same_weights_as_on_the_cpu_backend(GpuTarget target) =>
        LearnsTheSameWeights(target, new PairStdp { WMax = 12, APlus = 0.05, AMinus = 0.06 }, new PairStdp { WMax = 90, APlus = 0.03, AMinus = 0.02, Multiplicative = true, TauMinusMs = 30 });

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void Triplet_stdp_learns_the_same_weights_as_on_the_cpu_backend(GpuTarget target) =>
        LearnsTheSameWeights(target, new TripletStdp { WMax = 12, A2Plus = 0.02, A2Minus = 0.03, A3Plus = 0.04, A3Minus = 0.01 }, new TripletStdp { WMax = 90, A2Plus = 0.01, A2Minus = 0.005, A3Plus = 0.02, TauYMs = 80 });

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void Reward_modulated_stdp_learns_the_same_weights_as_on_the_cpu_backend(GpuTarget target) =>
        LearnsTheSameWeights(target, new RewardStdp { WMax = 12, APlus = 0.5, AMinus = 0.6, TauEligibilityMs = 200 }, new RewardStdp { WMax = 90, APlus = 0.3, AMinus = 0.2, TauEligibilityMs = 100 }, rewardEvery: 700);

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void A_checkpoint_taken_on_one_backend_continues_on_the_other(GpuTarget target)
    {
        if (!Available(target))
        {
            return;
        }

        // Plastic (triplet and three-factor), delayed, all three models: everything a checkpoint holds is in use.
        NetworkSpec spec = Plastic(new TripletStdp { WMax = 12, A2Plus = 0.02, A2Minus = 0.03, A3Plus = 0.04 }, new RewardStdp { WMax = 90, APlus = 0.3, AMinus = 0.2, TauEligibilityMs = 100 });
        CompiledNetwork net = NetworkBuilder.Build(spec);
        using var reference = new CpuMass(net, 1);
        using var first = new CpuMass(net, 1);
        using var gpu = new GpuMass(net, target);
        using var back = new CpuMass(net, 2);
        var drive = new Drive(11);

        // 0-1500 on the reference and on a CPU backend that checkpoints; 1500-3000 on the GPU
        // from that checkpoint; 3000-4500 on a CPU backend from the GPU's checkpoint.
        int[] a = new int[net.NeuronCount], b = new int[net.NeuronCount];
        int total = 0;
        for (int step = 0; step < 4500; step++)
        {
            ISimulatedMass other = step < 1500 ? first : step < 3000 ? gpu : back;
            if (step == 1500)
            {
                Hand(first, gpu);
            }
            else if (step == 3000)
            {
                Hand(gpu, back);
            }

            drive.Before(step, reference, other);
            reference.Step();
            other.Step();
            int na = reference.CopySpikes(a), nb = other.CopySpikes(b);
            Assert.True(a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb)), $"step {step} ({other.Backend}): reference [{string.Join(' ', a[..na])}], restored [{string.Join(' ', b[..nb])}]");
            total += na;
        }

        Assert.True(total > 500, $"{total} spikes: the comparison would be nearly empty");
        foreach (Receptor receptor in (Receptor[])[Receptor.Excitatory, Receptor.Inhibitory])
        {
            float[] wr = reference.CopyWeights(receptor), wb = back.CopyWeights(receptor);
            for (int s = 0; s < wr.Length; s++)
            {
                Assert.True(Math.Abs(wr[s] - wb[s]) <= 1e-5 * Math.Max(1, Math.Abs(wr[s])), $"{receptor} synapse {s}: reference {wr[s]}, restored {wb[s]}");
            }
        }

        Assert.NotEqual(net.Excitatory.Weight, reference.CopyWeights(Receptor.Excitatory));
    }

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void A_checkpoint_of_another_network_is_refused_and_changes_nothing(GpuTarget target)
    {
        if (!Available(target))
        {
            return;
        }

        CompiledNetwork net = NetworkBuilder.Build(FeedForward());
        CompiledNetwork otherNet = NetworkBuilder.Build(FeedForward() with { Seed = 8 });
        using var gpu = new GpuMass(net, target);
        using var other = new CpuMass(otherNet, 1);
        gpu.InjectChannelCounts(Enumerable.Repeat((byte)3, 64).ToArray());
        gpu.Run(50);
        var before = new float[net.NeuronCount];
        gpu.CopyV(before);
        using var foreign = new MemoryStream();
        other.SaveCheckpoint(foreign);
        foreign.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => gpu.LoadCheckpoint(foreign));
        Assert.Contains("another network", e.Message, StringComparison.Ordinal);

        using var own = new MemoryStream();
        gpu.SaveCheckpoint(own);
        using var truncated = new MemoryStream(own.ToArray()[..(int)(own.Length / 2)]);
        e = Assert.Throws<InvalidDataException>(() => gpu.LoadCheckpoint(truncated));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);

        var after = new float[net.NeuronCount];
        gpu.CopyV(after);
        Assert.Equal(before, after);
        Assert.Equal(50, gpu.StepCount);
    }

    private static void Hand(ISimulatedMass from, ISimulatedMass to)
    {
        using var checkpoint = new MemoryStream();
        from.SaveCheckpoint(checkpoint);
        checkpoint.Position = 0;
        to.LoadCheckpoint(checkpoint);
        Assert.Equal(from.StepCount, to.StepCount);
    }

    /// <summary>The feed-forward network with its first and third projections plastic.</summary>
    private static NetworkSpec Plastic(PlasticityRule first, PlasticityRule third)
    {
        NetworkSpec ff = FeedForward();
        return ff with
        {
            Projections =
            [
                ff.Projections[0] with { Plasticity = first },
                ff.Projections[1],
                ff.Projections[2] with { Plasticity = third },
                .. ff.Projections.Skip(3),
            ],
        };
    }

    /// <summary>Random channel input every 10 steps and, optionally, rewards, the same to every backend.</summary>
    private sealed class Drive(int seed, int rewardEvery = 0)
    {
        private readonly Random _random = new(seed);
        private readonly byte[] _counts = new byte[64];

        public void Before(int step, params ISimulatedMass[] masses)
        {
            if (step % 10 == 0)
            {
                for (int c = 0; c < _counts.Length; c++)
                {
                    _counts[c] = (byte)(_random.Next(6) == 0 ? _random.Next(1, 4) : 0);
                }

                foreach (ISimulatedMass m in masses)
                {
                    m.InjectChannelCounts(_counts);
                }
            }

            if (rewardEvery > 0 && step % rewardEvery == rewardEvery / 2)
            {
                double amount = 0.5 + _random.NextDouble();
                foreach (ISimulatedMass m in masses)
                {
                    m.Reward(amount);
                }
            }
        }
    }

    /// <summary>
    /// The feed-forward network with two projections plastic, so depression (presynaptic spikes)
    /// and potentiation (postsynaptic spikes, through the column index) both happen, against the
    /// CPU's rule code: the same spikes every step, the same weights at the end.
    /// </summary>
    private void LearnsTheSameWeights(GpuTarget target, PlasticityRule first, PlasticityRule third, int rewardEvery = 0)
    {
        if (!Available(target))
        {
            return;
        }

        CompiledNetwork net = NetworkBuilder.Build(Plastic(first, third));
        using var cpu = new CpuMass(net, 1);
        using var gpu = new GpuMass(net, target);
        var drive = new Drive(5, rewardEvery);
        int[] a = new int[net.NeuronCount], b = new int[net.NeuronCount];
        for (int step = 0; step < 3000; step++)
        {
            drive.Before(step, cpu, gpu);
            cpu.Step();
            gpu.Step();
            int na = cpu.CopySpikes(a), nb = gpu.CopySpikes(b);
            Assert.True(a.AsSpan(0, na).SequenceEqual(b.AsSpan(0, nb)), $"step {step}: the spikes differ");
        }

        Assert.Equal(cpu.Dopamine, gpu.Dopamine);
        float[] before = net.Excitatory.Weight, wc = cpu.CopyWeights(Receptor.Excitatory), wg = gpu.CopyWeights(Receptor.Excitatory);
        int changed = 0;
        for (int s = 0; s < wc.Length; s++)
        {
            Assert.True(Math.Abs(wc[s] - wg[s]) <= 1e-5 * Math.Max(1, Math.Abs(wc[s])), $"synapse {s}: cpu {wc[s]}, gpu {wg[s]}");
            changed += wc[s] != before[s] ? 1 : 0;
        }

        Assert.True(changed > 64, $"only {changed} weights changed: the comparison would be empty");
    }

    [Fact]
    public void Without_a_cuda_device_the_gpu_target_says_so_and_what_to_do()
    {
        if (GpuMass.CudaDevices().Count > 0)
        {
            return; // a GPU is here: the GPU script exercises it
        }

        var e = Assert.Throws<NotSupportedException>(() => new GpuMass(NetworkBuilder.Build(Models.Cuba(100)), GpuTarget.Cuda));
        Assert.Contains("no CUDA device", e.Message, StringComparison.Ordinal);
        Assert.Contains("--backend cpu", e.Message, StringComparison.Ordinal);
    }
}
