using System.Runtime.CompilerServices;

namespace Neurolink.Mass;

/// <summary>
/// Local plasticity on the CPU. Every rule reads only what the synapse could know: its
/// presynaptic neuron's trace, its postsynaptic neuron's trace and, for the three-factor rule,
/// the network's dopamine. Traces live per neuron and decay lazily (a table of decay factors by
/// age); synapses are touched only when one of their neurons spikes: on a presynaptic spike in
/// the delivery of that spike (depression), on a postsynaptic spike through a column index of
/// the plastic synapses onto that neuron (potentiation). Eligibility (the three-factor rule)
/// decays lazily too: when a synapse is touched, the weight gains the integral of c d since its
/// last touch, exactly, from a running integral of the dopamine weighted by the eligibility
/// decay (a ring of ten eligibility time constants; older eligibility has decayed below 5e-5).
/// </summary>
public sealed partial class CpuMass
{
    private RuleState[] _rules = [];
    private int[][] _columnStart = [];
    private int[][] _columnSynapse = [];
    private int[][] _columnPre = [];
    private float[][] _eligibility = [];
    private int[][] _touched = [];
    private readonly RewardHistory _rewards;

    /// <summary>The network's dopamine now, tonic and phasic.</summary>
    public double Dopamine => _net.Spec.DopamineBaseline + _rewards.At(_step);

    /// <summary>Adds <paramref name="amount"/> to the dopamine (a reward), between steps.</summary>
    public void Reward(double amount) => _rewards.Add(_step, amount);

    /// <summary>
    /// The current weights of a receptor's synapses, in the order of <see cref="CompiledNetwork.Excitatory"/>
    /// or <see cref="CompiledNetwork.Inhibitory"/>, with every eligibility brought up to date first. O(synapses).
    /// </summary>
    public ReadOnlySpan<float> Weights(Receptor receptor)
    {
        int r = (int)receptor;
        for (int s = 0; s < _weights[r].Length; s++)
        {
            byte rule = RuleOf(r, s);
            if (rule != 0 && _rules[rule - 1].Reward)
            {
                Settle(r, s, ref _rules[rule - 1], _step);
            }
        }

        return _weights[r];
    }

    /// <inheritdoc/>
    public float[] CopyWeights(Receptor receptor) => Weights(receptor).ToArray();

    private byte RuleOf(int receptor, int synapse) => (receptor == 0 ? _net.Excitatory : _net.Inhibitory).Rule[synapse];

    private void SetUpPlasticity()
    {
        if (_net.Rules.Count == 0)
        {
            return;
        }

        double dt = _net.Spec.DtMs;
        _rules = [.. _net.Rules.Select(r => new RuleState(r, dt, _n))];
        _columnStart = new int[2][];
        _columnSynapse = new int[2][];
        _columnPre = new int[2][];
        _eligibility = new float[2][];
        _touched = new int[2][];
        for (int r = 0; r < 2; r++)
        {
            SynapseRows rows = r == 0 ? _net.Excitatory : _net.Inhibitory;
            (int[] start, int[] column, int[] pre) = rows.PlasticColumns(_n);
            _columnStart[r] = start;
            _columnSynapse[r] = column;
            _columnPre[r] = pre;
            bool reward = _rules.Any(x => x.Reward);
            _eligibility[r] = reward ? new float[rows.Count] : [];
            _touched[r] = reward ? new int[rows.Count] : [];
        }
    }

    /// <summary>Adds 1 to the traces of this chunk's neurons that spiked in the step before <paramref name="step"/>.</summary>
    private void IncrementTraces(ReadOnlySpan<int> lastSpikes, long step)
    {
        for (int q = 0; q < _rules.Length; q++)
        {
            ref RuleState rule = ref _rules[q];
            foreach (int i in lastSpikes)
            {
                if (rule.Triplet)
                {
                    rule.Pre2[i] = (float)(rule.Pre2At(i, step - 1) + 1);
                    rule.Post2[i] = (float)(rule.Post2At(i, step - 1) + 1);
                }

                rule.Pre[i] = (float)(rule.PreAt(i, step - 1) + 1);
                rule.Post[i] = (float)(rule.PostAt(i, step - 1) + 1);
                rule.PreStep[i] = (int)(step - 1);
                rule.PostStep[i] = (int)(step - 1);
            }
        }
    }

    /// <summary>A presynaptic spike reaches a plastic synapse: depression by the postsynaptic trace.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void OnPre(int receptor, int synapse, int pre, int post, byte ruleIndex)
    {
        ref RuleState rule = ref _rules[ruleIndex - 1];
        double y = rule.PostAt(post, _step);
        if (rule.Triplet)
        {
            // The presynaptic slow trace before this spike's own increment (t - epsilon).
            y *= rule.AMinus + (rule.A3Minus * rule.Pre2At(pre, _step));
            float[] tw = _weights[receptor];
            tw[synapse] = (float)Math.Clamp(tw[synapse] - (y * (rule.WMax - rule.WMin)), rule.WMin, rule.WMax);
            return;
        }

        if (rule.Reward)
        {
            Settle(receptor, synapse, ref rule, _step);
            _eligibility[receptor][synapse] -= (float)(rule.AMinus * y);
            return;
        }

        float[] w = _weights[receptor];
        double change = rule.Multiplicative ? rule.AMinus * y * (w[synapse] - rule.WMin) : rule.AMinus * y * (rule.WMax - rule.WMin);
        w[synapse] = (float)Math.Clamp(w[synapse] - change, rule.WMin, rule.WMax);
    }

    /// <summary>The postsynaptic neuron <paramref name="post"/> spiked: potentiation of its plastic inputs by their presynaptic traces.</summary>
    private void OnPost(int post)
    {
        for (int receptor = 0; receptor < 2; receptor++)
        {
            int[] start = _columnStart[receptor];
            int[] column = _columnSynapse[receptor];
            int[] columnPre = _columnPre[receptor];
            SynapseRows rows = receptor == 0 ? _net.Excitatory : _net.Inhibitory;
            float[] w = _weights[receptor];
            for (int c = start[post]; c < start[post + 1]; c++)
            {
                int s = column[c];
                ref RuleState rule = ref _rules[rows.Rule[s] - 1];
                double x = rule.PreAt(columnPre[c], _step);
                if (rule.Triplet)
                {
                    double triplet = x * (rule.APlus + (rule.A3Plus * rule.Post2At(post, _step))) * (rule.WMax - rule.WMin);
                    w[s] = (float)Math.Clamp(w[s] + triplet, rule.WMin, rule.WMax);
                    continue;
                }

                if (rule.Reward)
                {
                    Settle(receptor, s, ref rule, _step);
                    _eligibility[receptor][s] += (float)(rule.APlus * x);
                    continue;
                }

                double change = rule.Multiplicative ? rule.APlus * x * (rule.WMax - w[s]) : rule.APlus * x * (rule.WMax - rule.WMin);
                w[s] = (float)Math.Clamp(w[s] + change, rule.WMin, rule.WMax);
            }
        }
    }

    /// <summary>
    /// Brings a three-factor synapse up to the start of <paramref name="step"/>: the weight gains
    /// the integral of c(u) d(u) since the last touch, c and d both exponential between rewards.
    /// </summary>
    private void Settle(int receptor, int synapse, ref RuleState rule, long step)
    {
        float[] c = _eligibility[receptor];
        int[] touched = _touched[receptor];
        long last = touched[synapse];
        double eligibility = c[synapse];
        if (eligibility != 0 && step > last)
        {
            if (step - last > 40 * rule.TauC)
            {
                // Decayed to nothing (e^-40) whatever came since.
                c[synapse] = 0;
            }
            else
            {
                double gained = 0;
                double k = (1 / rule.TauC) + (1 / _rewards.TauSteps);
                IReadOnlyList<(long Step, double Level)> rewards = _rewards.Entries;
                double baseline = _net.Spec.DopamineBaseline;
                int e = _rewards.Before(last);
                long a = last;
                double ca = eligibility;
                double da = _rewards.At(last);
                while (true)
                {
                    long b = e + 1 < rewards.Count && rewards[e + 1].Step < step ? rewards[e + 1].Step : step;
                    gained += ca * ((da * (1 - Math.Exp(-(b - a) * k)) / k) + (baseline * rule.TauC * (1 - Math.Exp(-(b - a) / rule.TauC))));
                    if (b == step)
                    {
                        break;
                    }

                    e++;
                    ca *= Math.Exp(-(b - a) / rule.TauC);
                    da = rewards[e].Level;
                    a = b;
                }

                float[] w = _weights[receptor];
                w[synapse] = (float)Math.Clamp(w[synapse] + (gained * _net.Spec.DtMs), rule.WMin, rule.WMax);
                c[synapse] = (float)(eligibility * Math.Exp(-(step - last) / rule.TauC));
            }
        }

        touched[synapse] = (int)step;
    }

    /// <summary>The state of one plastic projection's rule: traces per neuron, decay tables, the dopamine integral.</summary>
    private struct RuleState
    {
        public readonly bool Reward;
        public readonly bool Multiplicative;
        public readonly bool Triplet;
        public readonly double A3Plus, A3Minus;
        public readonly float[] Pre2, Post2;
        private readonly double[] _decayX, _decayY;
        public readonly double APlus, AMinus, WMin, WMax;
        public readonly float[] Pre, Post;
        public readonly int[] PreStep, PostStep;
        public readonly double TauC;
        private readonly double[] _decayPlus, _decayMinus;

        public RuleState(PlasticityRule rule, double dt, int neurons)
        {
            (double tauPlus, double tauMinus) = rule switch
            {
                PairStdp p => (p.TauPlusMs, p.TauMinusMs),
                RewardStdp r => (r.TauPlusMs, r.TauMinusMs),
                TripletStdp t => (t.TauPlusMs, t.TauMinusMs),
                _ => throw new NotSupportedException($"learning rule {rule.Type} is not supported on the CPU backend"),
            };
            (APlus, AMinus) = rule switch
            {
                PairStdp p => (p.APlus, p.AMinus),
                RewardStdp r => (r.APlus, r.AMinus),
                TripletStdp t => (t.A2Plus, t.A2Minus),
                _ => (0, 0),
            };
            Triplet = rule is TripletStdp;
            (A3Plus, A3Minus) = rule is TripletStdp t3 ? (t3.A3Plus, t3.A3Minus) : (0, 0);
            Pre2 = Triplet ? new float[neurons] : [];
            Post2 = Triplet ? new float[neurons] : [];
            _decayX = rule is TripletStdp tx ? Table(tx.TauXMs / dt) : [];
            _decayY = rule is TripletStdp ty ? Table(ty.TauYMs / dt) : [];
            Reward = rule is RewardStdp;
            Multiplicative = rule is PairStdp { Multiplicative: true };
            WMin = rule.WMin;
            WMax = rule.WMax;
            Pre = new float[neurons];
            Post = new float[neurons];
            PreStep = new int[neurons];
            PostStep = new int[neurons];
            _decayPlus = Table(tauPlus / dt);
            _decayMinus = Table(tauMinus / dt);
            TauC = rule is RewardStdp e ? e.TauEligibilityMs / dt : 1;
        }

        public readonly double PreAt(int i, long step) => Pre[i] * Decay(_decayPlus, step - PreStep[i]);

        public readonly double PostAt(int i, long step) => Post[i] * Decay(_decayMinus, step - PostStep[i]);

        public readonly double Pre2At(int i, long step) => Pre2[i] * Decay(_decayX, step - PreStep[i]);

        public readonly double Post2At(int i, long step) => Post2[i] * Decay(_decayY, step - PostStep[i]);

        private static double Decay(double[] table, long age) => age < table.Length ? table[age] : 0;

        private static double[] Table(double tauSteps) => DecayTable.Of(tauSteps);
    }
}

/// <summary>A trace's decay by age in steps: e^(-age/tau) up to 12 tau, 0 beyond (the same table on both backends).</summary>
internal static class DecayTable
{
    public static double[] Of(double tauSteps)
    {
        var table = new double[(int)Math.Ceiling(12 * tauSteps) + 1];
        for (int k = 0; k < table.Length; k++)
        {
            table[k] = Math.Exp(-k / tauSteps);
        }

        return table;
    }
}
