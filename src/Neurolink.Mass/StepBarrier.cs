using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Neurolink.Mass;

/// <summary>
/// Where the threads of one <see cref="CpuMass"/> meet: the caller's signal that a step starts,
/// and each thread's count of the phases it has finished (two a step), never reset, so no thread
/// can miss a release. Every count has a cache line of its own, written by its thread alone; a
/// waiting thread reads the others'. With one shared counter that every thread incremented, the
/// counter's line moved from core to core at every arrival, and the waiters' reads moved it back:
/// several transfers a phase, where this takes one from each writer.
/// </summary>
internal sealed class StepBarrier
{
    /// <summary>Longs between two cells: 128 bytes, so that no two cells share a line, nor the pair of lines a core may fetch together.</summary>
    private const int Stride = 16;

    /// <summary>How long a waiting thread spins tightly before it backs off: 20 us.</summary>
    private static readonly long TightSpinTicks = System.Diagnostics.Stopwatch.Frequency / 50_000;

    // Cell 0: the signal (its count, then the step it starts); cell 1 + k: thread k's finished phases.
    // Cell c is element (c + 1) x Stride, so none shares a line with the array's header either.
    private readonly long[] _cells;
    private readonly int _threads;

    /// <summary>A barrier for <paramref name="threads"/> threads (the caller's included).</summary>
    public StepBarrier(int threads)
    {
        _threads = threads;
        _cells = GC.AllocateArray<long>((threads + 3) * Stride, pinned: true);
    }

    /// <summary>Starts the <paramref name="count"/>-th signalled step (counted from 1), <paramref name="step"/>, for the waiting threads.</summary>
    public void Signal(long count, long step)
    {
        Cell(0, 1) = step; // read after the count, which is written last
        Volatile.Write(ref Cell(0, 0), count);
    }

    /// <summary>Waits for the <paramref name="count"/>-th signal; returns the step it starts.</summary>
    public long WaitForSignal(long count)
    {
        WaitFor(ref Cell(0, 0), count);
        return Volatile.Read(ref Cell(0, 1));
    }

    /// <summary>Thread <paramref name="k"/> has finished phase <paramref name="phase"/> (phases only grow).</summary>
    public void Finished(int k, long phase) => Volatile.Write(ref Cell(1 + k, 0), phase);

    /// <summary>Waits until every thread has finished phase <paramref name="phase"/>.</summary>
    public void WaitForAll(long phase)
    {
        for (int k = 0; k < _threads; k++)
        {
            WaitFor(ref Cell(1 + k, 0), phase);
        }
    }

    /// <summary>Thread <paramref name="k"/> has finished phase <paramref name="phase"/> and waits for the others to.</summary>
    public void Arrive(int k, long phase)
    {
        Finished(k, phase);
        WaitForAll(phase);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref long Cell(int cell, int word) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_cells), ((cell + 1) * Stride) + word);

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
}
