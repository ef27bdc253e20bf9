namespace Neurolink.Mass.Tests;

/// <summary>The learning rules against their definitions, pairing by pairing.</summary>
public class PlasticityTests
{
    /// <summary>A presynaptic and a postsynaptic neuron, one plastic synapse between them, each made to fire at chosen steps.</summary>
    private sealed class Pair : IDisposable
    {
        private readonly CpuMass _mass;

        public Pair(PlasticityRule rule, double weight, double tonicDopamine = 0)
        {
            // Too weak to make the postsynaptic neuron fire: only the forced spikes count.
            var model = new LifCuba { VRestMv = -70, VInitMv = -70, RefractoryMs = 2, TauEMs = 0.5 };
            CompiledNetwork net = NetworkBuilder.Build(new NetworkSpec
            {
                DopamineBaseline = tonicDopamine,
                Populations = [new PopulationSpec("pre", 1, model), new PopulationSpec("post", 1, model)],
                Projections = [new ProjectionSpec("pre", "post", Connector.OneToOne(), Receptor.Excitatory, weight, 0) { Plasticity = rule }],
                Inputs = [new InputSpec("pre", 0, 1, "one_to_one", 5000), new InputSpec("post", 1, 1, "one_to_one", 5000)],
            });
            _mass = new CpuMass(net, 1);
        }

        public CpuMass Mass => _mass;

        public float Weight => _mass.Weights(Receptor.Excitatory)[0];

        /// <summary>Runs until step <paramref name="until"/>, forcing the given neuron (0 pre, 1 post) to fire at the given steps.</summary>
        public void Run(long until, params (long Step, int Neuron)[] spikes)
        {
            var buffer = new int[2];
            while (_mass.StepCount < until)
            {
                long step = _mass.StepCount;
                byte[] counts = new byte[2];
                foreach (var (at, neuron) in spikes)
                {
                    counts[neuron] += at == step ? (byte)1 : (byte)0;
                }

                _mass.InjectChannelCounts(counts);
                _mass.Step();
                int n = _mass.CopySpikes(buffer);
                foreach (var (at, neuron) in spikes)
                {
                    if (at == step)
                    {
                        Assert.Contains(neuron, buffer[..n]);
                    }
                }
            }
        }

        public void Dispose() => _mass.Dispose();
    }

    [Fact]
    public void Pre_before_post_potentiates_by_A_plus_times_the_pre_trace()
    {
        using var pair = new Pair(new PairStdp { WMax = 1 }, 0.001);
        pair.Run(300, (100, 0), (150, 1));
        Assert.Equal(0.001 + (0.01 * Math.Exp(-5.0 / 20)), pair.Weight, 1e-6);
    }

    [Fact]
    public void Post_before_pre_depresses_by_A_minus_times_the_post_trace()
    {
        using var pair = new Pair(new PairStdp { WMax = 1 }, 0.5);
        pair.Run(300, (100, 1), (130, 0));
        Assert.Equal(0.5 - (0.0105 * Math.Exp(-3.0 / 20)), pair.Weight, 1e-6);
    }

    [Fact]
    public void Traces_sum_over_every_earlier_spike_all_to_all()
    {
        using var pair = new Pair(new PairStdp { WMax = 1 }, 0.001);
        pair.Run(400, (100, 0), (150, 0), (200, 1));
        Assert.Equal(0.001 + (0.01 * (Math.Exp(-10.0 / 20) + Math.Exp(-5.0 / 20))), pair.Weight, 1e-6);
    }

    [Fact]
    public void Multiplicative_bounds_scale_with_the_room_left_and_weights_stay_in_bounds()
    {
        using var pair = new Pair(new PairStdp { WMax = 1, Multiplicative = true, APlus = 0.5 }, 0.6);
        pair.Run(300, (100, 0), (150, 1));
        Assert.Equal(0.6 + (0.5 * Math.Exp(-5.0 / 20) * (1 - 0.6)), pair.Weight, 1e-6);

        using var hard = new Pair(new PairStdp { WMax = 0.7, APlus = 1 }, 0.6);
        hard.Run(300, (100, 0), (110, 1));
        Assert.Equal(0.7f, hard.Weight);
    }

    [Fact]
    public void Without_dopamine_the_three_factor_rule_only_marks_the_synapse_eligible()
    {
        using var pair = new Pair(new RewardStdp { WMax = 4 }, 1);
        pair.Run(20_000, (100, 0), (150, 1));
        Assert.Equal(1f, pair.Weight);
    }

    [Fact]
    public void A_reward_after_a_pairing_moves_the_weight_by_the_integral_of_eligibility_times_dopamine()
    {
        // c = A+ e^(-5/20) at the pairing (step 150), decaying with tau_c = 1 s; a reward of 0.002
        // at step 1150 (100 ms later), decaying with tau_d = 200 ms; the weight gains
        // c(reward) x 0.002 x 1 / (1/tau_c + 1/tau_d) ms, once the synapse is touched.
        using var pair = new Pair(new RewardStdp { WMax = 4 }, 1);
        pair.Run(1150, (100, 0), (150, 1));
        pair.Mass.Reward(0.002);
        pair.Run(60_000);
        double c = Math.Exp(-5.0 / 20) * Math.Exp(-100.0 / 1000);
        double expected = 1 + (c * 0.002 / ((1 / 1000.0) + (1 / 200.0)));
        Assert.Equal(expected, pair.Weight, 1e-5);
    }

    [Fact]
    public void Rewards_before_the_pairing_do_nothing_and_depression_turns_reward_into_loss()
    {
        using var before = new Pair(new RewardStdp { WMax = 4 }, 1);
        before.Run(100);
        before.Mass.Reward(0.002);
        before.Run(60_000);
        Assert.Equal(1f, before.Weight);

        using var anti = new Pair(new RewardStdp { WMax = 4 }, 1);
        anti.Run(1150, (100, 1), (150, 0));
        anti.Mass.Reward(0.002);
        anti.Run(60_000);
        double c = -1.5 * Math.Exp(-5.0 / 20) * Math.Exp(-100.0 / 1000);
        Assert.Equal(1 + (c * 0.002 / ((1 / 1000.0) + (1 / 200.0))), anti.Weight, 1e-5);
    }

    [Fact]
    public void Tonic_dopamine_turns_all_of_the_eligibility_into_weight_over_time()
    {
        // With a constant dopamine b and no reward, the weight gains c x b x tau_c in all.
        using var pair = new Pair(new RewardStdp { WMax = 4 }, 1, tonicDopamine: 0.002);
        pair.Run(200_000, (100, 0), (150, 1));
        Assert.Equal(1 + (Math.Exp(-5.0 / 20) * 0.002 * 1000 * (1 - Math.Exp(-(200_000 - 150) * 0.1 / 1000))), pair.Weight, 1e-5);
    }

    [Fact]
    public void Triplet_potentiation_grows_with_the_postsynaptic_slow_trace()
    {
        // pre at 10 ms, post at 15 ms and 20 ms: the first post spike potentiates by r1 A2+, the
        // second by r1 (A2+ + A3+ o2), o2 being the slow trace of the first post spike.
        var rule = new TripletStdp { WMax = 1 };
        using var pair = new Pair(rule, 0.5);
        pair.Run(300, (100, 0), (150, 1), (200, 1));
        double first = Math.Exp(-5.0 / 16.8) * rule.A2Plus;
        double second = Math.Exp(-10.0 / 16.8) * (rule.A2Plus + (rule.A3Plus * Math.Exp(-5.0 / 125)));
        Assert.Equal(0.5 + first + second, pair.Weight, 1e-6);
    }

    [Fact]
    public void Triplet_depression_grows_with_the_presynaptic_slow_trace()
    {
        // pre at 10 ms, post at 12 ms, pre at 20 ms: the first pre spike finds no post trace; the
        // second depresses by o1 (A2- + A3- r2), after the post spike's potentiation.
        var rule = new TripletStdp { WMax = 1 };
        using var pair = new Pair(rule, 0.5);
        pair.Run(300, (100, 0), (120, 1), (200, 0));
        double up = Math.Exp(-2.0 / 16.8) * rule.A2Plus;
        double down = Math.Exp(-8.0 / 33.7) * (rule.A2Minus + (rule.A3Minus * Math.Exp(-10.0 / 101)));
        Assert.Equal(0.5 + up - down, pair.Weight, 1e-6);
    }
}
