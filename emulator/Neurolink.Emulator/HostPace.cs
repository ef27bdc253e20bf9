using System.Diagnostics;

namespace Neurolink.Emulator;

/// <summary>
/// The lockstep clock's gate (<see cref="EmulatorClock.Lockstep"/>): the emulated device makes
/// its next spike bin only once the host's closed loop says it has handled the bins before it,
/// so the tissue waits for the loop instead of the loop racing the tissue. What the loop sends
/// back after a frame (stimulation) is on the link before it reports the frame, so the device
/// reads it before its next bin: every pulse lands at the start of the bin after the frame that
/// asked for it, as with a loop that answers within one bin in real time, however slow the host.
/// The time it measures is simulated; the loop's own latency is still measured in wall time.
/// </summary>
/// <remarks>
/// The frames and the stimulation still travel through the whole stack (link, driver,
/// acquisition ring, loop); only the pacing goes around it, in process. A loop
/// <see cref="Attach">attaches</see> before acquisition starts, and the device makes no bin until
/// it has said it is ready, then one bin per report: the same seed gives the same run however
/// the host's threads are scheduled. A host that never attaches (a probe, a recorder) is waited
/// for <see cref="HostTimeout"/> per bin; an attached one that stops reporting (a loop that
/// failed), <see cref="AttachedTimeout"/>. Every bin made without a report is counted in
/// <see cref="TimedOut"/>: with an attached loop, anything but 0 means the run was not in step.
/// </remarks>
public sealed class HostPace
{
    private readonly object _gate = new();
    private ulong _host;       // the host has handled everything before this sample
    private bool _ready;       // the host has reported at least once
    private volatile bool _attached;
    private ulong _origin;     // where the device's clock stood when acquisition started
    private bool _held;
    private long _timedOut;
    private long _waitingSince;

    /// <summary>How long the device waits for a host that has not attached before it moves on by a bin.</summary>
    public static readonly TimeSpan HostTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the device waits for an attached loop's report before it moves on by a bin.</summary>
    public static readonly TimeSpan AttachedTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Bins made without the host's report, after a timeout.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);

    /// <summary>A closed loop will report every frame (call before acquisition starts): from now on the device makes no bin before the loop's first report.</summary>
    public void Attach() => _attached = true;

    /// <summary>
    /// The host's report: every frame before sample <paramref name="through"/> has been handled
    /// (and its stimulation sent); 0 from a loop that is ready for its first frame.
    /// </summary>
    public void Report(ulong through)
    {
        lock (_gate)
        {
            _ready = true;
            if (through > _host)
            {
                _host = through;
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// On the device's thread: may the clock, at <paramref name="clock"/>, make the samples of one
    /// more bin of <paramref name="binSamples"/>? True once the host has handled the bins before,
    /// or after a timeout.
    /// </summary>
    internal bool TryAdvance(ulong clock, ulong binSamples)
    {
        if (!_held)
        {
            (_held, _origin, _waitingSince) = (true, clock, 0);
        }

        bool allowed;
        lock (_gate)
        {
            allowed = Allowed(clock, binSamples);
        }

        if (allowed)
        {
            _waitingSince = 0;
            return true;
        }

        long now = Stopwatch.GetTimestamp();
        if (_waitingSince == 0)
        {
            _waitingSince = now;
        }
        else if (Stopwatch.GetElapsedTime(_waitingSince, now) >= (_attached ? AttachedTimeout : HostTimeout))
        {
            _waitingSince = 0;
            Interlocked.Increment(ref _timedOut);
            return true;
        }

        return false;
    }

    /// <summary>On the device's thread, at <paramref name="clock"/>: waits up to <paramref name="timeout"/> for a report that lets it make its next bin.</summary>
    internal void Wait(ulong clock, ulong binSamples, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (!Allowed(clock, binSamples))
            {
                Monitor.Wait(_gate, timeout);
            }
        }
    }

    /// <summary>Acquisition stopped: the next start is held from where the clock then stands.</summary>
    internal void Reset() => _held = false;

    // Under _gate. Not attached: the first bin at once (nobody may ever report). Attached: not before the loop is ready.
    private bool Allowed(ulong clock, ulong binSamples) => (_ready || !_attached) && clock < Math.Max(_host, _origin) + binSamples;
}
