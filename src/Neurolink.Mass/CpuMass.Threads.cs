namespace Neurolink.Mass;

/// <summary>
/// The threads of a large network: every worker waits for the caller's signal, updates its
/// range, meets the others at a barrier that is never reset, and delivers every spike to its
/// own targets.
/// </summary>
public sealed partial class CpuMass
{
    /// <summary>How long a waiting thread spins tightly before it backs off: 20 us.</summary>
    private static readonly long TightSpinTicks = System.Diagnostics.Stopwatch.Frequency / 50_000;

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
}
