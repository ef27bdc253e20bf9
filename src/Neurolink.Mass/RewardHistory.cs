namespace Neurolink.Mass;

/// <summary>
/// The phasic dopamine of a network, as every backend keeps it: a list of (step, level) where a
/// reward set the level, decaying with the dopamine time constant in between. Rewards older than
/// forty eligibility time constants are dropped (eligibility from before them has decayed by
/// e^-40), keeping the one before them.
/// </summary>
internal sealed class RewardHistory
{
    private readonly List<(long Step, double Level)> _entries = [(0, 0)];

    /// <param name="tauSteps">The dopamine time constant in steps.</param>
    /// <param name="horizonSteps">How far back a synapse can still need a reward (40 eligibility time constants).</param>
    public RewardHistory(double tauSteps, long horizonSteps)
    {
        TauSteps = tauSteps;
        HorizonSteps = horizonSteps;
    }

    /// <summary>The history for <paramref name="net"/>: its dopamine time constant, and the horizon of its longest eligibility.</summary>
    public static RewardHistory For(CompiledNetwork net)
    {
        double dt = net.Spec.DtMs;
        double tauC = net.Rules.OfType<RewardStdp>().Select(r => r.TauEligibilityMs / dt).DefaultIfEmpty(0).Max();
        return new RewardHistory(net.Spec.DopamineTauMs / dt, (long)(40 * tauC));
    }

    /// <summary>The dopamine time constant in steps.</summary>
    public double TauSteps { get; }

    /// <summary>How far back rewards are kept, in steps.</summary>
    public long HorizonSteps { get; }

    /// <summary>The entries, oldest first; the first is at or before every step still needed.</summary>
    public IReadOnlyList<(long Step, double Level)> Entries => _entries;

    /// <summary>Counts changes, so a device copy knows when it is stale.</summary>
    public int Version { get; private set; }

    /// <summary>Adds <paramref name="amount"/> to the dopamine at <paramref name="step"/> (between steps).</summary>
    public void Add(long step, double amount)
    {
        double level = At(step) + amount;
        if (_entries[^1].Step == step)
        {
            _entries[^1] = (step, level);
        }
        else
        {
            _entries.Add((step, level));
        }

        long horizon = step - HorizonSteps;
        int drop = 0;
        while (drop + 1 < _entries.Count && _entries[drop + 1].Step <= horizon)
        {
            drop++;
        }

        _entries.RemoveRange(0, drop);
        Version++;
    }

    /// <summary>The phasic dopamine at the start of <paramref name="step"/>.</summary>
    public double At(long step)
    {
        (long at, double level) = _entries[Before(step)];
        return level * Math.Exp(-(step - at) / TauSteps);
    }

    /// <summary>Index of the last entry at or before <paramref name="step"/>.</summary>
    public int Before(long step)
    {
        int lo = 0, hi = _entries.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (_entries[mid].Step <= step)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    /// <summary>Replaces the entries (a restored checkpoint's).</summary>
    /// <exception cref="InvalidDataException">No entries, or not in step order.</exception>
    public void Replace(IReadOnlyList<(long Step, double Level)> entries)
    {
        if (entries.Count == 0)
        {
            throw new InvalidDataException("the checkpoint holds no dopamine entry (at least the one at step 0 is always there)");
        }

        for (int k = 1; k < entries.Count; k++)
        {
            if (entries[k].Step <= entries[k - 1].Step)
            {
                throw new InvalidDataException($"the checkpoint's dopamine entries are out of step order at entry {k}");
            }
        }

        _entries.Clear();
        _entries.AddRange(entries);
        Version++;
    }
}
