namespace Neurolink.Mass;

/// <summary>Ready-made networks.</summary>
public static class Models
{
    /// <summary>
    /// The Vogels-Abbott CUBA network exactly as Brian2's <c>examples/CUBA.py</c> (and
    /// <c>../shared/peers/brian2_cuba.py</c>): 80 % excitatory, E_L -49 mV, threshold -50 mV,
    /// reset -60 mV, tau_m 20 ms, refractory 5 ms, each pair connected with probability 80/N,
    /// weights +1.62 mV (tau 5 ms) and -9 mV (tau 10 ms), no delay, dt 0.1 ms, initial v
    /// uniform between reset and threshold.
    /// </summary>
    public static NetworkSpec Cuba(int neurons = 4000, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(neurons, 10);
        int exc = (int)(0.8 * neurons);
        double p = Math.Min(1, 80.0 / neurons);
        var model = new LifCuba();
        return new NetworkSpec
        {
            Seed = seed,
            Populations = [new PopulationSpec("exc", exc, model), new PopulationSpec("inh", neurons - exc, model)],
            Projections =
            [
                new ProjectionSpec("exc", "exc", Connector.FixedProbability(p), Receptor.Excitatory, 60 * 0.27 / 10, 0),
                new ProjectionSpec("exc", "inh", Connector.FixedProbability(p), Receptor.Excitatory, 60 * 0.27 / 10, 0),
                new ProjectionSpec("inh", "exc", Connector.FixedProbability(p), Receptor.Inhibitory, -20 * 4.5 / 10, 0),
                new ProjectionSpec("inh", "inh", Connector.FixedProbability(p), Receptor.Inhibitory, -20 * 4.5 / 10, 0),
            ],
        };
    }

    /// <summary>
    /// The Vogels-Abbott COBA network as Auryn and SNNSimulatorComparison run benchmark 1:
    /// conductance-based LIF (C 200 pF, g_L 10 nS, E_L -60 mV, E_e 0 mV, E_i -80 mV), a 0.2 nA
    /// bias instead of a kick, weights 4 nS and 51 nS, delay 0.1 ms, probability 80/N.
    /// </summary>
    public static NetworkSpec Coba(int neurons = 4000, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(neurons, 10);
        int exc = (int)(0.8 * neurons);
        double p = Math.Min(1, 80.0 / neurons);
        var model = new LifCoba { BiasNa = 0.2 };
        return new NetworkSpec
        {
            Seed = seed,
            Populations = [new PopulationSpec("exc", exc, model), new PopulationSpec("inh", neurons - exc, model)],
            Projections =
            [
                new ProjectionSpec("exc", "exc", Connector.FixedProbability(p), Receptor.Excitatory, 4, 0.1),
                new ProjectionSpec("exc", "inh", Connector.FixedProbability(p), Receptor.Excitatory, 4, 0.1),
                new ProjectionSpec("inh", "exc", Connector.FixedProbability(p), Receptor.Inhibitory, 51, 0.1),
                new ProjectionSpec("inh", "inh", Connector.FixedProbability(p), Receptor.Inhibitory, 51, 0.1),
            ],
        };
    }
}
