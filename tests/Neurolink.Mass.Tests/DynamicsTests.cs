namespace Neurolink.Mass.Tests;

/// <summary>The LIF dynamics against their exact solution, refractoriness, delays and channel input.</summary>
public class DynamicsTests
{
    private static NetworkSpec Single(LifCuba model, int size = 1) => new()
    {
        Populations = [new PopulationSpec("p", size, model)],
    };

    [Fact]
    public void The_membrane_follows_the_exact_solution_of_the_linear_equations()
    {
        // No threshold in reach: v relaxes to E_L while a synaptic current decays, and the closed
        // form is v(t) = E_L + (v0 - E_L) e^(-t/tm) + g0 te/(te - tm) (e^(-t/te) - e^(-t/tm)).
        var model = new LifCuba { VRestMv = -70, VThreshMv = 100, VResetMv = -80, VInitMv = -65, TauMMs = 20, TauEMs = 5 };
        CompiledNetwork net = NetworkBuilder.Build(Single(model) with
        {
            Inputs = [new InputSpec("p", 0, 1, "one_to_one", 12)],
        });
        using var mass = new CpuMass(net, 1);
        mass.InjectChannelCounts([1]);
        for (int step = 1; step <= 400; step++)
        {
            mass.Step();
            double t = step * 0.1;
            double exact = -70 + (5 * Math.Exp(-t / 20)) + (12 * 5.0 / (5 - 20) * (Math.Exp(-t / 5) - Math.Exp(-t / 20)));
            Assert.Equal(exact, mass.V[0], 3e-4);
        }
    }

    [Fact]
    public void Inputs_across_many_restarts_of_the_currents_frame_sum_as_the_exact_solution_says()
    {
        // The currents are kept in a frame that restarts every few hundred steps (CurrentFrame):
        // an input every 500 steps for 3000 steps lands in every phase of it, and the membrane
        // must still be the superposition of the closed form's responses.
        var model = new LifCuba { VRestMv = -70, VThreshMv = 100, VResetMv = -80, VInitMv = -65, TauMMs = 20, TauEMs = 5, TauIMs = 10 };
        CompiledNetwork net = NetworkBuilder.Build(Single(model) with
        {
            Inputs = [new InputSpec("p", 0, 1, "one_to_one", 12)],
        });
        Assert.True(CurrentFrame.For(net).Period < 1000, "the test must cross restarts of the frame");
        using var mass = new CpuMass(net, 1);
        var inputs = new List<double>();
        for (int step = 1; step <= 3000; step++)
        {
            if ((step - 1) % 500 == 0)
            {
                mass.InjectChannelCounts([1]);
                inputs.Add((step - 1) * 0.1);
            }

            mass.Step();
            double t = step * 0.1;
            double exact = -70 + (5 * Math.Exp(-t / 20));
            foreach (double at in inputs)
            {
                exact += 12 * 5.0 / (5 - 20) * (Math.Exp(-(t - at) / 5) - Math.Exp(-(t - at) / 20));
            }

            Assert.Equal(exact, mass.V[0], 3e-4);
        }
    }

    [Fact]
    public void Populations_whose_currents_decay_at_different_rates_each_follow_their_exact_solution()
    {
        // Two populations with different excitatory and inhibitory time constants: neither
        // receptor can be kept in the currents' frame, so the update decays every current itself.
        double[] te = [5, 3];
        NetworkSpec spec = new()
        {
            Populations =
            [
                new PopulationSpec("a", 1, new LifCuba { VRestMv = -70, VThreshMv = 100, VResetMv = -80, VInitMv = -65, TauMMs = 20, TauEMs = te[0], TauIMs = 10 }),
                new PopulationSpec("b", 1, new LifCuba { VRestMv = -70, VThreshMv = 100, VResetMv = -80, VInitMv = -65, TauMMs = 20, TauEMs = te[1], TauIMs = 7 }),
            ],
            Inputs = [new InputSpec("a", 0, 1, "one_to_one", 12), new InputSpec("b", 1, 1, "one_to_one", 12)],
        };
        CompiledNetwork net = NetworkBuilder.Build(spec);
        Assert.Equal([false, false], CurrentFrame.For(net).Framed);
        using var mass = new CpuMass(net, 1);
        var inputs = new List<double>();
        for (int step = 1; step <= 1500; step++)
        {
            if ((step - 1) % 500 == 0)
            {
                mass.InjectChannelCounts([1, 1]);
                inputs.Add((step - 1) * 0.1);
            }

            mass.Step();
            double t = step * 0.1;
            for (int i = 0; i < 2; i++)
            {
                double exact = -70 + (5 * Math.Exp(-t / 20));
                foreach (double at in inputs)
                {
                    exact += 12 * te[i] / (te[i] - 20) * (Math.Exp(-(t - at) / te[i]) - Math.Exp(-(t - at) / 20));
                }

                Assert.Equal(exact, mass.V[i], 3e-4);
            }
        }
    }

    [Fact]
    public void A_neuron_is_held_at_reset_for_exactly_the_refractory_period()
    {
        // E_L above threshold and a membrane so fast that v reaches it within one step: it fires
        // as soon as it may, so its ISI is the refractory period (20 steps) plus one step.
        var model = new LifCuba { VRestMv = 0, VThreshMv = -50, VResetMv = -60, VInitMv = -49, RefractoryMs = 2, TauMMs = 0.01 };
        using var mass = new CpuMass(NetworkBuilder.Build(Single(model)), 1);
        var fired = new List<long>();
        for (int step = 0; step < 200; step++)
        {
            mass.Step();
            if (mass.SpikeCount == 1)
            {
                fired.Add(step);
            }
            else if (fired.Count > 0 && step - fired[^1] <= 20)
            {
                Assert.Equal(-60f, mass.V[0]);
            }
        }

        Assert.True(fired.Count > 5);
        Assert.All(fired.Zip(fired.Skip(1), (a, b) => b - a), isi => Assert.Equal(21, isi));
    }

    [Fact]
    public void A_delayed_synapse_acts_exactly_its_delay_later()
    {
        var driver = new LifCuba { VRestMv = 0, VThreshMv = -50, VResetMv = -60, VInitMv = -49, RefractoryMs = 1000 };
        var target = new LifCuba { VRestMv = -70, VThreshMv = 100, VResetMv = -80, VInitMv = -70 };
        CompiledNetwork net = NetworkBuilder.Build(new NetworkSpec
        {
            Populations = [new PopulationSpec("d", 1, driver), new PopulationSpec("t", 1, target)],
            Projections = [new ProjectionSpec("d", "t", Connector.OneToOne(), Receptor.Excitatory, 5, 1.5)],
        });
        Assert.Equal(15, net.MaxDelaySteps);
        using var mass = new CpuMass(net, 1);
        mass.Step();
        Assert.Equal(1, mass.SpikeCount);

        // The spike at step 0 arrives at the end of step 15, so v moves at step 16 and not before.
        for (int step = 1; step <= 15; step++)
        {
            mass.Step();
            Assert.Equal(-70f, mass.V[1]);
        }

        mass.Step();
        Assert.True(mass.V[1] > -70f);
    }

    [Fact]
    public void Channel_counts_drive_the_mapped_neurons_only()
    {
        var model = new LifCuba { VRestMv = -70, VThreshMv = 100, VResetMv = -80, VInitMv = -70 };
        CompiledNetwork net = NetworkBuilder.Build(Single(model, 8) with
        {
            Inputs = [new InputSpec("p", 0, 4, "tile", 2)],
        });
        using var mass = new CpuMass(net, 1);
        mass.InjectChannelCounts([0, 3, 0, 0]);
        mass.Step();
        mass.Step();

        // Channel 1 tiles onto neurons 1 and 5.
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(i is 1 or 5, mass.V[i] > -70f);
        }
    }

    [Fact]
    public void Connectors_make_the_synapses_they_promise()
    {
        var model = new LifCuba();
        NetworkSpec spec = new()
        {
            Seed = 5,
            Populations = [new PopulationSpec("a", 300, model), new PopulationSpec("b", 200, model)],
            Projections =
            [
                new ProjectionSpec("a", "b", Connector.FixedInDegree(7), Receptor.Excitatory, Distribution.Uniform(1, 2), Distribution.Uniform(0, 2)),
                new ProjectionSpec("b", "b", Connector.FixedProbability(0.1, allowSelf: false), Receptor.Inhibitory, Distribution.Normal(-3, 0.5), 0),
                new ProjectionSpec("a", "a", Connector.List([(0, 1), (2, 3)]), Receptor.Excitatory, 1, 0),
            ],
        };
        CompiledNetwork net = NetworkBuilder.Build(spec);

        // fixed_indegree: every neuron of b has exactly 7 excitatory inputs from a.
        var inDegree = new int[net.NeuronCount];
        foreach (int t in net.Excitatory.Target)
        {
            inDegree[t]++;
        }

        Assert.All(Enumerable.Range(300, 200), i => Assert.Equal(7, inDegree[i]));
        Assert.Equal(1, inDegree[1]);
        Assert.Equal(1, inDegree[3]);
        Assert.All(net.Excitatory.Weight, w => Assert.InRange(w, 1f, 2f));
        Assert.All(net.Excitatory.Delay, d => Assert.InRange(d, 0, 20));

        // fixed_probability without self-connections: about 0.1 x 200 x 199, none onto itself.
        Assert.InRange(net.Inhibitory.Count, 3980 - 300, 3980 + 300);
        for (int pre = 300; pre < 500; pre++)
        {
            for (int s = net.Inhibitory.RowStart[pre]; s < net.Inhibitory.RowStart[pre + 1]; s++)
            {
                Assert.NotEqual(pre, net.Inhibitory.Target[s]);
            }
        }
    }
}
