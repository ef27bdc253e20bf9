using ILGPU;
using ILGPU.Algorithms;

namespace Neurolink.Mass.Gpu;

/// <summary>A population's constants for one step, one layout for every model (see <see cref="Kernels"/>).</summary>
/// <remarks>
/// lif_cuba: X0 = exp(-dt/tau_m), X1 and X2 = the exact current-to-voltage coefficients.
/// lif_coba: X0 = g_L, X1 = E_e, X2 = E_i, X3 = bias (pA), X4 = dt / C.
/// izhikevich: Vt = peak, Vr = c, X0 = dt, X1 = a, X2 = b, X3 = d, X4 = bias.
/// </remarks>
internal struct ModelConstants
{
    public const int Cuba = 0, Coba = 1, Izhikevich = 2;

    public int Kind;
    public float De, Di, Vt, Vr, RefSteps, El, X0, X1, X2, X3, X4;
}

/// <summary>Every neuron's state on the device.</summary>
internal struct NeuronViews
{
    public ArrayView<float> V, U, Ge, Gi, Ref;
    public ArrayView<byte> Population;
    public ArrayView<ModelConstants> Models;
}

/// <summary>Where spikes go: this step's compacted list, the bit record, and per-neuron firing statistics.</summary>
internal struct SpikeViews
{
    public ArrayView<int> List;      // spiking neurons of the step, in no particular order
    public ArrayView<int> Counters;  // [parity]: how many are in List (two, so one step can clear the next's)
    public ArrayView<uint> Record;   // bit i of row r: neuron i fired in that row's step
    public ArrayView<int> Count, Last;
    public ArrayView<long> IsiSum, IsiSquares;
    public ArrayView<float> Slots;   // [slot][receptor][neuron] when delays are above 0, else one element
}

/// <summary>One receptor's synapses in CSR by presynaptic neuron (the host's <see cref="SynapseRows"/>).</summary>
internal struct RowViews
{
    public ArrayView<int> RowStart, Target;
    public ArrayView<float> Weight;
    public ArrayView<ushort> Delay;
}

/// <summary>One learning rule's constants (the CPU's RuleState for that rule).</summary>
internal struct RuleConstants
{
    public const int Pair = 0, Triplet = 1, Reward = 2;

    public int Kind;
    public int Multiplicative;
    public double APlus, AMinus, WMin, WMax;
    public double A3Plus, A3Minus;      // triplet
    public double TauC;                 // reward: eligibility time constant, steps
    public int PlusAt, PlusLength, MinusAt, MinusLength; // decay tables by age, in Tables
    public int XAt, XLength, YAt, YLength;               // triplet: the slow traces' tables
}

/// <summary>
/// Local plasticity on the device, as the CPU backend keeps it: per rule and neuron a
/// presynaptic and a postsynaptic trace (and the triplet rule's slow traces) with the step each
/// was last set, decayed lazily by age from the same tables; for each receptor a column index
/// of the plastic synapses by target; for the three-factor rule, eligibility per synapse with
/// the step it was last brought up to, and the dopamine history.
/// </summary>
internal struct PlasticViews
{
    public int Rules;                      // 0: no plasticity
    public ArrayView<RuleConstants> Rule;
    public ArrayView<double> Tables;
    public ArrayView<float> Pre, Post;     // [rule][neuron]
    public ArrayView<float> Pre2, Post2;   // [rule][neuron] when a rule is triplet, else one element
    public ArrayView<int> PreStep, PostStep;
    public ArrayView<byte> ExcRule, InhRule; // per synapse: 0 or 1 + rule
    public ArrayView<int> ExcColumnStart, ExcColumn, ExcColumnPre, InhColumnStart, InhColumn, InhColumnPre;
    public ArrayView<float> ExcEligibility, InhEligibility; // per synapse when a rule is reward-modulated
    public ArrayView<int> ExcTouched, InhTouched;
    public ArrayView<long> RewardStep;     // the dopamine history (RewardHistory's entries)
    public ArrayView<double> RewardLevel;
    public int RewardCount;
    public double TauDopamine, Baseline, Dt;
}

/// <summary>What changes from step to step.</summary>
internal struct StepArgs
{
    public int Neurons;
    public int Step;
    public int Parity;      // step & 1
    public int Delayed;     // 1 when slots are in use
    public long Arrive;     // offset of the slot that arrives this step (slot of step - 1)
    public int Slot;        // this step's slot (delivery writes slot + delay)
    public int SlotCount;
    public long RecordRow;  // offset of this step's row in Record
    public int Warps;       // delivery: the grid is this many warps of 32 threads

    // The currents' frame (CurrentFrame), per receptor E and I: the stored G times Scale is the
    // current this step integrates; a framed receptor's G is rescaled by Restart when Restarts is
    // 1, takes delayed input times InverseAt, and is not decayed per neuron; the delivery of this
    // step's spikes adds weight times InverseNext.
    public int FramedE, FramedI, Restarts;
    public float ScaleE, ScaleI, RestartE, RestartI, InverseAtE, InverseAtI, InverseNextE, InverseNextI;
}

/// <summary>
/// The GPU backend's kernels. They are written for ILGPU (CUDA on a GPU, its CPU accelerator in
/// tests) and keep the CPU backend's arithmetic, operation for operation, so a step differs only
/// in the order spikes are summed into a neuron (atomic additions), never in the model.
/// </summary>
internal static class Kernels
{
    /// <summary>
    /// One neuron per thread, fused: arrival of delayed input, integration, threshold, reset,
    /// and, for a spike, compaction into the step's list (one atomic), a bit in the record, and
    /// the neuron's firing statistics. Thread 0 clears the next step's list counter.
    /// </summary>
    public static void Update(Index1D index, NeuronViews n, SpikeViews s, PlasticViews p, StepArgs a)
    {
        int i = index;
        if (i == 0)
        {
            s.Counters[a.Parity ^ 1] = 0;
        }

        if (i >= a.Neurons)
        {
            return;
        }

        if (p.Rules > 0 && a.Step > 0 && s.Last[i] == a.Step - 1)
        {
            // The neuron spiked in the last step: every rule's traces gain 1 (after decaying to then).
            for (int q = 0; q < p.Rules; q++)
            {
                RuleConstants r = p.Rule[q];
                long at = ((long)q * a.Neurons) + i;
                if (r.Kind == RuleConstants.Triplet)
                {
                    p.Pre2[at] = (float)((p.Pre2[at] * Decay(p.Tables, r.XAt, r.XLength, a.Step - 1 - p.PreStep[at])) + 1);
                    p.Post2[at] = (float)((p.Post2[at] * Decay(p.Tables, r.YAt, r.YLength, a.Step - 1 - p.PostStep[at])) + 1);
                }

                p.Pre[at] = (float)((p.Pre[at] * Decay(p.Tables, r.PlusAt, r.PlusLength, a.Step - 1 - p.PreStep[at])) + 1);
                p.Post[at] = (float)((p.Post[at] * Decay(p.Tables, r.MinusAt, r.MinusLength, a.Step - 1 - p.PostStep[at])) + 1);
                p.PreStep[at] = a.Step - 1;
                p.PostStep[at] = a.Step - 1;
            }
        }

        float ge = n.Ge[i], gi = n.Gi[i]; // as stored: in the frame where a receptor is framed
        if (a.Restarts != 0)
        {
            ge *= a.RestartE;
            gi *= a.RestartI;
        }

        if (a.Delayed != 0)
        {
            long e = a.Arrive + i, inh = a.Arrive + a.Neurons + i;
            ge += s.Slots[e] * a.InverseAtE;
            gi += s.Slots[inh] * a.InverseAtI;
            s.Slots[e] = 0;
            s.Slots[inh] = 0;
        }

        ModelConstants c = n.Models[(int)n.Population[i]];
        float v = n.V[i];
        bool fired;
        if (c.Kind == ModelConstants.Izhikevich)
        {
            float u = n.U[i];
            float current = (ge * a.ScaleE) + (gi * a.ScaleI) + c.X4;
            float vNext = v + (c.X0 * ((((0.04f * v) + 5f) * v) + 140f - u + current));
            float uNext = u + (c.X0 * c.X1 * ((c.X2 * v) - u));
            fired = vNext >= c.Vt;
            n.V[i] = fired ? c.Vr : vNext;
            n.U[i] = fired ? uNext + c.X3 : uNext;
        }
        else
        {
            float r = n.Ref[i];
            bool refractory = r > 0;
            if (!refractory)
            {
                if (c.Kind == ModelConstants.Cuba)
                {
                    v = c.El + ((v - c.El) * c.X0) + (ge * (c.X1 * a.ScaleE)) + (gi * (c.X2 * a.ScaleI));
                }
                else
                {
                    float geNow = ge * a.ScaleE, giNow = gi * a.ScaleI;
                    float total = c.X0 + geNow + giNow;
                    float vInf = ((c.X0 * c.El) + (geNow * c.X1) + (giNow * c.X2) + c.X3) / total;
                    v = vInf + ((v - vInf) * XMath.Exp(total * -c.X4));
                }
            }

            fired = !refractory && v > c.Vt;
            n.V[i] = fired ? c.Vr : v;
            n.Ref[i] = fired ? c.RefSteps : XMath.Max(r - 1f, 0f);
        }

        bool changed = a.Restarts != 0 || a.Delayed != 0;
        if (a.FramedE == 0 || changed)
        {
            n.Ge[i] = a.FramedE == 0 ? ge * c.De : ge;
        }

        if (a.FramedI == 0 || changed)
        {
            n.Gi[i] = a.FramedI == 0 ? gi * c.Di : gi;
        }
        if (fired)
        {
            s.List[Atomic.Add(ref s.Counters[a.Parity], 1)] = i;
            Atomic.Or(ref s.Record[a.RecordRow + (i >> 5)], 1u << (i & 31));
            int last = s.Last[i];
            if (last >= 0)
            {
                long isi = a.Step - last;
                s.IsiSum[i] += isi;
                s.IsiSquares[i] += isi * isi;
            }

            s.Last[i] = a.Step;
            s.Count[i]++;
        }
    }

    /// <summary>
    /// Delivers the step's spikes without the host knowing how many there are: the grid is a
    /// fixed number of threads, and the kernel reads the count on the device and splits the
    /// grid into one group per spike, each a multiple of 32 lanes wide (a few spikes with long
    /// rows get wide groups, many spikes get a warp each and loop). A group's lanes stride the
    /// spike's row, so neighbouring threads read neighbouring synapses; each synapse adds its
    /// weight atomically to its target's current, or to the slot its delay names.
    /// </summary>
    public static void Deliver(Index1D index, RowViews exc, RowViews inh, NeuronViews n, SpikeViews s, PlasticViews p, StepArgs a)
    {
        int count = s.Counters[a.Parity];
        if (!SpikeGroup(index, count, a.Warps, out int group, out int groups, out int lane, out int width))
        {
            return;
        }

        for (int k = group; k < count; k += groups)
        {
            int pre = s.List[k];
            Row(exc, pre, lane, width, n.Ge, s.Slots, a, 0, a.InverseNextE);
            Row(inh, pre, lane, width, n.Gi, s.Slots, a, 1, a.InverseNextI);
            if (p.Rules > 0)
            {
                // As on the CPU: the spike was delivered with the weight it found, then the weight learns.
                Depress(exc, p.ExcRule, p.ExcEligibility, p.ExcTouched, p, pre, lane, width, a);
                Depress(inh, p.InhRule, p.InhEligibility, p.InhTouched, p, pre, lane, width, a);
            }
        }
    }

    /// <summary>
    /// Potentiation, after delivery (the CPU's order): each postsynaptic spike raises its plastic
    /// inputs by their presynaptic traces, through the column index (one spike's column is its own:
    /// no two groups write the same synapse).
    /// </summary>
    public static void Potentiate(Index1D index, RowViews exc, RowViews inh, SpikeViews s, PlasticViews p, StepArgs a)
    {
        int count = s.Counters[a.Parity];
        if (!SpikeGroup(index, count, a.Warps, out int group, out int groups, out int lane, out int width))
        {
            return;
        }

        for (int k = group; k < count; k += groups)
        {
            int post = s.List[k];
            Column(exc.Weight, p.ExcRule, p.ExcColumnStart, p.ExcColumn, p.ExcColumnPre, p.ExcEligibility, p.ExcTouched, p, post, lane, width, a);
            Column(inh.Weight, p.InhRule, p.InhColumnStart, p.InhColumn, p.InhColumnPre, p.InhEligibility, p.InhTouched, p, post, lane, width, a);
        }
    }

    /// <summary>
    /// Splits a grid of <paramref name="warps"/> x 32 threads into one group per spike, each a
    /// multiple of 32 lanes wide; false for a thread with no group (or no spikes).
    /// </summary>
    private static bool SpikeGroup(int index, int count, int warps, out int group, out int groups, out int lane, out int width)
    {
        int total = warps * 32;
        width = XMath.Max(32, count == 0 ? total : total / count / 32 * 32);
        groups = total / width;
        group = index / width;
        lane = index % width;
        return count > 0 && group < groups;
    }

    private static void Depress(RowViews rows, ArrayView<byte> rule, ArrayView<float> eligibility, ArrayView<int> touched, PlasticViews p, int pre, int lane, int width, StepArgs a)
    {
        int end = rows.RowStart[pre + 1];
        for (int j = rows.RowStart[pre] + lane; j < end; j += width)
        {
            int q = rule[j] - 1;
            if (q < 0)
            {
                continue;
            }

            RuleConstants r = p.Rule[q];
            long at = ((long)q * a.Neurons) + rows.Target[j];
            double y = p.Post[at] * Decay(p.Tables, r.MinusAt, r.MinusLength, a.Step - p.PostStep[at]);
            if (r.Kind == RuleConstants.Triplet)
            {
                // The presynaptic slow trace before this spike's own increment (t - epsilon).
                long own = ((long)q * a.Neurons) + pre;
                y *= r.AMinus + (r.A3Minus * (p.Pre2[own] * Decay(p.Tables, r.XAt, r.XLength, a.Step - p.PreStep[own])));
                rows.Weight[j] = (float)XMath.Clamp(rows.Weight[j] - (y * (r.WMax - r.WMin)), r.WMin, r.WMax);
            }
            else if (r.Kind == RuleConstants.Reward)
            {
                Settle(rows.Weight, eligibility, touched, j, r, p, a.Step);
                eligibility[j] -= (float)(r.AMinus * y);
            }
            else
            {
                double w = rows.Weight[j];
                double change = r.Multiplicative != 0 ? r.AMinus * y * (w - r.WMin) : r.AMinus * y * (r.WMax - r.WMin);
                rows.Weight[j] = (float)XMath.Clamp(w - change, r.WMin, r.WMax);
            }
        }
    }

    private static void Column(ArrayView<float> weight, ArrayView<byte> rule, ArrayView<int> start, ArrayView<int> column, ArrayView<int> columnPre, ArrayView<float> eligibility, ArrayView<int> touched, PlasticViews p, int post, int lane, int width, StepArgs a)
    {
        int end = start[post + 1];
        for (int c = start[post] + lane; c < end; c += width)
        {
            int j = column[c];
            int q = rule[j] - 1;
            RuleConstants r = p.Rule[q];
            long at = ((long)q * a.Neurons) + columnPre[c];
            double x = p.Pre[at] * Decay(p.Tables, r.PlusAt, r.PlusLength, a.Step - p.PreStep[at]);
            if (r.Kind == RuleConstants.Triplet)
            {
                long own = ((long)q * a.Neurons) + post;
                double post2 = p.Post2[own] * Decay(p.Tables, r.YAt, r.YLength, a.Step - p.PostStep[own]);
                double triplet = x * (r.APlus + (r.A3Plus * post2)) * (r.WMax - r.WMin);
                weight[j] = (float)XMath.Clamp(weight[j] + triplet, r.WMin, r.WMax);
            }
            else if (r.Kind == RuleConstants.Reward)
            {
                Settle(weight, eligibility, touched, j, r, p, a.Step);
                eligibility[j] += (float)(r.APlus * x);
            }
            else
            {
                double w = weight[j];
                double change = r.Multiplicative != 0 ? r.APlus * x * (r.WMax - w) : r.APlus * x * (r.WMax - r.WMin);
                weight[j] = (float)XMath.Clamp(w + change, r.WMin, r.WMax);
            }
        }
    }

    /// <summary>
    /// Brings every reward-modulated synapse up to the start of the step (one thread per
    /// synapse, excitatory then inhibitory), before the host reads the weights.
    /// </summary>
    public static void SettleAll(Index1D index, ArrayView<float> excWeight, ArrayView<float> inhWeight, PlasticViews p, int excCount, int inhCount, int step)
    {
        int j = index;
        if (j >= excCount + inhCount)
        {
            return;
        }

        bool inhibitory = j >= excCount;
        int s = inhibitory ? j - excCount : j;
        int q = (inhibitory ? p.InhRule[s] : p.ExcRule[s]) - 1;
        if (q < 0 || p.Rule[q].Kind != RuleConstants.Reward)
        {
            return;
        }

        if (inhibitory)
        {
            Settle(inhWeight, p.InhEligibility, p.InhTouched, s, p.Rule[q], p, step);
        }
        else
        {
            Settle(excWeight, p.ExcEligibility, p.ExcTouched, s, p.Rule[q], p, step);
        }
    }

    /// <summary>
    /// The CPU's Settle: brings a three-factor synapse up to the start of <paramref name="step"/>,
    /// the weight gaining the integral of c(u) d(u) since its last touch, exactly.
    /// </summary>
    private static void Settle(ArrayView<float> weight, ArrayView<float> c, ArrayView<int> touched, int j, RuleConstants r, PlasticViews p, int step)
    {
        int last = touched[j];
        double eligibility = c[j];
        if (eligibility != 0 && step > last)
        {
            if (step - last > 40 * r.TauC)
            {
                c[j] = 0;
            }
            else
            {
                double gained = 0;
                double k = (1 / r.TauC) + (1 / p.TauDopamine);
                int e = RewardBefore(p, last);
                long from = last;
                double ca = eligibility;
                double da = p.RewardLevel[e] * XMath.Exp(-(last - p.RewardStep[e]) / p.TauDopamine);
                while (true)
                {
                    long to = e + 1 < p.RewardCount && p.RewardStep[e + 1] < step ? p.RewardStep[e + 1] : step;
                    gained += ca * ((da * (1 - XMath.Exp(-(to - from) * k)) / k) + (p.Baseline * r.TauC * (1 - XMath.Exp(-(to - from) / r.TauC))));
                    if (to == step)
                    {
                        break;
                    }

                    e++;
                    ca *= XMath.Exp(-(to - from) / r.TauC);
                    da = p.RewardLevel[e];
                    from = to;
                }

                weight[j] = (float)XMath.Clamp(weight[j] + (gained * p.Dt), r.WMin, r.WMax);
                c[j] = (float)(eligibility * XMath.Exp(-(step - last) / r.TauC));
            }
        }

        touched[j] = step;
    }

    /// <summary>Index of the last dopamine entry at or before <paramref name="step"/>.</summary>
    private static int RewardBefore(PlasticViews p, long step)
    {
        int lo = 0, hi = p.RewardCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (p.RewardStep[mid] <= step)
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

    private static double Decay(ArrayView<double> tables, int at, int length, int age) => age < length ? tables[at + age] : 0;

    /// <summary>Adds counts[channel[j]] x weight[j] to the excitatory current of target[j] (times the frame's inverse), one input synapse per thread.</summary>
    public static void Inject(Index1D j, ArrayView<int> channel, ArrayView<int> target, ArrayView<float> weight, ArrayView<byte> counts, ArrayView<float> ge, float inverse)
    {
        if (j >= target.Length)
        {
            return;
        }

        int count = counts[channel[j]];
        if (count != 0)
        {
            Atomic.Add(ref ge[target[j]], count * weight[j] * inverse);
        }
    }

    private static void Row(RowViews rows, int pre, int lane, int width, ArrayView<float> current, ArrayView<float> slots, StepArgs a, int receptor, float inverse)
    {
        int end = rows.RowStart[pre + 1];
        if (a.Delayed == 0)
        {
            for (int j = rows.RowStart[pre] + lane; j < end; j += width)
            {
                Atomic.Add(ref current[rows.Target[j]], rows.Weight[j] * inverse);
            }
        }
        else
        {
            for (int j = rows.RowStart[pre] + lane; j < end; j += width)
            {
                long slot = (a.Slot + rows.Delay[j]) % a.SlotCount;
                Atomic.Add(ref slots[(((slot * 2) + receptor) * a.Neurons) + rows.Target[j]], rows.Weight[j]);
            }
        }
    }
}
