using ILGPU;
using ILGPU.Runtime;

namespace Neurolink.Mass.Gpu;

/// <summary>
/// The learning rules on the device: their state, the dopamine history, and the weights read back.
/// </summary>
public sealed partial class GpuMass
{
    /// <summary>
    /// The current weights of a receptor's synapses, in the order of the network's rows, every
    /// eligibility brought up to date first, as <see cref="CpuMass.Weights"/> does (one copy; synchronises).
    /// </summary>
    public float[] CopyWeights(Receptor receptor)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SettleAll();
        var weights = new float[(receptor == Receptor.Excitatory ? _net.Excitatory : _net.Inhibitory).Count];
        if (weights.Length > 0)
        {
            (receptor == Receptor.Excitatory ? _exc : _inh).Weight.SubView(0, weights.Length).CopyToCPU(_stream, weights);
        }

        return weights;
    }

    /// <summary>The network's dopamine now, tonic and phasic.</summary>
    public double Dopamine => _net.Spec.DopamineBaseline + _rewards.At(_step);

    /// <inheritdoc/>
    public void Reward(double amount)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _rewards.Add(_step, amount);
        UploadRewards();
    }

    /// <summary>The learning rules' device state, as the CPU backend keeps it: traces per rule and neuron, decay tables, column indexes, eligibility.</summary>
    private PlasticViews Plasticity(CompiledNetwork net)
    {
        double dt = net.Spec.DtMs;
        int q = net.Rules.Count;
        var rules = new RuleConstants[Math.Max(1, q)];
        var tables = new List<double>();
        for (int k = 0; k < q; k++)
        {
            PlasticityRule rule = net.Rules[k];
            (double tauPlus, double tauMinus) = rule switch
            {
                PairStdp x => (x.TauPlusMs, x.TauMinusMs),
                TripletStdp x => (x.TauPlusMs, x.TauMinusMs),
                RewardStdp x => (x.TauPlusMs, x.TauMinusMs),
                _ => throw new NotSupportedException($"the GPU backend has no kernel for the {rule.Type} learning rule"),
            };
            var c = new RuleConstants { WMin = rule.WMin, WMax = rule.WMax, TauC = 1 };
            (c.PlusAt, c.PlusLength) = Table(tauPlus / dt);
            (c.MinusAt, c.MinusLength) = Table(tauMinus / dt);
            switch (rule)
            {
                case PairStdp x:
                    (c.Kind, c.Multiplicative, c.APlus, c.AMinus) = (RuleConstants.Pair, x.Multiplicative ? 1 : 0, x.APlus, x.AMinus);
                    break;
                case TripletStdp x:
                    (c.Kind, c.APlus, c.AMinus, c.A3Plus, c.A3Minus) = (RuleConstants.Triplet, x.A2Plus, x.A2Minus, x.A3Plus, x.A3Minus);
                    (c.XAt, c.XLength) = Table(x.TauXMs / dt);
                    (c.YAt, c.YLength) = Table(x.TauYMs / dt);
                    break;
                case RewardStdp x:
                    (c.Kind, c.APlus, c.AMinus, c.TauC) = (RuleConstants.Reward, x.APlus, x.AMinus, x.TauEligibilityMs / dt);
                    break;
            }

            rules[k] = c;
        }

        (int At, int Length) Table(double tauSteps)
        {
            double[] table = DecayTable.Of(tauSteps); // the CPU backend's
            int at = tables.Count;
            tables.AddRange(table);
            return (at, table.Length);
        }

        long traces = Math.Max(1, (long)q * _n);
        long slowTraces = net.Rules.Any(r => r is TripletStdp) ? traces : 1;
        MemoryBuffer1D<float, Stride1D.Dense> Zeros(long length)
        {
            MemoryBuffer1D<float, Stride1D.Dense> b = Own(_acc.Allocate1D<float>(length));
            b.MemSetToZero();
            return b;
        }

        MemoryBuffer1D<int, Stride1D.Dense> IntZeros(long length)
        {
            MemoryBuffer1D<int, Stride1D.Dense> b = Own(_acc.Allocate1D<int>(length));
            b.MemSetToZero();
            return b;
        }

        (int[] Start, int[] Column, int[] Pre) Columns(SynapseRows rows)
        {
            if (q == 0)
            {
                return ([0], [0], [0]);
            }

            (int[] start, int[] column, int[] pre) = rows.PlasticColumns(_n);
            return column.Length == 0 ? (start, [0], [0]) : (start, column, pre);
        }

        (int[] es, int[] ec, int[] ep) = Columns(net.Excitatory);
        (int[] iS, int[] ic, int[] ip) = Columns(net.Inhibitory);
        bool reward = net.Rules.Any(r => r is RewardStdp);
        return new PlasticViews
        {
            Rules = q,
            Rule = Own(Upload(rules)).View,
            Tables = Own(Upload(tables.Count == 0 ? [0.0] : tables.ToArray())).View,
            Pre = Zeros(traces).View, Post = Zeros(traces).View, PreStep = IntZeros(traces).View, PostStep = IntZeros(traces).View,
            Pre2 = Zeros(slowTraces).View, Post2 = Zeros(slowTraces).View,
            ExcRule = Own(Upload(q == 0 ? [(byte)0] : net.Excitatory.Rule)).View,
            InhRule = Own(Upload(q == 0 ? [(byte)0] : net.Inhibitory.Rule)).View,
            ExcColumnStart = Own(Upload(es)).View, ExcColumn = Own(Upload(ec)).View, ExcColumnPre = Own(Upload(ep)).View,
            InhColumnStart = Own(Upload(iS)).View, InhColumn = Own(Upload(ic)).View, InhColumnPre = Own(Upload(ip)).View,
            ExcEligibility = Zeros(reward ? Math.Max(1, net.Excitatory.Count) : 1).View,
            InhEligibility = Zeros(reward ? Math.Max(1, net.Inhibitory.Count) : 1).View,
            ExcTouched = IntZeros(reward ? Math.Max(1, net.Excitatory.Count) : 1).View,
            InhTouched = IntZeros(reward ? Math.Max(1, net.Inhibitory.Count) : 1).View,
            TauDopamine = _rewards.TauSteps,
            Baseline = net.Spec.DopamineBaseline,
            Dt = dt,
        };
    }

    /// <summary>Copies the dopamine history to the device when it changed (after the steps that read the old one).</summary>
    private void UploadRewards()
    {
        if (_rewardsVersion == _rewards.Version)
        {
            return;
        }

        IReadOnlyList<(long Step, double Level)> entries = _rewards.Entries;
        _stream.Synchronize(); // queued steps read the old entries (a trim moves them)
        _injectsSinceSync = 0;
        if (_rewardStep is null || _rewardStep.Length < entries.Count)
        {
            _rewardStep?.Dispose();
            _rewardLevel?.Dispose();
            long capacity = Math.Max(16, 2L * entries.Count);
            _rewardStep = _acc.Allocate1D<long>(capacity);
            _rewardLevel = _acc.Allocate1D<double>(capacity);
        }

        var steps = new long[entries.Count];
        var levels = new double[entries.Count];
        for (int k = 0; k < entries.Count; k++)
        {
            (steps[k], levels[k]) = entries[k];
        }

        _rewardStep.View.SubView(0, steps.Length).CopyFromCPU(_stream, steps);
        _rewardLevel!.View.SubView(0, levels.Length).CopyFromCPU(_stream, levels);
        _stream.Synchronize();
        _plastic.RewardStep = _rewardStep.View;
        _plastic.RewardLevel = _rewardLevel.View;
        _plastic.RewardCount = entries.Count;
        _rewardsVersion = _rewards.Version;
    }

    /// <summary>Brings every reward-modulated synapse up to now (queued).</summary>
    private void SettleAll()
    {
        if (!_rewardRules)
        {
            return;
        }

        int exc = _net.Excitatory.Count, inh = _net.Inhibitory.Count;
        if (exc + inh > 0)
        {
            _settleAll(_stream, exc + inh, _exc.Weight, _inh.Weight, _plastic, exc, inh, checked((int)_step));
        }
    }
}
