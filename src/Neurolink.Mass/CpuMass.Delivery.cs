using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Neurolink.Mass.CurrentFrame;

namespace Neurolink.Mass;

/// <summary>
/// Delivery: every spike of a step, to the targets in one thread's range, into the currents'
/// frame or into the slot of its delay, from the full rows or the compact ones.
/// </summary>
public sealed partial class CpuMass
{
    /// <summary>Delivers every spike of this step to the targets in chunk <paramref name="k"/>'s range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Deliver(int k, long step)
    {
        Chunk own = _chunks[k];
        int slot = _slots is null ? 0 : (int)(step % _slotCount);
        FrameFactors f = own.Factors(_frame, step);
        float inverseE = f.InverseNextE, inverseI = f.InverseNextI;
        bool any = false;
        foreach (Chunk c in _chunks)
        {
            ReadOnlySpan<int> spikes = c.Of(step);
            PrefetchRows(k, spikes);
            any |= spikes.Length > 0;
        }

        if (!any)
        {
            return;
        }

        ScaledWeights(own, inverseE, inverseI);

        foreach (Chunk c in _chunks)
        {
            foreach (int pre in c.Of(step))
            {
                Propagate(_net.Excitatory, _splits[0], pre, k, _ge, 0, slot, inverseE, own.Scaled[0]);
                Propagate(_net.Inhibitory, _splits[1], pre, k, _gi, 1, slot, inverseI, own.Scaled[1]);
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
    /// Each compact table's weights times the frame factor of this step's spikes, once a step
    /// instead of once a synapse: the same products, so the same additions (delayed input waits
    /// in its slot unscaled, and takes the table as it is).
    /// </summary>
    private void ScaledWeights(Chunk own, float inverseE, float inverseI)
    {
        if (_slots is not null)
        {
            return;
        }

        for (int receptor = 0; receptor < 2; receptor++)
        {
            if (_compact[receptor] is not { } compact)
            {
                continue;
            }

            float[] table = compact.Weights;
            float inverse = receptor == 0 ? inverseE : inverseI;
            float[] scaled = own.Scaled[receptor];
            for (int w = 0; w < table.Length; w++)
            {
                scaled[w] = table[w] * inverse;
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
                if (a == b)
                {
                    continue;
                }

                if (_compact[receptor] is { } compact)
                {
                    if (compact.Target is { } target)
                    {
                        PrefetchLines<ushort>(target.AsSpan(a, b - a));
                        if (compact.Index.Length > 0)
                        {
                            PrefetchLines<byte>(compact.Index.AsSpan(a, b - a));
                        }
                    }
                    else
                    {
                        PrefetchLines<int>(compact.Packed.AsSpan(a, b - a));
                    }

                    continue;
                }

                PrefetchLines<int>(rows.Target.AsSpan(a, b - a));
                PrefetchLines<float>(_weights[receptor].AsSpan(a, b - a));
            }
        }
    }

    /// <summary>Asks the memory system for every cache line of <paramref name="span"/> (nothing where SSE is not there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
    private void Propagate(SynapseRows rows, int[] splits, int pre, int k, AlignedFloats currents, int receptor, int slot, float inverse, float[] scaled)
    {
        (int a, int b) = RowRange(rows, splits, pre, k);
        if (a == b)
        {
            return; // a neuron has rows of one receptor only, as in CUBA
        }

        Span<float> current = currents.Span;

        int[] target = rows.Target;
        float[] weight = _weights[receptor];
        if (_compact[receptor] is { } compact)
        {
            // The same additions, of the same floats, from a half or a quarter of the bytes.
            if (_slots is null)
            {
                compact.Deliver(a, b, current, scaled);
            }
            else
            {
                ushort[] delay = rows.Delay;
                float[] table = compact.Weights;
                for (int s = a; s < b; s++)
                {
                    _slots[SlotStart(slot, delay[s], receptor) + compact.TargetOf(s)] += table[compact.IndexOf(s)];
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
}
