using System.Runtime.InteropServices;

namespace Neurolink.Mass;

/// <summary>One learning rule's traces, per neuron (the triplet traces empty for other rules).</summary>
internal sealed record class RuleTraces(float[] Pre, float[] Post, float[] Pre2, float[] Post2, int[] PreStep, int[] PostStep);

/// <summary>
/// The whole state of a running network between steps, as a checkpoint holds it, the same for
/// every backend: a checkpoint taken on one backend restores on the other. Arrays have the
/// lengths <see cref="Shaped"/> gives for the network (a backend keeps its own layout and
/// converts).
/// </summary>
internal sealed class MassState
{
    private const ulong Magic = 0x3230_5353_414D_4C4E; // "NLMASS02"
    private const ulong MagicVersion1 = 0x3130_5353_414D_4C4E; // "NLMASS01": currents stored as they were, not in their frame

    public long Step { get; set; }

    public required float[] V { get; init; }

    /// <summary>The excitatory currents as stored, in the frame of <see cref="Step"/> (<see cref="CurrentFrame"/>).</summary>
    public required float[] Ge { get; init; }

    /// <summary>The inhibitory currents as stored, in the frame of <see cref="Step"/>.</summary>
    public required float[] Gi { get; init; }

    public required float[] Ref { get; init; }

    /// <summary>Izhikevich recovery, per neuron; empty when no population is Izhikevich.</summary>
    public required float[] U { get; init; }

    /// <summary>Delayed input, [slot][receptor][neuron]; empty when every delay is 0.</summary>
    public required float[] Slots { get; init; }

    public required float[][] Weights { get; init; }

    public required RuleTraces[] Rules { get; init; }

    /// <summary>Per receptor (two when there are rules): eligibility per synapse, empty without a reward-modulated rule.</summary>
    public required float[][] Eligibility { get; init; }

    /// <summary>Per receptor: the step each synapse's eligibility was last brought up to.</summary>
    public required int[][] Touched { get; init; }

    public required List<(long Step, double Level)> Rewards { get; init; }

    /// <summary>The last step's spiking neurons, ascending (the traces take them at the next step).</summary>
    public required int[] Spikes { get; set; }

    /// <summary>A state of the right shape for <paramref name="net"/>, zeroed.</summary>
    public static MassState Shaped(CompiledNetwork net)
    {
        int n = net.NeuronCount;
        bool reward = net.Rules.Any(r => r is RewardStdp);
        bool plastic = net.Rules.Count > 0;
        return new MassState
        {
            V = new float[n],
            Ge = new float[n],
            Gi = new float[n],
            Ref = new float[n],
            U = new float[net.Populations.Any(p => p.Model is Izhikevich) ? n : 0],
            Slots = new float[net.MaxDelaySteps > 0 ? checked((net.MaxDelaySteps + 1) * 2 * n) : 0],
            Weights = [new float[net.Excitatory.Count], new float[net.Inhibitory.Count]],
            Rules = [.. net.Rules.Select(r => new RuleTraces(
                new float[n], new float[n], new float[r is TripletStdp ? n : 0], new float[r is TripletStdp ? n : 0], new int[n], new int[n]))],
            Eligibility = plastic ? [new float[reward ? net.Excitatory.Count : 0], new float[reward ? net.Inhibitory.Count : 0]] : [],
            Touched = plastic ? [new int[reward ? net.Excitatory.Count : 0], new int[reward ? net.Inhibitory.Count : 0]] : [],
            Rewards = [(0, 0)],
            Spikes = [],
        };
    }

    /// <summary>Writes the checkpoint of <paramref name="net"/> in this state.</summary>
    public void Write(Stream stream, CompiledNetwork net)
    {
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(net.NeuronCount);
        w.Write(net.SynapseCount);
        w.Write(net.Spec.Seed);
        w.Write(Step);
        foreach (float[] a in (float[][])[V, Ge, Gi, Ref, U, Slots, Weights[0], Weights[1]])
        {
            Floats(w, a);
        }

        w.Write(Rules.Length);
        foreach (RuleTraces t in Rules)
        {
            Floats(w, t.Pre);
            Floats(w, t.Post);
            Floats(w, t.Pre2);
            Floats(w, t.Post2);
            Ints(w, t.PreStep);
            Ints(w, t.PostStep);
        }

        for (int r = 0; r < Eligibility.Length; r++)
        {
            Floats(w, Eligibility[r]);
            Ints(w, Touched[r]);
        }

        w.Write(Rewards.Count);
        foreach ((long step, double level) in Rewards)
        {
            w.Write(step);
            w.Write(level);
        }

        Ints(w, Spikes);
    }

    /// <summary>Reads a checkpoint of <paramref name="net"/>, checking every length against the network.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, one of another network, or truncated (named).</exception>
    public static MassState Read(Stream stream, CompiledNetwork net)
    {
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            ulong magic = r.ReadUInt64();
            if (magic == MagicVersion1)
            {
                throw new InvalidDataException("the checkpoint was written by an earlier version of Neurolink (NLMASS01), which stored the synaptic currents differently; it cannot be restored here: rerun from the start or restore it with the version that wrote it");
            }

            if (magic != Magic)
            {
                throw new InvalidDataException("not a Neurolink mass checkpoint (the file does not start with NLMASS02)");
            }

            int neurons = r.ReadInt32();
            long synapses = r.ReadInt64();
            ulong seed = r.ReadUInt64();
            if (neurons != net.NeuronCount || synapses != net.SynapseCount || seed != net.Spec.Seed)
            {
                throw new InvalidDataException(
                    $"the checkpoint is of another network ({neurons} neurons, {synapses} synapses, seed {seed}; this one has {net.NeuronCount}, {net.SynapseCount}, seed {net.Spec.Seed}); build the network it was taken from");
            }

            MassState s = Shaped(net);
            s.Step = r.ReadInt64();
            foreach (float[] a in (float[][])[s.V, s.Ge, s.Gi, s.Ref, s.U, s.Slots, s.Weights[0], s.Weights[1]])
            {
                Floats(r, a);
            }

            int rules = r.ReadInt32();
            if (rules != s.Rules.Length)
            {
                throw new InvalidDataException($"the checkpoint has {rules} learning rules and this network {s.Rules.Length}");
            }

            foreach (RuleTraces t in s.Rules)
            {
                Floats(r, t.Pre);
                Floats(r, t.Post);
                Floats(r, t.Pre2);
                Floats(r, t.Post2);
                Ints(r, t.PreStep);
                Ints(r, t.PostStep);
            }

            for (int k = 0; k < s.Eligibility.Length; k++)
            {
                Floats(r, s.Eligibility[k]);
                Ints(r, s.Touched[k]);
            }

            int rewardCount = r.ReadInt32();
            if (rewardCount < 1)
            {
                throw new InvalidDataException($"the checkpoint holds {rewardCount} dopamine entries; at least one is always there");
            }

            s.Rewards.Clear();
            for (int k = 0; k < rewardCount; k++)
            {
                s.Rewards.Add((r.ReadInt64(), r.ReadDouble()));
            }

            int spikeCount = r.ReadInt32();
            if (spikeCount < 0 || spikeCount > neurons)
            {
                throw new InvalidDataException($"the checkpoint says {spikeCount} neurons spiked in its last step, of {neurons}");
            }

            s.Spikes = new int[spikeCount];
            r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(s.Spikes.AsSpan()));
            for (int k = 0; k < spikeCount; k++)
            {
                if (s.Spikes[k] < 0 || s.Spikes[k] >= neurons || (k > 0 && s.Spikes[k] <= s.Spikes[k - 1]))
                {
                    throw new InvalidDataException($"the checkpoint's last spikes are not ascending neuron numbers below {neurons} (entry {k}: {s.Spikes[k]})");
                }
            }

            return s;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("the checkpoint is truncated; nothing was restored", e);
        }
    }

    private static void Floats(BinaryWriter w, float[] values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static void Ints(BinaryWriter w, int[] values)
    {
        w.Write(values.Length);
        w.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static void Floats(BinaryReader r, float[] into)
    {
        Count(r, into.Length);
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(into.AsSpan()));
    }

    private static void Ints(BinaryReader r, int[] into)
    {
        Count(r, into.Length);
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(into.AsSpan()));
    }

    private static void Count(BinaryReader r, int expected)
    {
        int n = r.ReadInt32();
        if (n != expected)
        {
            throw new InvalidDataException($"the checkpoint holds {n} values where this network has {expected}; it is of another network");
        }
    }
}
