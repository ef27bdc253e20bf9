using System.Runtime.InteropServices;

namespace Neurolink.Mass;

/// <summary>Checkpoints: the whole state of a running network, plastic weights included.</summary>
public sealed partial class CpuMass
{
    private const ulong CheckpointMagic = 0x3130_5353_414D_4C4E; // "NLMASS01"

    /// <summary>
    /// Writes the whole state between steps: the step count, every neuron's state, the delay
    /// slots, the weights, the traces, the eligibility and the rewards, and the last step's
    /// spikes (the traces take them at the next step). Restoring it into a backend built from the
    /// same network continues the run exactly, on any number of threads.
    /// </summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        w.Write(CheckpointMagic);
        w.Write(_net.NeuronCount);
        w.Write(_net.SynapseCount);
        w.Write(_net.Spec.Seed);
        w.Write(_step);
        Floats(w, _v);
        Floats(w, _ge);
        Floats(w, _gi);
        Floats(w, _ref);
        Floats(w, _u);
        Floats(w, _slots ?? []);
        Floats(w, _weights[0]);
        Floats(w, _weights[1]);
        w.Write(_rules.Length);
        foreach (RuleState rule in _rules)
        {
            Floats(w, rule.Pre);
            Floats(w, rule.Post);
            Floats(w, rule.Pre2);
            Floats(w, rule.Post2);
            Ints(w, rule.PreStep);
            Ints(w, rule.PostStep);
        }

        for (int r = 0; r < _eligibility.Length; r++)
        {
            Floats(w, _eligibility[r]);
            Ints(w, _touched[r]);
        }

        w.Write(_rewards.Count);
        foreach ((long step, double level) in _rewards)
        {
            w.Write(step);
            w.Write(level);
        }

        var spikes = new int[SpikeCount];
        CopySpikes(spikes);
        Ints(w, spikes);
    }

    /// <summary>Replaces this backend's state with a checkpoint of the same network.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, or one of another network; nothing was changed.</exception>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            if (r.ReadUInt64() != CheckpointMagic)
            {
                throw new InvalidDataException("not a Neurolink mass checkpoint (the file does not start with NLMASS01)");
            }

            int neurons = r.ReadInt32();
            long synapses = r.ReadInt64();
            ulong seed = r.ReadUInt64();
            if (neurons != _net.NeuronCount || synapses != _net.SynapseCount || seed != _net.Spec.Seed)
            {
                throw new InvalidDataException(
                    $"the checkpoint is of another network ({neurons} neurons, {synapses} synapses, seed {seed}; this one has {_net.NeuronCount}, {_net.SynapseCount}, seed {_net.Spec.Seed}); build the network it was taken from");
            }

            // Read everything before changing anything, so that a truncated file leaves the state as it was.
            long step = r.ReadInt64();
            float[] v = Floats(r, _v.Length), ge = Floats(r, _ge.Length), gi = Floats(r, _gi.Length), refr = Floats(r, _ref.Length);
            float[] u = Floats(r, _u.Length), slots = Floats(r, _slots?.Length ?? 0);
            float[] we = Floats(r, _weights[0].Length), wi = Floats(r, _weights[1].Length);
            int rules = r.ReadInt32();
            if (rules != _rules.Length)
            {
                throw new InvalidDataException($"the checkpoint has {rules} learning rules and this network {_rules.Length}");
            }

            var traces = new (float[] Pre, float[] Post, float[] Pre2, float[] Post2, int[] PreStep, int[] PostStep)[rules];
            for (int q = 0; q < rules; q++)
            {
                traces[q] = (Floats(r, _n), Floats(r, _n), Floats(r, _rules[q].Pre2.Length), Floats(r, _rules[q].Post2.Length), Ints(r, _n), Ints(r, _n));
            }

            var eligibility = new (float[] C, int[] Touched)[_eligibility.Length];
            for (int k = 0; k < eligibility.Length; k++)
            {
                eligibility[k] = (Floats(r, _eligibility[k].Length), Ints(r, _touched[k].Length));
            }

            int rewardCount = r.ReadInt32();
            var rewards = new List<(long, double)>(rewardCount);
            for (int k = 0; k < rewardCount; k++)
            {
                rewards.Add((r.ReadInt64(), r.ReadDouble()));
            }

            int spikeCount = r.ReadInt32();
            int[] spikes = Ints(r, spikeCount, counted: false);

            _step = step;
            v.CopyTo(_v, 0);
            ge.CopyTo(_ge, 0);
            gi.CopyTo(_gi, 0);
            refr.CopyTo(_ref, 0);
            u.CopyTo(_u, 0);
            slots.CopyTo(_slots ?? [], 0);
            we.CopyTo(_weights[0], 0);
            wi.CopyTo(_weights[1], 0);
            for (int q = 0; q < rules; q++)
            {
                traces[q].Pre.CopyTo(_rules[q].Pre, 0);
                traces[q].Post.CopyTo(_rules[q].Post, 0);
                traces[q].Pre2.CopyTo(_rules[q].Pre2, 0);
                traces[q].Post2.CopyTo(_rules[q].Post2, 0);
                traces[q].PreStep.CopyTo(_rules[q].PreStep, 0);
                traces[q].PostStep.CopyTo(_rules[q].PostStep, 0);
            }

            for (int k = 0; k < eligibility.Length; k++)
            {
                eligibility[k].C.CopyTo(_eligibility[k], 0);
                eligibility[k].Touched.CopyTo(_touched[k], 0);
            }

            _rewards.Clear();
            _rewards.AddRange(rewards);
            foreach (Chunk c in _chunks)
            {
                int n = 0;
                foreach (int i in spikes)
                {
                    if (i >= c.Lo && i < c.Hi)
                    {
                        c.Spikes[n++] = i;
                    }
                }

                c.SpikeCount = n;
            }
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

    private static float[] Floats(BinaryReader r, int expected)
    {
        int n = r.ReadInt32();
        if (n != expected)
        {
            throw new InvalidDataException($"the checkpoint holds {n} values where this network has {expected}; it is of another network");
        }

        var values = new float[n];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    private static int[] Ints(BinaryReader r, int expected, bool counted = true)
    {
        int n = counted ? r.ReadInt32() : expected;
        if (n != expected)
        {
            throw new InvalidDataException($"the checkpoint holds {n} values where this network has {expected}; it is of another network");
        }

        var values = new int[n];
        r.BaseStream.ReadExactly(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}
