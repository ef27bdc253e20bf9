namespace Neurolink.Mass;

/// <summary>
/// The threads of a large network: every worker waits for the caller's signal, updates its
/// range, meets the others at the barrier (<see cref="StepBarrier"/>), and delivers every spike
/// to its own targets.
/// </summary>
public sealed partial class CpuMass
{
    private void Work(int k)
    {
        long signals = 0;
        while (true)
        {
            long step = _barrier.WaitForSignal(++signals);
            if (_stop)
            {
                return;
            }

            long index = signals - 1;
            Update(k, step);
            _barrier.Arrive(k, (2 * index) + 1);
            Deliver(k, step);
            _barrier.Finished(k, (2 * index) + 2); // the step's end: the caller waits for it, this thread waits for the next signal
        }
    }
}
