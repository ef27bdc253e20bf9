using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static Neurolink.Mass.CurrentFrame;

namespace Neurolink.Mass;

/// <summary>
/// The neurons' update: delayed input arrives, then every model integrates, thresholds and
/// resets its neurons, sixteen or eight at a time, and appends its spikes in ascending order.
/// </summary>
public sealed partial class CpuMass
{
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
        FrameFactors f = _chunks[k].Factors(_frame, step);
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

        var scales = new CurrentScales(f.ScaleE, f.ScaleI);
        return (!_frame.Framed[0], !_frame.Framed[1]) switch
        {
            (false, false) => UpdateRuns<Framed, Framed>(k, from, to, step, scales, spikes, count),
            (true, false) => UpdateRuns<Decays, Framed>(k, from, to, step, scales, spikes, count),
            (false, true) => UpdateRuns<Framed, Decays>(k, from, to, step, scales, spikes, count),
            (true, true) => UpdateRuns<Decays, Decays>(k, from, to, step, scales, spikes, count),
        };
    }

    /// <summary>
    /// Each update run's part (<see cref="_runs"/>) of neurons <paramref name="from"/> to <paramref name="to"/>, by its
    /// model; <typeparamref name="TE"/> and <typeparamref name="TI"/> say whether the update decays
    /// each receptor's currents itself (a receptor not framed), as types, so that the JIT compiles
    /// each model's loop without a test for it in every iteration (a few per cent of CUBA's step).
    /// </summary>
    private int UpdateRuns<TE, TI>(int k, int from, int to, long step, CurrentScales scales, int[] spikes, int count)
        where TE : struct, IDecays
        where TI : struct, IDecays
    {
        for (int p = 0; p < _runs.Length; p++)
        {
            PopulationRange range = _runs[p];
            int lo = Math.Max(range.Start, from), hi = Math.Min(range.Start + range.Count, to);
            if (lo < hi)
            {
                count = range.Model switch
                {
                    LifCuba => UpdateLifCuba<TE, TI>(in _lif[p], scales, _chunks[k].Holds[p], step, lo, hi, spikes, count),
                    LifCoba => UpdateLifCoba<TE, TI>(in _coba[p], scales, _chunks[k].Holds[p], step, lo, hi, spikes, count),
                    _ => UpdateIzhikevich<TE, TI>(in _izh[p], scales, lo, hi, spikes, count),
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
    private int UpdateLifCuba<TE, TI>(in LifCoefficients c, CurrentScales scales, Holds? holds, long step, int lo, int hi, int[] spikes, int count)
        where TE : struct, IDecays
        where TI : struct, IDecays
    {
        (float dm, float de, float di, float el, float vt, float vr) = (c.Dm, c.De, c.Di, c.El, c.Vt, c.Vr);
        float ke = c.Ke * scales.E, ki = c.Ki * scales.I; // the current-to-voltage coefficients, in the currents' frame
        bool decayE = TE.On, decayI = TI.On;
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
            for (; i + 32 <= hi; i += 32)
            {
                // Two groups an iteration, one test of their spikes: a tenth off the loop's time.
                uint bits = Cuba16<TE, TI>(ref v0, ref ge0, ref gi0, (nuint)i, vEl, vDm, vKe, vKi, vDe, vDi, vVt)
                    | (Cuba16<TE, TI>(ref v0, ref ge0, ref gi0, (nuint)(i + 16), vEl, vDm, vKe, vKi, vDe, vDi, vVt) << 16);
                if (bits != 0)
                {
                    count = AppendSpikes(bits, i, spikes, count);
                }
            }

            if (i + 16 <= hi)
            {
                uint bits = Cuba16<TE, TI>(ref v0, ref ge0, ref gi0, (nuint)i, vEl, vDm, vKe, vKi, vDe, vDi, vVt);
                if (bits != 0)
                {
                    count = AppendSpikes(bits, i, spikes, count);
                }

                i += 16;
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

        if (count > first)
        {
            Hold(spikes.AsSpan(first, count - first), holds, due, vr);
        }

        return count;
    }

    /// <summary>
    /// Sixteen current-based LIF neurons from <paramref name="at"/>: integrated, v stored (and the
    /// currents, for a receptor not framed); returns the bits of those above threshold.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Cuba16<TE, TI>(ref float v0, ref float ge0, ref float gi0, nuint at, Vector512<float> el, Vector512<float> dm, Vector512<float> ke, Vector512<float> ki, Vector512<float> de, Vector512<float> di, Vector512<float> vt)
        where TE : struct, IDecays
        where TI : struct, IDecays
    {
        Vector512<float> v = Vector512.LoadUnsafe(ref v0, at);
        Vector512<float> ge = Vector512.LoadUnsafe(ref ge0, at);
        Vector512<float> gi = Vector512.LoadUnsafe(ref gi0, at);
        Vector512<float> integrated = el + ((v - el) * dm) + (ge * ke) + (gi * ki);
        StoreDecayed(ref ge0, ref gi0, at, ge, gi, de, di, TE.On, TI.On);
        integrated.StoreUnsafe(ref v0, at);
        return (uint)Vector512.GreaterThan(integrated, vt).ExtractMostSignificantBits();
    }

    /// <summary>Conductance-based LIF, exponential Euler with the conductances frozen over the step; refractory as <see cref="UpdateLifCuba"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateLifCoba<TE, TI>(in CobaCoefficients c, CurrentScales scales, Holds? holds, long step, int lo, int hi, int[] spikes, int count)
        where TE : struct, IDecays
        where TI : struct, IDecays
    {
        (float se, float si) = scales;
        bool decayE = TE.On, decayI = TI.On;
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

        if (count > first)
        {
            Hold(spikes.AsSpan(first, count - first), holds, due, c.Vr);
        }

        return count;
    }

    /// <summary>Izhikevich neurons, forward Euler.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int UpdateIzhikevich<TE, TI>(in IzhikevichCoefficients c, CurrentScales scales, int lo, int hi, int[] spikes, int count)
        where TE : struct, IDecays
        where TI : struct, IDecays
    {
        (float se, float si) = scales;
        bool decayE = TE.On, decayI = TI.On;
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

    /// <summary>What a step's update multiplies each receptor's stored currents by.</summary>
    private readonly record struct CurrentScales(float E, float I);

    /// <summary>Whether the update decays a receptor's currents itself (a receptor not kept in the frame), as a type.</summary>
    private interface IDecays
    {
        static abstract bool On { get; }
    }

    /// <summary>The receptor is not framed: the update decays and writes its currents.</summary>
    private readonly struct Decays : IDecays
    {
        public static bool On => true;
    }

    /// <summary>The receptor is framed: its currents decay with the frame's scale and are not written.</summary>
    private readonly struct Framed : IDecays
    {
        public static bool On => false;
    }
}
