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
    private readonly float[]? _slots; // [slot][receptor][neuron] when some delay is above 0
    private readonly int _slotCount;
    private readonly Thread[] _workers;
    private readonly int[][] _splits; // per receptor: row r, thread k -> first synapse of thread k in row r
    private readonly CompactRows?[] _compact; // per receptor: the rows in four bytes a synapse, where they fit
    private long _go;          // steps started (the workers' signal)
    private long _arrived;     // barrier arrivals, never reset: phase p of step s completes at (2s + p) x threads
    private volatile bool _stop;
    private long _step;
    private long _goStep;      // the step the workers are signalled to compute (written before the signal)
    private long _pendingEnd;  // arrivals that end the last step, when Step returned before the workers finished (0: none)
    private readonly bool _lazyEnd;

    /// <summary>How long a waiting thread spins tightly before it backs off: 20 us.</summary>
    private static readonly long TightSpinTicks = System.Diagnostics.Stopwatch.Frequency / 50_000;

    /// <summary>Creates the backend; <paramref name="threads"/> 0 picks 1 below 20 000 neurons and every core above.</summary>
    public CpuMass(CompiledNetwork network, int threads = 0)
        : this(network, threads, compactRows: true)
    {
    }

    /// <summary>Creates the backend; <paramref name="compactRows"/> false keeps the delivery on the full rows (for tests that compare the two).</summary>
    internal CpuMass(CompiledNetwork network, int threads, bool compactRows)
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
        _lif = [.. _populations.Select(p => p.Model is LifCuba m ? LifCoefficients.Of(m, dt) : default)];
        _coba = [.. _populations.Select(p => p.Model is LifCoba m ? CobaCoefficients.Of(m, dt) : default)];
        _izh = [.. _populations.Select(p => p.Model is Izhikevich m ? IzhikevichCoefficients.Of(m, dt) : default)];
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
            _chunks[k].Holds = [.. _populations.Select((p, q) =>
            {
                int size = Math.Min(p.Start + p.Count, hi) - Math.Max(p.Start, lo);
                (float refSteps, float vr) = p.Model switch { LifCuba => (_lif[q].RefSteps, _lif[q].Vr), LifCoba => (_coba[q].RefSteps, _coba[q].Vr), _ => (0f, 0f) };
                return refSteps > 0 && size > 0 ? new Holds(size, vr) : null;
            })];
        }

        _splits = [Splits(network.Excitatory), Splits(network.Inhibitory)];
        _weights = [(float[])network.Excitatory.Weight.Clone(), (float[])network.Inhibitory.Weight.Clone()];
        _compact = compactRows ? [CompactRows.Of(network.Excitatory, _n), CompactRows.Of(network.Inhibitory, _n)] : [null, null];
        _rewards = RewardHistory.For(network);
        SetUpPlasticity();
        _lazyEnd = t > 1 && _rules.Length == 0;
        (_driven, _undriven) = DrivenRanges(network);
        if (network.MaxDelaySteps > 0)
        {
            _slotCount = network.MaxDelaySteps + 1;
            _slots = new float[checked(_slotCount * 2 * _n)];
        }

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

    /// <summary>Per receptor, how many distinct weights its compact rows hold (0: delivered from the full rows).</summary>
    internal int[] CompactWeightCounts => [.. _compact.Select(c => c?.Weights.Length ?? 0)];

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

    /// <summary>The plain membrane potentials and, when asked, the refractory steps left of every neuron.</summary>
    private void Decode(Span<float> v, Span<float> refractory)
    {
        _v.Span.CopyTo(v);
        if (!refractory.IsEmpty)
        {
            refractory.Clear();
        }

        long last = _step - 1; // the step the state is at the end of
        foreach (Chunk c in _chunks)
        {
            for (int p = 0; p < _populations.Length; p++)
            {
                if (c.Holds[p] is not { } holds)
                {
                    continue;
                }

                foreach ((int i, long due) in holds.Entries())
                {
                    v[i] = holds.Reset;
                    if (!refractory.IsEmpty)
                    {
                        refractory[i] = due - last;
                    }
                }
            }
        }
    }

    /// <summary>Sets the state from plain membrane potentials and refractory steps left (a checkpoint); the step count is already set.</summary>
    private void Encode(ReadOnlySpan<float> v, ReadOnlySpan<float> refractory)
    {
        v.CopyTo(_v.Span);
        long last = _step - 1;
        foreach (Chunk c in _chunks)
        {
            for (int p = 0; p < _populations.Length; p++)
            {
                if (c.Holds[p] is not { } holds)
                {
                    continue;
                }

                holds.Clear();
                PopulationRange range = _populations[p];
                int lo = Math.Max(range.Start, c.Lo), hi = Math.Min(range.Start + range.Count, c.Hi);
                var held = new List<(long Due, int Neuron)>();
                for (int i = lo; i < hi; i++)
                {
                    if (refractory[i] > 0)
                    {
                        held.Add((last + (long)MathF.Round(refractory[i]), i));
                        _v[i] = Held;
                    }
                }

                held.Sort();
                foreach ((long due, int i) in held)
                {
                    holds.Push(i, due);
                }
            }
        }
    }

    /// <summary>Ends chunk <paramref name="k"/>'s update of step <paramref name="step"/>: the neurons whose refractory period ends with it are set free at their reset.</summary>
    private void Release(int k, long step)
    {
        foreach (Holds? holds in _chunks[k].Holds)
        {
            holds?.Release(step, _v.Span);
        }
    }

    /// <summary>
    /// The neurons that just fired (<paramref name="fired"/>) are either held (v at
    /// <see cref="Held"/>, released at step <paramref name="due"/>) or, with no refractory period,
    /// at once at the reset <paramref name="vr"/>. Done after the update's loop, not in it: a call
    /// in the loop made the JIT reload the loop's vector constants from the stack every iteration.
    /// </summary>
    private void Hold(ReadOnlySpan<int> fired, Holds? holds, long due, float vr)
    {
        foreach (int j in fired)
        {
            if (holds is null)
            {
                _v[j] = vr;
            }
            else
            {
                _v[j] = Held;
                holds.Push(j, due);
            }
        }
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
        _goStep = step;
        long index = Interlocked.Increment(ref _go) - 1;
        Update(0, step);
        Arrive((2 * index) + 1);
        Deliver(0, step);
        long end = ((2 * index) + 2) * Threads;
        Interlocked.Increment(ref _arrived);
        if (_lazyEnd)
        {
            _pendingEnd = end;
        }
        else
        {
            WaitFor(ref _arrived, end); // before the step count moves on: the plasticity of every thread reads it
        }

        _step++;
    }

    /// <summary>Waits for the other threads to finish the last step's deliveries, when <see cref="Step"/> did not.</summary>
    private void Complete()
    {
        if (_pendingEnd != 0)
        {
            WaitFor(ref _arrived, _pendingEnd);
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
        Interlocked.Increment(ref _go);
        foreach (Thread w in _workers)
        {
            w.Join();
        }
    }

    private static int Align(int i) => i / Vector<float>.Count * Vector<float>.Count;

    private void Work(int k)
    {
        long started = 0;
        while (true)
        {
            WaitFor(ref _go, started + 1);
            started++;
            if (_stop)
            {
                return;
            }

            long index = started - 1, step = _goStep;
            Update(k, step);
            Arrive((2 * index) + 1);
            Deliver(k, step);
            Interlocked.Increment(ref _arrived); // the step's end: the caller waits for it, this thread waits for the next signal
        }
    }

    /// <summary>A barrier that is never reset (so no thread can miss a release): waits until every thread has arrived at <paramref name="generation"/>.</summary>
    private void Arrive(long generation)
    {
        long target = generation * Threads;
        Interlocked.Increment(ref _arrived);
        WaitFor(ref _arrived, target);
    }

    /// <summary>
    /// Waits until <paramref name="value"/> reaches <paramref name="target"/>: a tight spin for up to
    /// <see cref="TightSpinTicks"/> (the other threads are a fraction of a step away, and
    /// <see cref="SpinWait"/>'s growing back-off overshot their arrival by microseconds, more than a
    /// small network's whole step: two threads ran 4000 neurons at half the speed of one), then
    /// <see cref="SpinWait"/>, which yields the core to a thread that needs it.
    /// </summary>
    private static void WaitFor(ref long value, long target)
    {
        if (Volatile.Read(ref value) >= target)
        {
            return;
        }

        long until = System.Diagnostics.Stopwatch.GetTimestamp() + TightSpinTicks;
        do
        {
            for (int i = 0; i < 16; i++)
            {
                Thread.SpinWait(1);
                if (Volatile.Read(ref value) >= target)
                {
                    return;
                }
            }
        }
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until);

        var spin = default(SpinWait);
        while (Volatile.Read(ref value) < target)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    /// <summary>Integrates, thresholds and resets the neurons of chunk <paramref name="k"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Update(int k, long step)
    {
        Chunk chunk = _chunks[k];
        if (_rules.Length > 0 && step > 0)
        {
            IncrementTraces(chunk.Of(step - 1), step);
        }

        chunk.SetCount(step, UpdateRange(k, chunk.Lo, chunk.Hi, step, chunk.Buffer(step), 0));
        Release(k, step);
    }

    /// <summary>
    /// The update of neurons <paramref name="from"/> to <paramref name="to"/> (exclusive) at step
    /// <paramref name="step"/>: their delayed input arrives, then they integrate, threshold and
    /// reset; their spikes are appended (ascending) to <paramref name="spikes"/> after
    /// <paramref name="count"/>. Returns the new count. Each neuron's update reads and writes only
    /// its own state, so ranges may be updated in any order.
    /// </summary>
    private int UpdateRange(int k, int from, int to, long step, int[] spikes, int count)
    {
        Span<float> ge = _ge.AsSpan(from, to - from), gi = _gi.AsSpan(from, to - from);
        FrameFactors f = _frame.At(step);
        if (f.Restarts)
        {
            // The currents' frame starts again (see CurrentFrame); a receptor not framed has nothing to do.
            MultiplyInPlace(ge, f.RestartE);
            MultiplyInPlace(gi, f.RestartI);
        }

        if (_slots is not null)
        {
            // The slot the last step filled arrives now, before integration: into the currents
            // (in their frame), and cleared for its next turn. (Channel input given between steps is already in.)
            int n = _n, slot = (int)((step + _slotCount - 1) % _slotCount);
            Span<float> e = _slots.AsSpan((((slot * 2) + 0) * n) + from, to - from);
            Span<float> i = _slots.AsSpan((((slot * 2) + 1) * n) + from, to - from);
            MultiplyInPlace(e, f.InverseAtE);
            MultiplyInPlace(i, f.InverseAtI);
            System.Numerics.Tensors.TensorPrimitives.Add(ge, e, ge);
            System.Numerics.Tensors.TensorPrimitives.Add(gi, i, gi);
            e.Clear();
            i.Clear();
        }

        var scales = new CurrentScales(f.ScaleE, f.ScaleI, !_frame.Framed[0], !_frame.Framed[1]);

        for (int p = 0; p < _populations.Length; p++)
        {
            PopulationRange range = _populations[p];
            int lo = Math.Max(range.Start, from), hi = Math.Min(range.Start + range.Count, to);
            if (lo < hi)
            {
                count = range.Model switch
                {
                    LifCuba => UpdateLifCuba(in _lif[p], scales, _chunks[k].Holds[p], step, lo, hi, spikes, count),
                    LifCoba => UpdateLifCoba(in _coba[p], scales, _chunks[k].Holds[p], step, lo, hi, spikes, count),
                    _ => UpdateIzhikevich(in _izh[p], scales, lo, hi, spikes, count),
                };
            }
        }

        return count;
    }

    /// <summary>
    /// Exact integration of current-based LIF neurons <paramref name="lo"/> to <paramref name="hi"/>
    /// (exclusive), sixteen at a time with AVX-512, else eight: a refractory neuron's v is <see cref="Held"/> and stays so,
    /// so one comparison finds the neurons that fire; those are held after the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateLifCuba(in LifCoefficients c, CurrentScales scales, Holds? holds, long step, int lo, int hi, int[] spikes, int count)
    {
        (float dm, float de, float di, float el, float vt, float vr) = (c.Dm, c.De, c.Di, c.El, c.Vt, c.Vr);
        float ke = c.Ke * scales.E, ki = c.Ki * scales.I; // the current-to-voltage coefficients, in the currents' frame
        bool decayE = scales.DecayE, decayI = scales.DecayI;
        long due = step + (long)c.RefSteps;
        int first = count;

        int i = lo;
        if (Vector512.IsHardwareAccelerated && hi - lo >= 16)
        {
            // Sixteen at a time where the CPU has AVX-512: the same operations lane for lane as
            // the eight below (and as the GPU kernel), so the results do not depend on the width.
            ref float v0 = ref _v.First;
            ref float ge0 = ref _ge.First;
            ref float gi0 = ref _gi.First;
            Vector512<float> vDm = Vector512.Create(dm), vDe = Vector512.Create(de), vDi = Vector512.Create(di);
            Vector512<float> vKe = Vector512.Create(ke), vKi = Vector512.Create(ki), vEl = Vector512.Create(el);
            Vector512<float> vVt = Vector512.Create(vt);
            for (; i + 16 <= hi; i += 16)
            {
                nuint at = (nuint)i;
                Vector512<float> v = Vector512.LoadUnsafe(ref v0, at);
                Vector512<float> ge = Vector512.LoadUnsafe(ref ge0, at);
                Vector512<float> gi = Vector512.LoadUnsafe(ref gi0, at);
                Vector512<float> integrated = vEl + ((v - vEl) * vDm) + (ge * vKe) + (gi * vKi);
                StoreDecayed(ref ge0, ref gi0, at, ge, gi, vDe, vDi, decayE, decayI);
                integrated.StoreUnsafe(ref v0, at);
                ulong bits = Vector512.GreaterThan(integrated, vVt).ExtractMostSignificantBits();
                if (bits != 0)
                {
                    count = AppendSpikes((uint)bits, i, spikes, count);
                }
            }
        }

        if (Vector256.IsHardwareAccelerated && hi - i >= 8)
        {
            // Eight neurons at a time, loads and stores without bounds checks (the range was checked above).
            ref float v0 = ref _v.First;
            ref float ge0 = ref _ge.First;
            ref float gi0 = ref _gi.First;
            Vector256<float> vDm = Vector256.Create(dm), vDe = Vector256.Create(de), vDi = Vector256.Create(di);
            Vector256<float> vKe = Vector256.Create(ke), vKi = Vector256.Create(ki), vEl = Vector256.Create(el);
            Vector256<float> vVt = Vector256.Create(vt);
            for (; i + 8 <= hi; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> ge = Vector256.LoadUnsafe(ref ge0, at);
                Vector256<float> gi = Vector256.LoadUnsafe(ref gi0, at);
                Vector256<float> integrated = vEl + ((v - vEl) * vDm) + (ge * vKe) + (gi * vKi);
                StoreDecayed(ref ge0, ref gi0, at, ge, gi, vDe, vDi, decayE, decayI);
                integrated.StoreUnsafe(ref v0, at);
                uint bits = Vector256.GreaterThan(integrated, vVt).ExtractMostSignificantBits();
                if (bits != 0)
                {
                    count = AppendSpikes(bits, i, spikes, count);
                }
            }
        }

        for (; i < hi; i++)
        {
            float v = el + ((_v[i] - el) * dm) + (_ge[i] * ke) + (_gi[i] * ki);
            _v[i] = v;
            _ge[i] = decayE ? _ge[i] * de : _ge[i];
            _gi[i] = decayI ? _gi[i] * di : _gi[i];
            if (v > vt)
            {
                spikes[count++] = i;
            }
        }

        Hold(spikes.AsSpan(first, count - first), holds, due, vr);
        return count;
    }

    /// <summary>Conductance-based LIF, exponential Euler with the conductances frozen over the step; refractory as <see cref="UpdateLifCuba"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateLifCoba(in CobaCoefficients c, CurrentScales scales, Holds? holds, long step, int lo, int hi, int[] spikes, int count)
    {
        (float se, float si, bool decayE, bool decayI) = scales;
        long due = step + (long)c.RefSteps;
        int first = count;
        int i = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float v0 = ref _v.First;
            ref float ge0 = ref _ge.First;
            ref float gi0 = ref _gi.First;
            Vector256<float> gl = Vector256.Create(c.Gl), glEl = Vector256.Create(c.Gl * c.El), ee = Vector256.Create(c.Ee), ei = Vector256.Create(c.Ei);
            Vector256<float> bias = Vector256.Create(c.BiasPa), minusDtOverC = Vector256.Create(-c.DtOverC);
            Vector256<float> de = Vector256.Create(c.De), di = Vector256.Create(c.Di), vt = Vector256.Create(c.Vt);
            Vector256<float> vSe = Vector256.Create(se), vSi = Vector256.Create(si);
            for (; i + 8 <= hi; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> storedE = Vector256.LoadUnsafe(ref ge0, at);
                Vector256<float> storedI = Vector256.LoadUnsafe(ref gi0, at);
                Vector256<float> ge = storedE * vSe, gi = storedI * vSi;
                Vector256<float> total = gl + ge + gi;
                Vector256<float> vInf = (glEl + (ge * ee) + (gi * ei) + bias) / total;
                Vector256<float> integrated = vInf + ((v - vInf) * Vector256.Exp(total * minusDtOverC));
                StoreDecayed(ref ge0, ref gi0, at, storedE, storedI, de, di, decayE, decayI);
                integrated.StoreUnsafe(ref v0, at);
                uint bits = Vector256.GreaterThan(integrated, vt).ExtractMostSignificantBits();
                if (bits != 0)
                {
                    count = AppendSpikes(bits, i, spikes, count);
                }
            }
        }

        for (; i < hi; i++)
        {
            float ge = _ge[i] * se, gi = _gi[i] * si;
            float total = c.Gl + ge + gi;
            float vInf = ((c.Gl * c.El) + (ge * c.Ee) + (gi * c.Ei) + c.BiasPa) / total;
            float v = vInf + ((_v[i] - vInf) * MathF.Exp(-total * c.DtOverC));
            _v[i] = v;
            _ge[i] = decayE ? _ge[i] * c.De : _ge[i];
            _gi[i] = decayI ? _gi[i] * c.Di : _gi[i];
            if (v > c.Vt)
            {
                spikes[count++] = i;
            }
        }

        Hold(spikes.AsSpan(first, count - first), holds, due, c.Vr);
        return count;
    }

    /// <summary>Izhikevich neurons, forward Euler.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateIzhikevich(in IzhikevichCoefficients c, CurrentScales scales, int lo, int hi, int[] spikes, int count)
    {
        (float se, float si, bool decayE, bool decayI) = scales;
        int i = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float v0 = ref _v.First;
            ref float u0 = ref _u.First;
            ref float ge0 = ref _ge.First;
            ref float gi0 = ref _gi.First;
            Vector256<float> dt = Vector256.Create(c.Dt), a = Vector256.Create(c.A), b = Vector256.Create(c.B), reset = Vector256.Create(c.C);
            Vector256<float> d = Vector256.Create(c.D), peak = Vector256.Create(c.Peak), bias = Vector256.Create(c.Bias);
            Vector256<float> de = Vector256.Create(c.De), di = Vector256.Create(c.Di);
            Vector256<float> k2 = Vector256.Create(0.04f), k1 = Vector256.Create(5f), k0 = Vector256.Create(140f);
            Vector256<float> vSe = Vector256.Create(se), vSi = Vector256.Create(si);
            for (; i + 8 <= hi; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> u = Vector256.LoadUnsafe(ref u0, at);
                Vector256<float> ge = Vector256.LoadUnsafe(ref ge0, at);
                Vector256<float> gi = Vector256.LoadUnsafe(ref gi0, at);
                Vector256<float> current = (ge * vSe) + (gi * vSi) + bias;
                Vector256<float> vNext = v + (dt * ((((k2 * v) + k1) * v) + k0 - u + current));
                Vector256<float> uNext = u + (dt * a * ((b * v) - u));
                Vector256<float> fired = Vector256.GreaterThanOrEqual(vNext, peak);
                Vector256.ConditionalSelect(fired, reset, vNext).StoreUnsafe(ref v0, at);
                Vector256.ConditionalSelect(fired, uNext + d, uNext).StoreUnsafe(ref u0, at);
                StoreDecayed(ref ge0, ref gi0, at, ge, gi, de, di, decayE, decayI);
                count = AppendSpikes(fired.ExtractMostSignificantBits(), i, spikes, count);
            }
        }

        for (; i < hi; i++)
        {
            float v = _v[i], u = _u[i];
            float current = (_ge[i] * se) + (_gi[i] * si) + c.Bias;
            float vNext = v + (c.Dt * ((((0.04f * v) + 5f) * v) + 140f - u + current));
            float uNext = u + (c.Dt * c.A * ((c.B * v) - u));
            bool fired = vNext >= c.Peak;
            _v[i] = fired ? c.C : vNext;
            _u[i] = fired ? uNext + c.D : uNext;
            _ge[i] = decayE ? _ge[i] * c.De : _ge[i];
            _gi[i] = decayI ? _gi[i] * c.Di : _gi[i];
            if (fired)
            {
                spikes[count++] = i;
            }
        }

        return count;
    }

    /// <summary>
    /// Multiplies every element by <paramref name="factor"/> (nothing when it is 1: a receptor not
    /// framed): the frame's restart and delayed input's arrival. Compiled at once, by the
    /// constructor's call, as the restart first runs hundreds of steps into a run, where compiling
    /// it would stall a closed loop's frame.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyInPlace(Span<float> values, float factor)
    {
        if (factor == 1)
        {
            return;
        }

        int i = 0;
        ref float first = ref MemoryMarshal.GetReference(values);
        for (; i + 8 <= values.Length; i += 8)
        {
            (Vector256.LoadUnsafe(ref first, (nuint)i) * factor).StoreUnsafe(ref first, (nuint)i);
        }

        for (; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }

    /// <summary>Stores eight neurons' currents decayed by one step, for each receptor not kept in <see cref="_frame"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDecayed(ref float ge0, ref float gi0, nuint at, Vector256<float> ge, Vector256<float> gi, Vector256<float> de, Vector256<float> di, bool decayE, bool decayI)
    {
        if (decayE)
        {
            (ge * de).StoreUnsafe(ref ge0, at);
        }

        if (decayI)
        {
            (gi * di).StoreUnsafe(ref gi0, at);
        }
    }

    /// <summary>The 16-lane <see cref="StoreDecayed(ref float, ref float, nuint, Vector256{float}, Vector256{float}, Vector256{float}, Vector256{float}, bool, bool)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDecayed(ref float ge0, ref float gi0, nuint at, Vector512<float> ge, Vector512<float> gi, Vector512<float> de, Vector512<float> di, bool decayE, bool decayI)
    {
        if (decayE)
        {
            (ge * de).StoreUnsafe(ref ge0, at);
        }

        if (decayI)
        {
            (gi * di).StoreUnsafe(ref gi0, at);
        }
    }

    /// <summary>Appends the neurons i + b for every bit b set in <paramref name="bits"/> (one group of eight or sixteen).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AppendSpikes(uint bits, int i, int[] spikes, int count)
    {
        while (bits != 0)
        {
            spikes[count++] = i + BitOperations.TrailingZeroCount(bits);
            bits &= bits - 1;
        }

        return count;
    }

    /// <summary>Delivers every spike of this step to the targets in chunk <paramref name="k"/>'s range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Deliver(int k, long step)
    {
        Chunk own = _chunks[k];
        int slot = _slots is null ? 0 : (int)(step % _slotCount);
        FrameFactors f = _frame.At(step);
        float inverseE = f.InverseNextE, inverseI = f.InverseNextI;
        foreach (Chunk c in _chunks)
        {
            PrefetchRows(k, c.Of(step));
        }

        foreach (Chunk c in _chunks)
        {
            foreach (int pre in c.Of(step))
            {
                Propagate(_net.Excitatory, _splits[0], pre, k, _ge, 0, slot, inverseE);
                Propagate(_net.Inhibitory, _splits[1], pre, k, _gi, 1, slot, inverseI);
            }
        }

        if (_rules.Length > 0)
        {
            foreach (int post in own.Of(step))
            {
                OnPost(post);
            }
        }

    }

    /// <summary>
    /// Asks the memory system for every row this step's spikes will read (their targets and
    /// weights in this thread's range) before reading any: the rows are scattered over megabytes
    /// that a closed loop's 1 ms between frames leaves cold, and taking their misses one row at
    /// a time cost more than the rest of the step. Prefetches of all rows overlap those misses.
    /// </summary>
    private void PrefetchRows(int k, ReadOnlySpan<int> spikes)
    {
        foreach (int pre in spikes)
        {
            for (int receptor = 0; receptor < 2; receptor++)
            {
                SynapseRows rows = receptor == 0 ? _net.Excitatory : _net.Inhibitory;
                (int a, int b) = RowRange(rows, _splits[receptor], pre, k);
                if (_compact[receptor] is { } compact)
                {
                    PrefetchLines<int>(compact.Synapse.AsSpan(a, b - a));
                    continue;
                }

                PrefetchLines<int>(rows.Target.AsSpan(a, b - a));
                PrefetchLines<float>(_weights[receptor].AsSpan(a, b - a));
            }
        }
    }

    /// <summary>Asks the memory system for every cache line of <paramref name="span"/> (nothing where SSE is not there).</summary>
    private static unsafe void PrefetchLines<T>(ReadOnlySpan<T> span)
        where T : unmanaged
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported || span.IsEmpty)
        {
            return;
        }

        ref T first = ref MemoryMarshal.GetReference(span);
        for (int x = 0; x < span.Length; x += 64 / sizeof(T))
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref first, x)));
        }

        // The last line, when the span ends in one the stride skipped.
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref first, span.Length - 1)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Propagate(SynapseRows rows, int[] splits, int pre, int k, AlignedFloats currents, int receptor, int slot, float inverse)
    {
        (int a, int b) = RowRange(rows, splits, pre, k);
        Span<float> current = currents.Span;

        int[] target = rows.Target;
        float[] weight = _weights[receptor];
        if (_compact[receptor] is { } compact)
        {
            // The same additions, of the same floats, from half the bytes.
            int[] synapse = compact.Synapse;
            float[] table = compact.Weights;
            if (_slots is null)
            {
                for (int s = a; s < b; s++)
                {
                    int packed = synapse[s];
                    current[packed & CompactRows.TargetMask] += table[packed >>> CompactRows.TargetBits] * inverse;
                }
            }
            else
            {
                ushort[] delay = rows.Delay;
                for (int s = a; s < b; s++)
                {
                    int packed = synapse[s];
                    _slots[SlotStart(slot, delay[s], receptor) + (packed & CompactRows.TargetMask)] += table[packed >>> CompactRows.TargetBits];
                }
            }

            return; // compact rows have no plastic synapse
        }

        if (_slots is null)
        {
            // Into the currents' frame (see CurrentFrame); delayed weights wait in their slot as they are.
            for (int s = a; s < b; s++)
            {
                current[target[s]] += weight[s] * inverse;
            }
        }
        else
        {
            ushort[] delay = rows.Delay;
            for (int s = a; s < b; s++)
            {
                _slots[SlotStart(slot, delay[s], receptor) + target[s]] += weight[s];
            }
        }

        if (_rules.Length > 0)
        {
            // As Brian2's on_pre: the spike is delivered with the weight it found, then the weight learns.
            byte[] rule = rows.Rule;
            for (int s = a; s < b; s++)
            {
                if (rule[s] != 0)
                {
                    OnPre(receptor, s, pre, target[s], rule[s]);
                }
            }
        }
    }

    /// <summary>Where in <see cref="_slots"/> the <paramref name="receptor"/> input of a spike of this step's slot with delay <paramref name="delay"/> waits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long SlotStart(int slot, int delay, int receptor) => ((((slot + delay) % _slotCount) * 2L) + receptor) * _n;

    /// <summary>The synapses of <paramref name="pre"/>'s row whose targets are in thread <paramref name="k"/>'s range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (int Start, int End) RowRange(SynapseRows rows, int[] splits, int pre, int k) => Threads == 1
        ? (rows.RowStart[pre], rows.RowStart[pre + 1])
        : (splits[(pre * (Threads + 1)) + k], splits[(pre * (Threads + 1)) + k + 1]);

    /// <summary>For each row and thread, where that thread's targets start in the row.</summary>
    private int[] Splits(SynapseRows rows)
    {
        int t = Threads;
        if (t == 1)
        {
            return [];
        }

        int n = rows.RowStart.Length - 1;
        var splits = new int[n * (t + 1)];
        for (int r = 0; r < n; r++)
        {
            int a = rows.RowStart[r], b = rows.RowStart[r + 1];
            splits[r * (t + 1)] = a;
            for (int k = 1; k < t; k++)
            {
                int bound = _chunks[k].Lo;
                int pos = Array.BinarySearch(rows.Target, a, b - a, bound);
                if (pos < 0)
                {
                    pos = ~pos;
                }
                else
                {
                    while (pos > a && rows.Target[pos - 1] == bound)
                    {
                        pos--;
                    }
                }

                splits[(r * (t + 1)) + k] = pos;
            }

            splits[(r * (t + 1)) + t] = b;
        }

        return splits;
    }

    /// <summary>
    /// One receptor's synapses in four bytes each instead of eight, when its weights never change
    /// (no plastic synapse) and take at most 256 values (a projection's constant weight, as in
    /// CUBA and the loop's network): the target in the low 24 bits, the weight's index in a table
    /// in the high 8. Delivery, which between a closed loop's frames finds the rows out of cache,
    /// then reads half the memory. Same indices as the full rows.
    /// </summary>
    private sealed class CompactRows
    {
        public const int TargetBits = 24;
        public const int TargetMask = (1 << TargetBits) - 1;

        private CompactRows(int[] synapse, float[] weights) => (Synapse, Weights) = (synapse, weights);

        public int[] Synapse { get; }

        public float[] Weights { get; }

        /// <summary>The compact rows of <paramref name="rows"/>, or null where they do not fit.</summary>
        public static CompactRows? Of(SynapseRows rows, int neurons)
        {
            if (neurons > TargetMask + 1 || rows.Count == 0 || Array.Exists(rows.Rule, r => r != 0))
            {
                return null;
            }

            var index = new Dictionary<float, int>();
            var synapse = new int[rows.Count];
            for (int s = 0; s < rows.Count; s++)
            {
                float w = rows.Weight[s];
                if (!index.TryGetValue(w, out int at))
                {
                    if (index.Count == 256)
                    {
                        return null;
                    }

                    at = index.Count;
                    index.Add(w, at);
                }

                synapse[s] = rows.Target[s] | (at << TargetBits);
            }

            var weights = new float[index.Count];
            foreach ((float w, int at) in index)
            {
                weights[at] = w;
            }

            return new CompactRows(synapse, weights);
        }
    }

    /// <summary>What a step's update multiplies each receptor's stored currents by, and whether it decays them itself (a receptor not framed).</summary>
    private readonly record struct CurrentScales(float E, float I, bool DecayE, bool DecayI);

    /// <summary>A thread's range of neurons and its two spike lists, by the parity of the step that fills them.</summary>
    private sealed class Chunk(int lo, int hi, int capacity)
    {
        private readonly int[][] _spikes = [new int[capacity], new int[capacity]];
        private readonly int[] _counts = new int[2];

        public int Lo { get; } = lo;

        public int Hi { get; } = hi;

        /// <summary>The list step <paramref name="step"/> fills.</summary>
        public int[] Buffer(long step) => _spikes[step & 1];

        /// <summary>The spikes of step <paramref name="step"/> (this step's or the last: the two lists hold no more).</summary>
        public ReadOnlySpan<int> Of(long step) => _spikes[step & 1].AsSpan(0, _counts[step & 1]);

        public void SetCount(long step, int count) => _counts[step & 1] = count;

        /// <summary>Per population, the refractory neurons of this range waiting for release (null where none can be: no LIF model, no refractory period, or no neuron here).</summary>
        public Holds?[] Holds { get; set; } = [];
    }

    /// <summary>
    /// One population's refractory neurons in one thread's range, in the order they fired, which
    /// is the order they are released (the period is the population's): a ring with room for
    /// every neuron of the range, as each is in it at most once.
    /// </summary>
    private sealed class Holds(int capacity, float reset)
    {
        private readonly int[] _neuron = new int[capacity];
        private readonly long[] _due = new long[capacity];
        private int _head, _count;

        public void Push(int neuron, long due)
        {
            int at = _head + _count;
            at -= at >= _neuron.Length ? _neuron.Length : 0;
            _neuron[at] = neuron;
            _due[at] = due;
            _count++;
        }

        /// <summary>The population's reset, where a released neuron's v starts again.</summary>
        public float Reset { get; } = reset;

        /// <summary>Sets free, at the reset, every neuron whose period ends with step <paramref name="step"/>.</summary>
        public void Release(long step, Span<float> v)
        {
            while (_count > 0 && _due[_head] <= step)
            {
                v[_neuron[_head]] = Reset;
                _head = _head + 1 == _neuron.Length ? 0 : _head + 1;
                _count--;
            }
        }

        public IEnumerable<(int Neuron, long Due)> Entries()
        {
            for (int k = 0; k < _count; k++)
            {
                int at = (_head + k) % _neuron.Length;
                yield return (_neuron[at], _due[at]);
            }
        }

        public void Clear() => (_head, _count) = (0, 0);
    }
}
