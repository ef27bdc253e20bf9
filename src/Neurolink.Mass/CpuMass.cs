using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Neurolink.Mass.CurrentFrame;

namespace Neurolink.Mass;

/// <summary>
/// The CPU backend: the whole network advanced one step (dt) at a time, vectorised with
/// <see cref="Vector{T}"/>, and, for large networks, split across threads by neuron range: each
/// thread updates its neurons, then delivers every spike of the step to the targets in its own
/// range (rows are sorted by target, so each thread reads only its slice of each row and no two
/// threads write the same neuron). Nothing is allocated per step.
/// </summary>
/// <remarks>
/// Step order, as Brian2's: integrate (exactly, for LIF), threshold and reset, then deliver
/// spikes; a synapse of delay d steps, fired at step t, acts from the integration of step
/// t + d + 1 on (d = 0: the next step, as Brian2's zero delay). Delayed weights wait in a ring
/// of slots and arrive at the start of that step, after any channel input given between steps;
/// the GPU backend keeps exactly this order.
/// </remarks>
public sealed partial class CpuMass : ISimulatedMass
{
    private readonly CompiledNetwork _net;
    private readonly int _n;
    /// <summary>
    /// What v holds while a LIF neuron is refractory: minus infinity, which integration leaves
    /// minus infinity and which never crosses a threshold, so the update needs no test for it
    /// (the state is three arrays, and the update one comparison). The neuron's release at the
    /// reset is queued (<see cref="Holds"/>); <see cref="V"/>, <see cref="CopyV"/> and checkpoints
    /// give the plain v (the reset) and the steps left.
    /// </summary>
    private const float Held = float.NegativeInfinity;

    private readonly AlignedFloats _v; // the state's arrays start on a cache line, so the update's vectors never span two
    /// <summary>The currents, kept in <see cref="_frame"/> (the stored G, not the current itself, where a receptor is framed).</summary>
    private readonly AlignedFloats _ge, _gi;
    private readonly CurrentFrame _frame;
    private readonly float[] _vOut; // decoded v, for V
    private readonly Chunk[] _chunks;
    private readonly LifCoefficients[] _lif;
    private readonly CobaCoefficients[] _coba;
    private readonly IzhikevichCoefficients[] _izh;
    private readonly AlignedFloats _u; // Izhikevich recovery variable (empty when there is none)
    private readonly float[][] _weights; // this instance's weights by receptor (plasticity changes them)
    private readonly PopulationRange[] _populations;
    /// <summary>The ranges the update takes one at a time: consecutive populations of one model with the same coefficients (CUBA's two) as one range, which its coefficients, refractory queue and loop serve as one.</summary>
    private readonly PopulationRange[] _runs;
    private readonly float[]? _slots; // [slot][receptor][neuron] when some delay is above 0
    private readonly int _slotCount;
    private readonly Thread[] _workers;
    private readonly int[][] _splits; // per receptor: row r, thread k -> first synapse of thread k in row r
    private readonly CompactRows?[] _compact; // per receptor: the rows in two to four bytes a synapse, where they fit
    private readonly StepBarrier _barrier;
    private long _signals;     // steps signalled to the workers (the barrier's phases 2i + 1 and 2i + 2 belong to the i-th)
    private volatile bool _stop;
    private long _step;
    private long _pendingEnd;  // the phase that ends the last step, when Step returned before the workers finished it (0: none)
    private readonly bool _lazyEnd;

    /// <summary>Creates the backend; <paramref name="threads"/> 0 picks 1 below 20 000 neurons and every core above.</summary>
    public CpuMass(CompiledNetwork network, int threads = 0)
        : this(network, threads, RowForm.Narrow)
    {
    }

    /// <summary>Creates the backend with the fixed rows in <paramref name="rows"/>' form where they fit (for tests that compare the forms).</summary>
    internal CpuMass(CompiledNetwork network, int threads, RowForm rows)
    {
        ArgumentNullException.ThrowIfNull(network);
        _net = network;
        _n = network.NeuronCount;
        _v = new AlignedFloats(_n);
        network.VInit.CopyTo(_v.Span);
        _ge = new AlignedFloats(_n);
        _gi = new AlignedFloats(_n);
        _vOut = new float[_n];
        _frame = CurrentFrame.For(network);
        MultiplyInPlace([0f], 0.5f); // compiled now, not at the frame's first restart
        _populations = [.. network.Populations];
        double dt = network.Spec.DtMs;
        _runs = Runs(_populations, dt);
        _lif = [.. _runs.Select(p => p.Model is LifCuba m ? LifCoefficients.Of(m, dt) : default)];
        _coba = [.. _runs.Select(p => p.Model is LifCoba m ? CobaCoefficients.Of(m, dt) : default)];
        _izh = [.. _runs.Select(p => p.Model is Izhikevich m ? IzhikevichCoefficients.Of(m, dt) : default)];
        _u = new AlignedFloats(_populations.Any(p => p.Model is Izhikevich) ? _n : 0);
        foreach (PopulationRange p in _populations)
        {
            if (p.Model is Izhikevich z)
            {
                for (int i = p.Start; i < p.Start + p.Count; i++)
                {
                    _u[i] = (float)(z.B * _v[i]);
                }
            }
        }

        int t = threads > 0 ? threads : _n < 20_000 ? 1 : Environment.ProcessorCount;
        t = Math.Clamp(t, 1, Math.Max(1, _n / 64));
        Threads = t;
        _chunks = new Chunk[t];
        for (int k = 0; k < t; k++)
        {
            // Ranges aligned to the vector width, so threads never share a cache line of state.
            int lo = Align((int)((long)_n * k / t));
            int hi = k == t - 1 ? _n : Align((int)((long)_n * (k + 1) / t));
            _chunks[k] = new Chunk(lo, hi, Math.Max(16, hi - lo));
            _chunks[k].Holds = [.. _runs.Select((p, q) =>
            {
                int size = Math.Min(p.Start + p.Count, hi) - Math.Max(p.Start, lo);
                (float refSteps, float vr) = p.Model switch { LifCuba => (_lif[q].RefSteps, _lif[q].Vr), LifCoba => (_coba[q].RefSteps, _coba[q].Vr), _ => (0f, 0f) };
                return refSteps > 0 && size > 0 ? new Holds(size, vr) : null;
            })];
        }

        _splits = [Splits(network.Excitatory), Splits(network.Inhibitory)];
        _weights = [(float[])network.Excitatory.Weight.Clone(), (float[])network.Inhibitory.Weight.Clone()];
        _compact = [CompactRows.Of(network.Excitatory, _n, rows), CompactRows.Of(network.Inhibitory, _n, rows)];
        foreach (Chunk c in _chunks)
        {
            c.Scaled = [new float[_compact[0]?.Weights.Length ?? 0], new float[_compact[1]?.Weights.Length ?? 0]];
        }
        _rewards = RewardHistory.For(network);
        SetUpPlasticity();
        _lazyEnd = t > 1 && _rules.Length == 0;
        (_driven, _undriven) = DrivenRanges(network);
        if (network.MaxDelaySteps > 0)
        {
            _slotCount = network.MaxDelaySteps + 1;
            _slots = new float[checked(_slotCount * 2 * _n)];
        }

        _barrier = new StepBarrier(t);
        _workers = new Thread[t - 1];
        for (int k = 1; k < t; k++)
        {
            int index = k;
            _workers[k - 1] = new Thread(() => Work(index)) { IsBackground = true, Name = $"neurolink-mass-{k}", Priority = ThreadPriority.AboveNormal };
            _workers[k - 1].Start();
        }
    }

    /// <summary>Threads stepping the network (the caller's included).</summary>
    public int Threads { get; }

    /// <inheritdoc/>
    public string Backend => Threads == 1 ? "cpu, 1 thread" : $"cpu, {Threads} threads";

    /// <summary>How many ranges the update takes one at a time (populations of the same dynamics side by side are one).</summary>
    internal int UpdateRunCount => _runs.Length;

    /// <summary>Per receptor, how many distinct weights its compact rows hold (0: delivered from the full rows).</summary>
    internal int[] CompactWeightCounts => [.. _compact.Select(c => c?.Weights.Length ?? 0)];

    /// <summary>Per receptor, the form its rows are delivered from.</summary>
    internal RowForm[] RowForms => [.. _compact.Select(c => c?.Form ?? RowForm.Full)];

    /// <summary>Steps done.</summary>
    public long StepCount => _step;

    /// <summary>The network.</summary>
    public CompiledNetwork Network => _net;

    /// <summary>Spikes of the last step.</summary>
    public int SpikeCount
    {
        get
        {
            int total = 0;
            foreach (Chunk c in _chunks)
            {
                total += c.Of(_step - 1).Length;
            }

            return total;
        }
    }

    /// <summary>Membrane potentials, mV (read between steps; valid until the next step).</summary>
    public ReadOnlySpan<float> V
    {
        get
        {
            CopyV(_vOut);
            return _vOut;
        }
    }

    /// <inheritdoc/>
    public void CopyV(Span<float> destination)
    {
        RefuseWhilePrepared("Reading v");
        Complete();
        Decode(destination, null);
    }

    /// <inheritdoc/>
    public void Synchronize() => Complete();

    /// <summary>Copies the last step's spiking neurons (ascending) into <paramref name="destination"/>; returns how many.</summary>
    public int CopySpikes(Span<int> destination)
    {
        int at = 0;
        foreach (Chunk c in _chunks)
        {
            ReadOnlySpan<int> last = c.Of(_step - 1);
            last.CopyTo(destination[at..]);
            at += last.Length;
        }

        return at;
    }

    /// <summary>Adds <paramref name="counts"/>[c] x weight to the excitatory current of the neurons channel c drives (call between steps).</summary>
    public void InjectChannelCounts(ReadOnlySpan<byte> counts)
    {
        Complete();
        SynapseRows inputs = _net.Inputs;
        int channels = Math.Min(counts.Length, inputs.RowStart.Length - 1);
        float inverse = _frame.InverseBefore(0, _step);
        for (int c = 0; c < channels; c++)
        {
            if (counts[c] == 0)
            {
                continue;
            }

            for (int s = inputs.RowStart[c]; s < inputs.RowStart[c + 1]; s++)
            {
                _ge[inputs.Target[s]] += counts[c] * inputs.Weight[s] * inverse;
            }
        }
    }

    /// <summary>Advances the network by one step.</summary>
    /// <remarks>
    /// Each chunk has two spike lists, used by turns (by the step's parity), so that a thread may start the next step's
    /// update (filling one list) while another still delivers this step's spikes (reading the
    /// other). Without plasticity this returns as soon as the caller's own thread is done: the
    /// other threads finish their deliveries meanwhile, and anything that reads or writes what
    /// they may still be writing (the currents, the state, a checkpoint) waits for them first;
    /// the next step's barrier waits for them anyway. With plasticity every thread reads the
    /// others' traces while delivering, so the step ends when all threads have.
    /// </remarks>
    public void Step()
    {
        long step = _step;
        if (Threads == 1)
        {
            if (_prepared)
            {
                FinishPrepared(step);
            }
            else
            {
                Update(0, step);
            }

            Deliver(0, step);
            _step++;
            return;
        }

        // Phase 1: every thread updates its neurons; phase 2: every thread delivers all spikes to its targets.
        long index = _signals++;
        _barrier.Signal(index + 1, step);
        Update(0, step);
        _barrier.Arrive(0, (2 * index) + 1);
        Deliver(0, step);
        long end = (2 * index) + 2;
        _barrier.Finished(0, end);
        if (_lazyEnd)
        {
            _pendingEnd = end;
        }
        else
        {
            _barrier.WaitForAll(end); // before the step count moves on: the plasticity of every thread reads it
        }

        _step++;
    }

    /// <summary>Waits for the other threads to finish the last step's deliveries, when <see cref="Step"/> did not.</summary>
    private void Complete()
    {
        if (_pendingEnd != 0)
        {
            _barrier.WaitForAll(_pendingEnd);
            _pendingEnd = 0;
        }
    }

    /// <summary>Advances the network by <paramref name="steps"/> steps.</summary>
    public void Run(long steps)
    {
        for (long i = 0; i < steps; i++)
        {
            Step();
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        Complete();
        _stop = true;
        _barrier.Signal(++_signals, _step);
        foreach (Thread w in _workers)
        {
            w.Join();
        }
    }

    private static int Align(int i) => i / Vector<float>.Count * Vector<float>.Count;

    /// <summary>
    /// The populations as the update takes them: each one that follows a population of the same
    /// model whose coefficients at <paramref name="dt"/> are the same joins its range (the update
    /// of a neuron depends on nothing else, so the result is the same; one call and one
    /// refractory queue fewer a step).
    /// </summary>
    private static PopulationRange[] Runs(PopulationRange[] populations, double dt)
    {
        object Coefficients(NeuronModel model) => model switch
        {
            LifCuba m => LifCoefficients.Of(m, dt),
            LifCoba m => CobaCoefficients.Of(m, dt),
            Izhikevich m => IzhikevichCoefficients.Of(m, dt),
            _ => model,
        };

        var runs = new List<PopulationRange>();
        foreach (PopulationRange p in populations)
        {
            // Coefficients of two models are equal only when the models are of one kind.
            if (runs.Count > 0 && runs[^1] is { } last && last.Start + last.Count == p.Start
                && Coefficients(last.Model).Equals(Coefficients(p.Model)))
            {
                runs[^1] = last with { Count = last.Count + p.Count };
            }
            else
            {
                runs.Add(p);
            }
        }

        return [.. runs];
    }

    /// <summary>A thread's range of neurons and its two spike lists, by the parity of the step that fills them.</summary>
    private sealed class Chunk(int lo, int hi, int capacity)
    {
        private readonly int[][] _spikes = [new int[capacity], new int[capacity]];
        private readonly int[] _counts = new int[2];
        private FrameFactors _factors;
        private long _factorsStep = -1;

        public int Lo { get; } = lo;

        public int Hi { get; } = hi;

        /// <summary>The list step <paramref name="step"/> fills.</summary>
        public int[] Buffer(long step) => _spikes[step & 1];

        /// <summary>The spikes of step <paramref name="step"/> (this step's or the last: the two lists hold no more).</summary>
        public ReadOnlySpan<int> Of(long step) => _spikes[step & 1].AsSpan(0, _counts[step & 1]);

        public void SetCount(long step, int count) => _counts[step & 1] = count;

        /// <summary>Per update run (see <see cref="_runs"/>), the refractory neurons of this range waiting for release (null where none can be: no LIF model, no refractory period, or no neuron here).</summary>
        public Holds?[] Holds { get; set; } = [];

        /// <summary>Per receptor, the compact rows' weights times the step's frame factor (see <see cref="ScaledWeights"/>).</summary>
        public float[][] Scaled { get; set; } = [[], []];

        /// <summary>
        /// The currents' frame factors of step <paramref name="step"/>: the update and the delivery
        /// of a step both need them, and this thread computes them once a step (each thread its
        /// own, so no thread reads what another writes).
        /// </summary>
        public FrameFactors Factors(CurrentFrame frame, long step)
        {
            if (_factorsStep != step)
            {
                _factors = frame.At(step);
                _factorsStep = step;
            }

            return _factors;
        }
    }
}
