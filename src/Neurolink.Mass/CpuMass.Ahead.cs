namespace Neurolink.Mass;

/// <summary>
/// The next step, done ahead: in a closed loop the mass waits about a millisecond for each frame,
/// and most of the next step does not depend on it. Channel input reaches only the neurons the
/// channels drive, and each neuron's update reads and writes only its own state, so the update
/// of every other neuron can run as soon as the last step's spikes are delivered; when the frame
/// comes, only the driven neurons are left to update before the step's spikes are delivered. The
/// result is exactly that of the step done at once: the same operations on the same values, and
/// the spikes delivered in the same (ascending) order.
/// </summary>
public sealed partial class CpuMass
{
    private readonly (int Lo, int Hi)[] _driven;   // ranges of neurons some channel drives, ascending
    private readonly (int Lo, int Hi)[] _undriven; // the rest
    private int[]? _ahead;                          // spikes of the undriven neurons, updated ahead (allocated at the first preparation)
    private int[]? _drivenSpikes;
    private int _aheadCount;
    private bool _prepared;

    /// <summary>
    /// Updates ahead every neuron no channel drives, so that the next <see cref="Step"/> is left
    /// with the driven neurons and the delivery of spikes (and the rows those spikes will read
    /// are asked of memory now). <see cref="InjectChannelCounts"/> may come before that step as
    /// always; <see cref="CopyV"/> and <see cref="SaveCheckpoint"/> refuse until it has run
    /// (part of the network is a step ahead). Returns false, and does nothing, on more than one
    /// thread or with plasticity (both read other neurons' state during the update); the step
    /// then does all of its work. Calling it twice before a step does the work once.
    /// </summary>
    public bool PrepareNextStep()
    {
        if (_prepared)
        {
            return true;
        }

        if (Threads != 1 || _rules.Length > 0)
        {
            return false;
        }

        _ahead ??= new int[Math.Max(16, _n)];
        _drivenSpikes ??= new int[Math.Max(16, _n)];
        int count = 0;
        foreach ((int lo, int hi) in _undriven)
        {
            count = UpdateRange(0, lo, hi, _step, _ahead, count);
        }

        _aheadCount = count;
        _prepared = true;
        // What the frame's part of the step reads: the rows of the spikes so far, the channels'
        // rows, and the driven neurons' state.
        PrefetchRows(0, _ahead.AsSpan(0, count));
        PrefetchLines<int>(_net.Inputs.RowStart);
        PrefetchLines<int>(_net.Inputs.Target);
        PrefetchLines<float>(_net.Inputs.Weight);
        foreach ((int lo, int hi) in _driven)
        {
            PrefetchLines<float>(_v.AsSpan(lo, hi - lo));
            PrefetchLines<float>(_ge.AsSpan(lo, hi - lo));
            PrefetchLines<float>(_gi.AsSpan(lo, hi - lo));
        }

        return true;
    }

    /// <summary>The step's update when it was prepared: the driven neurons now, then both spike lists merged in order.</summary>
    private void FinishPrepared(long step)
    {
        int[] ahead = _ahead!, drivenSpikes = _drivenSpikes!;
        int driven = 0;
        foreach ((int lo, int hi) in _driven)
        {
            driven = UpdateRange(0, lo, hi, step, drivenSpikes, driven);
        }

        Release(0, step);

        Chunk chunk = _chunks[0];
        int[] spikes = chunk.Buffer(step);
        int a = 0, b = 0, n = 0;
        while (a < _aheadCount && b < driven)
        {
            spikes[n++] = ahead[a] < drivenSpikes[b] ? ahead[a++] : drivenSpikes[b++];
        }

        while (a < _aheadCount)
        {
            spikes[n++] = ahead[a++];
        }

        while (b < driven)
        {
            spikes[n++] = drivenSpikes[b++];
        }

        chunk.SetCount(step, n);
        _prepared = false;
    }

    private void RefuseWhilePrepared(string what)
    {
        if (_prepared)
        {
            throw new InvalidOperationException($"{what} is not possible between PrepareNextStep and Step: the neurons no channel drives are already a step ahead. Call Step first.");
        }
    }

    /// <summary>The neurons some channel drives (the targets of the input rows), and the rest, as ascending ranges.</summary>
    private static ((int Lo, int Hi)[] Driven, (int Lo, int Hi)[] Undriven) DrivenRanges(CompiledNetwork network)
    {
        var driven = new bool[network.NeuronCount];
        foreach (int target in network.Inputs.Target)
        {
            driven[target] = true;
        }

        var yes = new List<(int, int)>();
        var no = new List<(int, int)>();
        for (int i = 0; i < driven.Length;)
        {
            int start = i;
            bool kind = driven[i];
            while (i < driven.Length && driven[i] == kind)
            {
                i++;
            }

            (kind ? yes : no).Add((start, i));
        }

        return ([.. yes], [.. no]);
    }
}
