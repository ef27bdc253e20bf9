namespace Neurolink.Mass.Experiments;

/// <summary>One point of the distal-reward experiment's learning curve.</summary>
/// <param name="Seconds">Simulated time.</param>
/// <param name="RewardedWeight">The weight of the rewarded synapse.</param>
/// <param name="MeanWeight">The mean weight of every excitatory synapse.</param>
/// <param name="Rewards">Rewards delivered so far.</param>
/// <param name="Above">Excitatory synapses whose weight is above the rewarded one's.</param>
public readonly record struct DistalRewardPoint(double Seconds, double RewardedWeight, double MeanWeight, int Rewards, int Above);

/// <summary>
/// Izhikevich (2007), "Solving the distal reward problem through linkage of STDP and dopamine
/// signaling", figure 1: 1000 Izhikevich neurons (800 regular spiking, 200 fast spiking), 100
/// synapses out of each, excitatory delays 1-20 ms, plastic excitatory synapses under
/// reward-modulated STDP (tau_c 1 s, tau_d 200 ms, tonic dopamine 0.002, weights 0..4 from 1),
/// a random neuron driven every millisecond. One synapse s (n1 to n2) is chosen; whenever n2
/// fires within 10 ms after n1, a reward (dopamine +0.5) follows 1 to 3 s later, while the
/// network keeps firing in between. Only s is consistently followed by reward, so only s grows.
/// </summary>
public static class DistalReward
{
    /// <summary>The network of the experiment.</summary>
    public static NetworkSpec Network(ulong seed = 1)
    {
        var exc = new Izhikevich { A = 0.02, D = 8, TauEMs = 1, TauIMs = 1 };
        var inh = new Izhikevich { A = 0.1, D = 2, TauEMs = 1, TauIMs = 1 };

        // Eligibility steps of 0.01 x the paper's STDP traces (0.1 at a spike, 1.5 x for
        // depression), as its weights move by 0.01 (0.002 + DA) x eligibility per millisecond.
        var rule = new RewardStdp { APlus = 0.01, AMinus = 0.015, WMax = 4, TauEligibilityMs = 1000 };
        return new NetworkSpec
        {
            Seed = seed,
            DtMs = 0.5,
            DopamineTauMs = 200,
            DopamineBaseline = 0.002,
            Populations = [new PopulationSpec("exc", 800, exc), new PopulationSpec("inh", 200, inh)],
            Projections =
            [
                new ProjectionSpec("exc", "exc", Connector.FixedProbability(0.1, allowSelf: false), Receptor.Excitatory, 1, Distribution.Uniform(0.75, 20.25)) { Plasticity = rule },
                new ProjectionSpec("exc", "inh", Connector.FixedProbability(0.1), Receptor.Excitatory, 1, Distribution.Uniform(0.75, 20.25)) { Plasticity = rule },
                new ProjectionSpec("inh", "exc", Connector.FixedProbability(0.125), Receptor.Inhibitory, -1, 1),
            ],
            Inputs = [new InputSpec("exc", 0, 800, "one_to_one", 20), new InputSpec("inh", 800, 200, "one_to_one", 20)],
        };
    }

    /// <summary>Runs the experiment; <paramref name="progress"/> gets a point every simulated minute.</summary>
    /// <param name="seconds">Simulated time (the paper shows about an hour).</param>
    /// <param name="seed">Seed of the network, the drive and the reward delays.</param>
    /// <param name="progress">Called every simulated minute, or null.</param>
    public static IReadOnlyList<DistalRewardPoint> Run(double seconds, ulong seed = 1, Action<DistalRewardPoint>? progress = null)
    {
        CompiledNetwork net = NetworkBuilder.Build(Network(seed));
        using var mass = new CpuMass(net, 1);
        SynapseRows rows = net.Excitatory;
        int n1 = 0, n2 = -1, s = -1;
        for (int k = rows.RowStart[n1]; k < rows.RowStart[n1 + 1] && s < 0; k++)
        {
            if (rows.Target[k] < 800)
            {
                (s, n2) = (k, rows.Target[k]);
            }
        }

        var rng = new Xoshiro(seed, 0xD157A1);
        var counts = new byte[1000];
        var spikes = new int[1000];
        var curve = new List<DistalRewardPoint>();
        long lastN1 = long.MinValue / 2, rewardAt = -1;
        int rewards = 0;
        long steps = (long)(seconds * 2000), stepsPerMinute = 60 * 2000;
        for (long t = 0; t < steps; t++)
        {
            if (t % 2 == 0)
            {
                // Every millisecond, one random neuron gets 20 mV/ms for a millisecond (the thalamic drive).
                int driven = rng.NextInt(1000);
                counts[driven] = 1;
                mass.InjectChannelCounts(counts);
                counts[driven] = 0;
            }

            if (t == rewardAt)
            {
                mass.Reward(0.5);
                rewards++;
                rewardAt = -1;
            }

            mass.Step();
            int n = mass.CopySpikes(spikes);
            for (int k = 0; k < n; k++)
            {
                if (spikes[k] == n1)
                {
                    lastN1 = t;
                }
                else if (spikes[k] == n2 && t - lastN1 <= 20 && rewardAt < 0)
                {
                    rewardAt = t + 2000 + rng.NextInt(4000);
                }
            }

            if ((t + 1) % stepsPerMinute == 0)
            {
                ReadOnlySpan<float> w = mass.Weights(Receptor.Excitatory);
                double sum = 0;
                int above = 0;
                foreach (float x in w)
                {
                    sum += x;
                    above += x > w[s] ? 1 : 0;
                }

                var point = new DistalRewardPoint((t + 1) / 2000.0, w[s], sum / w.Length, rewards, above);
                curve.Add(point);
                progress?.Invoke(point);
            }
        }

        return curve;
    }
}
