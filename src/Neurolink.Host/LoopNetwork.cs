using Neurolink.Mass;

namespace Neurolink.Host;

/// <summary>The network <c>neurolink run</c> uses when no network file is given.</summary>
public static class LoopNetwork
{
    /// <summary>Output neurons of the default network (one per stimulation program by default).</summary>
    public const int Outputs = 16;

    /// <summary>
    /// One input neuron per headstage channel (a channel's spike count drives its neuron), a
    /// Vogels-Abbott CUBA network (80 % excitatory, 80 inputs each) that the input neurons
    /// drive with 10 synapses each, and <see cref="Outputs"/> output neurons that read 100
    /// excitatory neurons each; the output population is read out every frame.
    /// </summary>
    /// <param name="channels">Headstage channels (input neurons), at least 1.</param>
    /// <param name="neurons">Neurons in all, at least channels + 100.</param>
    /// <param name="seed">Seed of the connectivity and initial state.</param>
    /// <param name="dtMs">Time step, ms: 1 (the frame period; the counts carry no finer timing) or a divisor of it.</param>
    public static NetworkSpec Default(int channels, int neurons, ulong seed = 1, double dtMs = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(neurons, channels + 100);
        int recurrent = neurons - channels - Outputs;
        int exc = (int)(0.8 * recurrent);
        double p = Math.Min(1, 80.0 / recurrent);
        var cuba = new LifCuba();
        var relay = new LifCuba { VRestMv = -65, VResetMv = -65, VThreshMv = -50, TauMMs = 12, RefractoryMs = 2 };
        return new NetworkSpec
        {
            Seed = seed,
            DtMs = dtMs,
            Populations =
            [
                new PopulationSpec("in", channels, relay),
                new PopulationSpec("exc", exc, cuba),
                new PopulationSpec("inh", recurrent - exc, cuba),
                new PopulationSpec("out", Outputs, relay),
            ],
            Projections =
            [
                new ProjectionSpec("in", "exc", Connector.FixedInDegree(Math.Min(10, channels)), Receptor.Excitatory, 2, 0),
                new ProjectionSpec("exc", "exc", Connector.FixedProbability(p), Receptor.Excitatory, 1.62, 0),
                new ProjectionSpec("exc", "inh", Connector.FixedProbability(p), Receptor.Excitatory, 1.62, 0),
                new ProjectionSpec("inh", "exc", Connector.FixedProbability(p), Receptor.Inhibitory, -9, 0),
                new ProjectionSpec("inh", "inh", Connector.FixedProbability(p), Receptor.Inhibitory, -9, 0),
                new ProjectionSpec("exc", "out", Connector.FixedInDegree(Math.Min(100, exc)), Receptor.Excitatory, 4, 0),
            ],
            Inputs = [new InputSpec("in", 0, channels, "one_to_one", 60)],
            Output = "out",
        };
    }
}
