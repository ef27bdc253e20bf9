namespace Neurolink.Mass;

/// <summary>A population's place in the global neuron index.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Start">Index of its first neuron.</param>
/// <param name="Count">Its neurons.</param>
/// <param name="Model">Its model.</param>
public sealed record class PopulationRange(string Name, int Start, int Count, NeuronModel Model);

/// <summary>
/// Synapses of one receptor in compressed sparse rows by presynaptic neuron: row i holds
/// targets (sorted), weights and delays (in steps) of neuron i's synapses.
/// </summary>
public sealed class SynapseRows
{
    internal SynapseRows(int[] rowStart, int[] target, float[] weight, ushort[] delay, byte[] rule)
    {
        RowStart = rowStart;
        Target = target;
        Weight = weight;
        Delay = delay;
        Rule = rule;
    }

    /// <summary>Row i is [RowStart[i], RowStart[i + 1]).</summary>
    public int[] RowStart { get; }

    /// <summary>Postsynaptic neuron of each synapse (global index).</summary>
    public int[] Target { get; }

    /// <summary>Weight of each synapse, mV.</summary>
    public float[] Weight { get; }

    /// <summary>Delay of each synapse, in steps.</summary>
    public ushort[] Delay { get; }

    /// <summary>Learning rule of each synapse: 0 for none, else 1 + its index in <see cref="CompiledNetwork.Rules"/>.</summary>
    public byte[] Rule { get; }

    /// <summary>Synapses.</summary>
    public int Count => Target.Length;

    /// <summary>
    /// The plastic synapses (Rule above 0) by target, for potentiation on postsynaptic spikes:
    /// target j's entries are [Start[j], Start[j + 1]), each with its synapse index (ascending)
    /// and its presynaptic neuron. Both backends build their column index here.
    /// </summary>
    internal (int[] Start, int[] Synapse, int[] Pre) PlasticColumns(int neurons)
    {
        var start = new int[neurons + 1];
        for (int s = 0; s < Count; s++)
        {
            if (Rule[s] != 0)
            {
                start[Target[s] + 1]++;
            }
        }

        for (int j = 0; j < neurons; j++)
        {
            start[j + 1] += start[j];
        }

        var next = (int[])start.Clone();
        var synapse = new int[start[neurons]];
        var pre = new int[synapse.Length];
        for (int i = 0; i < RowStart.Length - 1; i++)
        {
            for (int s = RowStart[i]; s < RowStart[i + 1]; s++)
            {
                if (Rule[s] != 0)
                {
                    int c = next[Target[s]]++;
                    synapse[c] = s;
                    pre[c] = i;
                }
            }
        }

        return (start, synapse, pre);
    }
}

/// <summary>
/// A network built from its description: every neuron's population and initial state, every
/// synapse in <see cref="SynapseRows"/>, the channel-to-neuron input map. Backends simulate it.
/// </summary>
public sealed class CompiledNetwork
{
    internal CompiledNetwork(NetworkSpec spec, PopulationRange[] populations, SynapseRows excitatory, SynapseRows inhibitory, float[] vInit, int maxDelaySteps, SynapseRows inputs, PlasticityRule[] rules)
    {
        Rules = rules;
        Spec = spec;
        Populations = populations;
        Excitatory = excitatory;
        Inhibitory = inhibitory;
        VInit = vInit;
        MaxDelaySteps = maxDelaySteps;
        Inputs = inputs;
        NeuronCount = vInit.Length;
    }

    /// <summary>The description it was built from.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The populations in index order.</summary>
    public IReadOnlyList<PopulationRange> Populations { get; }

    /// <summary>Neurons in all.</summary>
    public int NeuronCount { get; }

    /// <summary>Synapses onto the excitatory current.</summary>
    public SynapseRows Excitatory { get; }

    /// <summary>Synapses onto the inhibitory current.</summary>
    public SynapseRows Inhibitory { get; }

    /// <summary>Synapses in all.</summary>
    public long SynapseCount => (long)Excitatory.Count + Inhibitory.Count;

    /// <summary>Initial membrane potential of every neuron, mV.</summary>
    public float[] VInit { get; }

    /// <summary>The learning rules in use, one per plastic projection.</summary>
    public IReadOnlyList<PlasticityRule> Rules { get; }

    /// <summary>The longest delay, in steps.</summary>
    public int MaxDelaySteps { get; }

    /// <summary>Headstage channel c drives the neurons of row c (weights in mV onto the excitatory current).</summary>
    public SynapseRows Inputs { get; }

    /// <summary>The population of that name.</summary>
    /// <exception cref="KeyNotFoundException">No such population.</exception>
    public PopulationRange Population(string name) =>
        Populations.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"no population '{name}'");
}
