using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// A LIF neuron in its refractory period holds v at its reset, so v carries no information
    /// then: <see cref="_v"/> holds <see cref="Held"/> + the steps left instead, and the state is
    /// three arrays, not four (a quarter less memory traffic per step, the limit at every size).
    /// <see cref="V"/>, <see cref="CopyV"/> and checkpoints give the plain v and steps left.
    /// </summary>
    private const float Held = 1 << 20;

    private readonly float[] _v, _ge, _gi;
    private readonly float[] _vOut; // decoded v, for V
    private readonly Chunk[] _chunks;
    private readonly LifCoefficients[] _lif;
    private readonly CobaCoefficients[] _coba;
    private readonly IzhikevichCoefficients[] _izh;
    private readonly float[] _u; // Izhikevich recovery variable (empty when there is none)
    private readonly float[][] _weights; // this instance's weights by receptor (plasticity changes them)
    private readonly PopulationRange[] _populations;
    private readonly float[]? _slots; // [slot][receptor][neuron] when some delay is above 0
    private readonly int _slotCount;
    private readonly Thread[] _workers;
    private readonly int[][] _splits; // per receptor: row r, thread k -> first synapse of thread k in row r
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
    {
        ArgumentNullException.ThrowIfNull(network);
        _net = network;
        _n = network.NeuronCount;
        _v = (float[])network.VInit.Clone();
        _ge = new float[_n];
        _gi = new float[_n];
        _vOut = new float[_n];
        _populations = [.. network.Populations];
        double dt = network.Spec.DtMs;
        _lif = [.. _populations.Select(p => p.Model is LifCuba m ? LifCoefficients.Of(m, dt) : default)];
        _coba = [.. _populations.Select(p => p.Model is LifCoba m ? CobaCoefficients.Of(m, dt) : default)];
        _izh = [.. _populations.Select(p => p.Model is Izhikevich m ? IzhikevichCoefficients.Of(m, dt) : default)];
        _u = new float[_populations.Any(p => p.Model is Izhikevich) ? _n : 0];
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
        }

        _splits = [Splits(network.Excitatory), Splits(network.Inhibitory)];
        _weights = [(float[])network.Excitatory.Weight.Clone(), (float[])network.Inhibitory.Weight.Clone()];
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
        _v.CopyTo(v);
        if (!refractory.IsEmpty)
        {
            refractory.Clear();
        }

        for (int p = 0; p < _populations.Length; p++)
        {
            PopulationRange range = _populations[p];
            float? reset = range.Model switch { LifCuba => _lif[p].Vr, LifCoba => _coba[p].Vr, _ => null };
            for (int i = range.Start; reset is { } vr && i < range.Start + range.Count; i++)
            {
                if (_v[i] >= Held)
                {
                    v[i] = vr;
                    if (!refractory.IsEmpty)
                    {
                        refractory[i] = _v[i] - Held;
                    }
                }
            }
        }
    }

    /// <summary>Sets the state from plain membrane potentials and refractory steps left (a checkpoint).</summary>
    private void Encode(ReadOnlySpan<float> v, ReadOnlySpan<float> refractory)
    {
        v.CopyTo(_v);
        for (int p = 0; p < _populations.Length; p++)
        {
            PopulationRange range = _populations[p];
            if (range.Model is LifCuba or LifCoba)
            {
                for (int i = range.Start; i < range.Start + range.Count; i++)
                {
                    _v[i] = refractory[i] > 0 ? Held + MathF.Round(refractory[i]) : v[i];
                }
            }
        }
    }

    /// <summary>
    /// The threshold, reset and refractory count of eight LIF neurons, given their v before the
    /// step and the v integration gives: a held neuron counts down (and is free at the reset when
    /// it reaches 0), a free one above the threshold fires (held, or at the reset), the rest take
    /// the integrated v. Returns the new v; <paramref name="fired"/> has a bit per neuron that fired.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reset(Vector256<float> v, Vector256<float> integrated, Vector256<float> vt, Vector256<float> vr, Vector256<float> fire, out uint fired)
    {
        Vector256<float> refractory = Vector256.GreaterThan(v, Vector256.Create(Held - 0.5f));
        Vector256<float> next = v - Vector256<float>.One;
        Vector256<float> firing = Vector256.AndNot(Vector256.GreaterThan(integrated, vt), refractory);
        fired = firing.ExtractMostSignificantBits();
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            // Blends on the comparisons' sign bits: no branch, whatever the JIT makes of ConditionalSelect.
            Vector256<float> counted = System.Runtime.Intrinsics.X86.Avx.BlendVariable(vr, next, Vector256.GreaterThan(next, Vector256.Create(Held + 0.5f)));
            return System.Runtime.Intrinsics.X86.Avx.BlendVariable(System.Runtime.Intrinsics.X86.Avx.BlendVariable(integrated, fire, firing), counted, refractory);
        }

        return Vector256.ConditionalSelect(refractory, Vector256.ConditionalSelect(Vector256.GreaterThan(next, Vector256.Create(Held + 0.5f)), next, vr), Vector256.ConditionalSelect(firing, fire, integrated));
    }

    /// <summary>What v becomes when a neuron fires: held for <paramref name="refSteps"/> steps, or at once free at the reset.</summary>
    private static float OnFire(float refSteps, float vr) => refSteps > 0 ? Held + refSteps : vr;

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
        for (int c = 0; c < channels; c++)
        {
            if (counts[c] == 0)
            {
                continue;
            }

            for (int s = inputs.RowStart[c]; s < inputs.RowStart[c + 1]; s++)
            {
                _ge[inputs.Target[s]] += counts[c] * inputs.Weight[s];
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

        chunk.SetCount(step, UpdateRange(chunk.Lo, chunk.Hi, step, chunk.Buffer(step), 0));
    }

    /// <summary>
    /// The update of neurons <paramref name="from"/> to <paramref name="to"/> (exclusive) at step
    /// <paramref name="step"/>: their delayed input arrives, then they integrate, threshold and
    /// reset; their spikes are appended (ascending) to <paramref name="spikes"/> after
    /// <paramref name="count"/>. Returns the new count. Each neuron's update reads and writes only
    /// its own state, so ranges may be updated in any order.
    /// </summary>
    private int UpdateRange(int from, int to, long step, int[] spikes, int count)
    {
        if (_slots is not null)
        {
            // The slot the last step filled arrives now, before integration: into the currents,
            // and cleared for its next turn. (Channel input given between steps is already in.)
            int n = _n, slot = (int)((step + _slotCount - 1) % _slotCount), lo = from, len = to - from;
            Span<float> e = _slots.AsSpan((((slot * 2) + 0) * n) + lo, len);
            Span<float> i = _slots.AsSpan((((slot * 2) + 1) * n) + lo, len);
            System.Numerics.Tensors.TensorPrimitives.Add(_ge.AsSpan(lo, len), e, _ge.AsSpan(lo, len));
            System.Numerics.Tensors.TensorPrimitives.Add(_gi.AsSpan(lo, len), i, _gi.AsSpan(lo, len));
            e.Clear();
            i.Clear();
        }

        for (int p = 0; p < _populations.Length; p++)
        {
            PopulationRange range = _populations[p];
            int lo = Math.Max(range.Start, from), hi = Math.Min(range.Start + range.Count, to);
            if (lo < hi)
            {
                count = range.Model switch
                {
                    LifCuba => UpdateLifCuba(in _lif[p], lo, hi, spikes, count),
                    LifCoba => UpdateLifCoba(in _coba[p], lo, hi, spikes, count),
                    _ => UpdateIzhikevich(in _izh[p], lo, hi, spikes, count),
                };
            }
        }

        return count;
    }

    /// <remarks>
    /// A neuron's v is either its potential or <see cref="Held"/> + the refractory steps left;
    /// each lane chooses without a branch between integrating, firing (held for the refractory
    /// steps) and counting down (back to the reset when it reaches 0). A branch that skipped the
    /// choice for groups of eight with no refractory or firing neuron was slower: about one group
    /// in five has one, and its mispredictions cost more than the choice.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateLifCuba(in LifCoefficients c, int lo, int hi, int[] spikes, int count)
    {
        (float dm, float de, float di, float ke, float ki, float el, float vt, float vr, float refSteps) = c;
        float fire = OnFire(refSteps, vr);

        int i = lo;
        if (Vector256.IsHardwareAccelerated && hi - lo >= 8)
        {
            // Eight neurons at a time, loads and stores without bounds checks (the range was checked above).
            ref float v0 = ref MemoryMarshal.GetArrayDataReference(_v);
            ref float ge0 = ref MemoryMarshal.GetArrayDataReference(_ge);
            ref float gi0 = ref MemoryMarshal.GetArrayDataReference(_gi);
            Vector256<float> vDm = Vector256.Create(dm), vDe = Vector256.Create(de), vDi = Vector256.Create(di);
            Vector256<float> vKe = Vector256.Create(ke), vKi = Vector256.Create(ki), vEl = Vector256.Create(el);
            Vector256<float> vVt = Vector256.Create(vt), vVr = Vector256.Create(vr), vFire = Vector256.Create(fire);
            for (; i + 8 <= hi; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> ge = Vector256.LoadUnsafe(ref ge0, at);
                Vector256<float> gi = Vector256.LoadUnsafe(ref gi0, at);
                Vector256<float> integrated = vEl + ((v - vEl) * vDm) + (ge * vKe) + (gi * vKi);
                (ge * vDe).StoreUnsafe(ref ge0, at);
                (gi * vDi).StoreUnsafe(ref gi0, at);
                Reset(v, integrated, vVt, vVr, vFire, out uint bits).StoreUnsafe(ref v0, at);
                if (bits != 0)
                {
                    count = AppendSpikes(bits, i, spikes, count);
                }
            }
        }

        for (; i < hi; i++)
        {
            float v = _v[i];
            _v[i] = v >= Held - 0.5f ? (v - 1 >= Held + 0.5f ? v - 1 : vr) : el + ((v - el) * dm) + (_ge[i] * ke) + (_gi[i] * ki);
            _ge[i] *= de;
            _gi[i] *= di;
            if (v < Held - 0.5f && _v[i] > vt)
            {
                _v[i] = fire;
                spikes[count++] = i;
            }
        }

        return count;
    }

    /// <summary>Conductance-based LIF, exponential Euler with the conductances frozen over the step; refractory as <see cref="UpdateLifCuba"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateLifCoba(in CobaCoefficients c, int lo, int hi, int[] spikes, int count)
    {
        float fire = OnFire(c.RefSteps, c.Vr);
        int i = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float v0 = ref MemoryMarshal.GetArrayDataReference(_v);
            ref float ge0 = ref MemoryMarshal.GetArrayDataReference(_ge);
            ref float gi0 = ref MemoryMarshal.GetArrayDataReference(_gi);
            Vector256<float> gl = Vector256.Create(c.Gl), glEl = Vector256.Create(c.Gl * c.El), ee = Vector256.Create(c.Ee), ei = Vector256.Create(c.Ei);
            Vector256<float> bias = Vector256.Create(c.BiasPa), minusDtOverC = Vector256.Create(-c.DtOverC);
            Vector256<float> de = Vector256.Create(c.De), di = Vector256.Create(c.Di), vt = Vector256.Create(c.Vt), vr = Vector256.Create(c.Vr);
            Vector256<float> vFire = Vector256.Create(fire);
            for (; i + 8 <= hi; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> ge = Vector256.LoadUnsafe(ref ge0, at);
                Vector256<float> gi = Vector256.LoadUnsafe(ref gi0, at);
                Vector256<float> total = gl + ge + gi;
                Vector256<float> vInf = (glEl + (ge * ee) + (gi * ei) + bias) / total;
                Vector256<float> integrated = vInf + ((v - vInf) * Vector256.Exp(total * minusDtOverC));
                (ge * de).StoreUnsafe(ref ge0, at);
                (gi * di).StoreUnsafe(ref gi0, at);
                Reset(v, integrated, vt, vr, vFire, out uint bits).StoreUnsafe(ref v0, at);
                if (bits != 0)
                {
                    count = AppendSpikes(bits, i, spikes, count);
                }
            }
        }

        for (; i < hi; i++)
        {
            float v = _v[i];
            if (v >= Held - 0.5f)
            {
                _v[i] = v - 1 >= Held + 0.5f ? v - 1 : c.Vr;
            }
            else
            {
                float total = c.Gl + _ge[i] + _gi[i];
                float vInf = ((c.Gl * c.El) + (_ge[i] * c.Ee) + (_gi[i] * c.Ei) + c.BiasPa) / total;
                v = vInf + ((v - vInf) * MathF.Exp(-total * c.DtOverC));
                bool fired = v > c.Vt;
                _v[i] = fired ? fire : v;
                if (fired)
                {
                    spikes[count++] = i;
                }
            }

            _ge[i] *= c.De;
            _gi[i] *= c.Di;
        }

        return count;
    }

    /// <summary>Izhikevich neurons, forward Euler.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateIzhikevich(in IzhikevichCoefficients c, int lo, int hi, int[] spikes, int count)
    {
        int i = lo;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float v0 = ref MemoryMarshal.GetArrayDataReference(_v);
            ref float u0 = ref MemoryMarshal.GetArrayDataReference(_u);
            ref float ge0 = ref MemoryMarshal.GetArrayDataReference(_ge);
            ref float gi0 = ref MemoryMarshal.GetArrayDataReference(_gi);
            Vector256<float> dt = Vector256.Create(c.Dt), a = Vector256.Create(c.A), b = Vector256.Create(c.B), reset = Vector256.Create(c.C);
            Vector256<float> d = Vector256.Create(c.D), peak = Vector256.Create(c.Peak), bias = Vector256.Create(c.Bias);
            Vector256<float> de = Vector256.Create(c.De), di = Vector256.Create(c.Di);
            Vector256<float> k2 = Vector256.Create(0.04f), k1 = Vector256.Create(5f), k0 = Vector256.Create(140f);
            for (; i + 8 <= hi; i += 8)
            {
                nuint at = (nuint)i;
                Vector256<float> v = Vector256.LoadUnsafe(ref v0, at);
                Vector256<float> u = Vector256.LoadUnsafe(ref u0, at);
                Vector256<float> ge = Vector256.LoadUnsafe(ref ge0, at);
                Vector256<float> gi = Vector256.LoadUnsafe(ref gi0, at);
                Vector256<float> current = ge + gi + bias;
                Vector256<float> vNext = v + (dt * ((((k2 * v) + k1) * v) + k0 - u + current));
                Vector256<float> uNext = u + (dt * a * ((b * v) - u));
                Vector256<float> fired = Vector256.GreaterThanOrEqual(vNext, peak);
                Vector256.ConditionalSelect(fired, reset, vNext).StoreUnsafe(ref v0, at);
                Vector256.ConditionalSelect(fired, uNext + d, uNext).StoreUnsafe(ref u0, at);
                (ge * de).StoreUnsafe(ref ge0, at);
                (gi * di).StoreUnsafe(ref gi0, at);
                count = AppendSpikes(fired.ExtractMostSignificantBits(), i, spikes, count);
            }
        }

        for (; i < hi; i++)
        {
            float v = _v[i], u = _u[i];
            float current = _ge[i] + _gi[i] + c.Bias;
            float vNext = v + (c.Dt * ((((0.04f * v) + 5f) * v) + 140f - u + current));
            float uNext = u + (c.Dt * c.A * ((c.B * v) - u));
            bool fired = vNext >= c.Peak;
            _v[i] = fired ? c.C : vNext;
            _u[i] = fired ? uNext + c.D : uNext;
            _ge[i] *= c.De;
            _gi[i] *= c.Di;
            if (fired)
            {
                spikes[count++] = i;
            }
        }

        return count;
    }

    /// <summary>Appends the neurons i + b for every bit b set in <paramref name="bits"/> (one group of eight).</summary>
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
        foreach (Chunk c in _chunks)
        {
            PrefetchRows(k, c.Of(step));
        }

        foreach (Chunk c in _chunks)
        {
            foreach (int pre in c.Of(step))
            {
                Propagate(_net.Excitatory, _splits[0], pre, k, _ge, 0, slot);
                Propagate(_net.Inhibitory, _splits[1], pre, k, _gi, 1, slot);
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
    private void Propagate(SynapseRows rows, int[] splits, int pre, int k, float[] current, int receptor, int slot)
    {
        (int a, int b) = RowRange(rows, splits, pre, k);

        int[] target = rows.Target;
        float[] weight = _weights[receptor];
        if (_slots is null)
        {
            for (int s = a; s < b; s++)
            {
                current[target[s]] += weight[s];
            }
        }
        else
        {
            ushort[] delay = rows.Delay;
            long n = _n;
            for (int s = a; s < b; s++)
            {
                long at = ((((slot + delay[s]) % _slotCount) * 2L) + receptor) * n;
                _slots[at + target[s]] += weight[s];
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
    }
}
