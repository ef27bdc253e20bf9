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

    /// <summary>Neurons of the full Potjans-Diesmann microcircuit.</summary>
    public const int PotjansDiesmannNeurons = 77_169;

    private static readonly string[] PdNames = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"];
    private static readonly int[] PdSizes = [20_683, 5_834, 21_915, 5_479, 4_850, 1_065, 14_395, 2_948];
    private static readonly int[] PdExternalInDegree = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100];

    // Connection probabilities, target (row) from source (column), Potjans and Diesmann 2014 table 5.
    private static readonly double[,] PdProbability =
    {
        { 0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0 },
        { 0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0 },
        { 0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0 },
        { 0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0 },
        { 0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0 },
        { 0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0 },
        { 0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252 },
        { 0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443 },
    };

    /// <summary>
    /// The Potjans-Diesmann (2014) cortical microcircuit: eight populations (layers 2/3, 4, 5, 6;
    /// excitatory and inhibitory), 77 169 neurons and about 3 x 10^8 synapses at full scale.
    /// LIF with exponential currents (C 250 pF, tau_m 10 ms, tau_syn 0.5 ms, threshold -50 mV,
    /// reset and rest -65 mV, refractory 2 ms); PSC 87.8 pA (doubled from L4E to L2/3E), g = -4;
    /// delays normal 1.5 +- 0.75 ms (excitatory) and 0.75 +- 0.375 ms (inhibitory); weights
    /// normal with a 10 % spread; initial V normal -58 +- 10 mV. The Poisson background is
    /// replaced by its mean (the model's DC option): K_ext x 8 Hz x PSC x tau_syn, which for a LIF
    /// with exact integration is a shift of the resting potential. Weights are converted to this
    /// codebase's current convention (mV: PSC x tau_m / C). The paper draws a fixed total number
    /// of synapses with multapses; here each pair connects with probability -ln(1 - C), which
    /// gives the same expected number. <paramref name="scale"/> below 1 shrinks every population
    /// and keeps the probabilities (in-degrees shrink with it: a smaller network for smoke tests,
    /// not the microcircuit's dynamics).
    /// </summary>
    public static NetworkSpec PotjansDiesmann(double scale = 1, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(scale, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, 1);
        const double C = 250, TauM = 10, TauSyn = 0.5, Psc = 87.8, BackgroundHz = 8;
        double w = Psc * TauM / C; // mV
        var populations = new List<PopulationSpec>();
        for (int p = 0; p < PdNames.Length; p++)
        {
            double dcMv = PdExternalInDegree[p] * BackgroundHz * 1e-3 * Psc * TauSyn * TauM / C;
            var model = new LifCuba
            {
                TauMMs = TauM,
                TauEMs = TauSyn,
                TauIMs = TauSyn,
                VRestMv = -65 + dcMv,
                VThreshMv = -50,
                VResetMv = -65,
                RefractoryMs = 2,
                VInitMv = Distribution.Normal(-58, 10),
            };
            populations.Add(new PopulationSpec(PdNames[p], Math.Max(1, (int)Math.Round(PdSizes[p] * scale)), model));
        }

        var projections = new List<ProjectionSpec>();
        for (int target = 0; target < PdNames.Length; target++)
        {
            for (int source = 0; source < PdNames.Length; source++)
            {
                double c = PdProbability[target, source];
                if (c == 0)
                {
                    continue;
                }

                bool excitatory = source % 2 == 0;
                double mean = excitatory ? (source == 2 && target == 0 ? 2 * w : w) : -4 * w;
                projections.Add(new ProjectionSpec(
                    PdNames[source],
                    PdNames[target],
                    Connector.FixedProbability(-Math.Log(1 - c)),
                    excitatory ? Receptor.Excitatory : Receptor.Inhibitory,
                    Distribution.Normal(mean, Math.Abs(mean) * 0.1),
                    excitatory ? Distribution.Normal(1.5, 0.75) : Distribution.Normal(0.75, 0.375)));
            }
        }

        return new NetworkSpec { Seed = seed, Populations = populations, Projections = projections };
    }
}
