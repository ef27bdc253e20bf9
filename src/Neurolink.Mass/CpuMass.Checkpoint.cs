namespace Neurolink.Mass;

/// <summary>Checkpoints: the whole state of a running network, plastic weights included.</summary>
public sealed partial class CpuMass
{
    /// <summary>
    /// Writes the whole state between steps: the step count, every neuron's state, the delay
    /// slots, the weights, the traces, the eligibility and the rewards, and the last step's
    /// spikes (the traces take them at the next step). Restoring it into a backend built from the
    /// same network (this one on any number of threads, or the GPU backend) continues the run.
    /// </summary>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        RefuseWhilePrepared("A checkpoint");
        Complete();
        var spikes = new int[SpikeCount];
        CopySpikes(spikes);
        var v = new float[_n];
        var refractory = new float[_n];
        Decode(v, refractory);
        new MassState
        {
            Step = _step, V = v, Ge = _ge.Span.ToArray(), Gi = _gi.Span.ToArray(), Ref = refractory, U = _u.Span.ToArray(), Slots = _slots ?? [], Weights = _weights,
            Rules = [.. _rules.Select(r => new RuleTraces(r.Pre, r.Post, r.Pre2, r.Post2, r.PreStep, r.PostStep))],
            Eligibility = _eligibility, Touched = _touched, Rewards = [.. _rewards.Entries], Spikes = spikes,
        }.Write(stream, _net);
    }

    /// <summary>Replaces this backend's state with a checkpoint of the same network (taken on either backend).</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, one of another network, or truncated; nothing was changed.</exception>
    public void LoadCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);

        // Read everything before changing anything, so that a bad file leaves the state as it was.
        Complete();
        MassState s = MassState.Read(stream, _net);
        _rewards.Replace(s.Rewards);
        _prepared = false; // everything the preparation computed is replaced
        _step = s.Step;
        Encode(s.V, s.Ref);
        s.Ge.CopyTo(_ge.Span);
        s.Gi.CopyTo(_gi.Span);
        s.U.CopyTo(_u.Span);
        s.Slots.CopyTo(_slots ?? [], 0);
        s.Weights[0].CopyTo(_weights[0], 0);
        s.Weights[1].CopyTo(_weights[1], 0);
        for (int q = 0; q < _rules.Length; q++)
        {
            RuleTraces t = s.Rules[q];
            t.Pre.CopyTo(_rules[q].Pre, 0);
            t.Post.CopyTo(_rules[q].Post, 0);
            t.Pre2.CopyTo(_rules[q].Pre2, 0);
            t.Post2.CopyTo(_rules[q].Post2, 0);
            t.PreStep.CopyTo(_rules[q].PreStep, 0);
            t.PostStep.CopyTo(_rules[q].PostStep, 0);
        }

        for (int k = 0; k < _eligibility.Length; k++)
        {
            s.Eligibility[k].CopyTo(_eligibility[k], 0);
            s.Touched[k].CopyTo(_touched[k], 0);
        }

        foreach (Chunk c in _chunks)
        {
            int n = 0;
            int[] spikes = c.Buffer(_step - 1); // the last step's list
            foreach (int i in s.Spikes)
            {
                if (i >= c.Lo && i < c.Hi)
                {
                    spikes[n++] = i;
                }
            }

            c.SetCount(_step - 1, n);
        }
    }
}
