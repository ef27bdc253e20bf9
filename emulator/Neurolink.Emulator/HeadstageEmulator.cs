using System.Diagnostics;
using Neurolink.Emulator.Faults;
using Neurolink.Emulator.Firmware;
using Neurolink.Transport;

namespace Neurolink.Emulator;

/// <summary>
/// An emulated headstage on its own thread: the firmware model, its clock, the fault plan and a
/// link to the host. Reach it in process with <see cref="StartInProcess"/>, or serve it over TCP
/// or a pseudo-terminal with the <c>neurolink-emulator</c> command.
/// </summary>
public sealed class HeadstageEmulator : IDisposable
{
    private const int WireHighWater = 256 * 1024;
    private const int VirtualAheadBytes = 1 << 20;

    private readonly EmulatorOptions _options;
    private readonly Func<CancellationToken, IDeviceLink?> _nextLink;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly HeadstageFirmware _firmware;
    private readonly FaultInjector _faults;
    private readonly WireBuffer _wire = new();
    private Exception? _failure;
    private Stopwatch? _wall;
    private bool _disposed;
    private ulong _pacedOrigin;

    /// <summary>
    /// Creates an emulator that serves the links <paramref name="nextLink"/> gives it, one after
    /// another (a new one after each disconnect); null from it means stop.
    /// </summary>
    public HeadstageEmulator(EmulatorOptions options, Func<CancellationToken, IDeviceLink?> nextLink)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(nextLink);
        _options = options;
        _nextLink = nextLink;
        Truth = new GroundTruth(options.RecordGroundTruth, options.RecordCue);
        _firmware = new HeadstageFirmware(options, Truth) { DropWhenFifoFull = options.Clock == EmulatorClock.Paced };
        if (options.Clock == EmulatorClock.Paced)
        {
            // Room for a full FIFO twice over plus the largest frame: it never grows while sampling.
            _firmware.Output.Preallocate((2 * options.FifoBytes) + (2 << 20));
        }

        Pace = options.Clock == EmulatorClock.Lockstep ? new HostPace() : null;
        _faults = new FaultInjector(options.Faults, Truth, options.Seed);
        _thread = new Thread(Run) { IsBackground = true, Name = "neurolink-emulator" };
    }

    /// <summary>What really happened: spikes, signal, faults, drops, pulses.</summary>
    public GroundTruth Truth { get; }

    /// <summary>
    /// How far the tissue's own STDP has moved its excitatory weights: their mean distance from 1
    /// (0 without STDP). Read it after the emulator has stopped; while it runs the value is a
    /// snapshot taken across a step.
    /// </summary>
    public double TissueWeightChange => _firmware.Tissue.MeanExcitatoryWeightChange;

    /// <summary>The gate of the lockstep clock, which the host's loop reports to; null on the other clocks.</summary>
    public HostPace? Pace { get; }

    /// <summary>What the lockstep clock makes per host report: one spike bin, as the host set it.</summary>
    private ulong LockstepBin => (ulong)Math.Max(1, _firmware.BinSamples);

    /// <summary>The device sample clock (read from another thread: approximate).</summary>
    public ulong Clock => _firmware.Clock;

    /// <summary>The error that stopped the emulator's thread, if one did.</summary>
    public Exception? Failure => _failure;

    /// <summary>
    /// Starts an emulator served in process; the host gets each link, the first one and any after a
    /// disconnect, from the returned connector's <see cref="InProcessConnector.Connect"/>.
    /// </summary>
    public static (HeadstageEmulator Emulator, InProcessConnector Connector) StartInProcess(EmulatorOptions options)
    {
        var connector = new InProcessConnector();
        var emulator = new HeadstageEmulator(options, connector.NextDeviceLink);
        emulator.Start();
        return (emulator, connector);
    }

    /// <summary>True once a replayed recording (<see cref="EmulatorOptions.Recording"/>) has been sent to its end: the device is gone.</summary>
    public bool ReplayFinished
    {
        get => Volatile.Read(ref _replayFinished);
        private set => Volatile.Write(ref _replayFinished, value);
    }

    private bool _replayFinished;

    /// <summary>Starts the emulator's thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Stops the thread and waits for it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _firmware.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using IDeviceLink? link = _nextLink(_stop.Token);
                if (link is null)
                {
                    return;
                }

                Serve(link);
                _firmware.OnLinkReset();
                _wire.Clear();
                if (ReplayFinished)
                {
                    return; // nothing left to serve
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            _failure = e;
        }
    }

    private void Serve(IDeviceLink link)
    {
        var buffer = new byte[65_536];

        // A paced device's clock is a free-running counter: it keeps counting while no host is
        // connected, so a reconnecting host sees the time that passed.
        if (_wall is null)
        {
            _wall = Stopwatch.StartNew();
            _pacedOrigin = _firmware.Clock;
            if (_options.Clock == EmulatorClock.Paced && _options.Faults.DriftPpm != 0)
            {
                Truth.AddFault(new InjectedFault("drift", _firmware.Clock, 0, 0, 0, (long)_options.Faults.DriftPpm));
            }
        }

        Stopwatch wall = _wall;
        ulong pacedOrigin = _pacedOrigin;
        long wallStart = Stopwatch.GetTimestamp() - wall.ElapsedTicks; // the wall clock's origin as a timestamp
        double rate = _firmware.Tissue.SampleRateHz * (1 + (_options.Faults.DriftPpm * 1e-6));

        while (!_stop.IsCancellationRequested && !link.IsClosed)
        {
            bool busy = false;
            if (_options.Clock == EmulatorClock.Paced && _firmware.Replaying && !_firmware.Acquiring)
            {
                // A replay's clock is the recording's: it stands still until the host starts it,
                // so the first frame carries the recording's first sample number and none is skipped.
                wallStart = Stopwatch.GetTimestamp();
                pacedOrigin = _firmware.Clock;
                _pacedOrigin = pacedOrigin;
                wall.Restart();
            }

            if (_options.Clock == EmulatorClock.Paced)
            {
                // The device clock is a hardware counter: catch it up to now before reading the
                // host's bytes, so that PONGs and ACKs carry the time they really arrived. After a
                // stall of this thread (the host's JIT or GC on a 2-core machine), the samples of
                // the stall are made 1 ms at a time with the link taking frames between slices, as
                // a device's FIFO drains while it samples: in one go, the whole stall's frames met
                // a FIFO nobody emptied, and a host that kept up saw the device drop them.
                ulong target = Math.Min(pacedOrigin + (ulong)(wall.Elapsed.TotalSeconds * rate), _firmware.ReplayEnd);
                ulong slice = Math.Max(1, (ulong)(rate / 1000));
                while (target > _firmware.Clock)
                {
                    _firmware.Advance(Math.Min(slice, target - _firmware.Clock));
                    busy = true;
                    if (target > _firmware.Clock)
                    {
                        if (!Move(wall.ElapsedMilliseconds))
                        {
                            break; // a fault (a disconnect or a stall) is due: the loop below acts on it
                        }

                        if (_wire.Pending > 0)
                        {
                            _wire.Consume(link.TryWrite(_wire.Bytes));
                        }
                    }
                }

                if (target > _firmware.Clock)
                {
                    _firmware.Advance(target - _firmware.Clock);
                }
            }

            int n = link.TryRead(buffer);
            if (n > 0)
            {
                _firmware.Receive(buffer.AsSpan(0, n));
                busy = true;
            }

            if (_options.Clock == EmulatorClock.Virtual && _firmware.Acquiring && _firmware.Output.PendingBytes + _wire.Pending < VirtualAheadBytes && _firmware.Clock < _firmware.ReplayEnd)
            {
                _firmware.Advance(Math.Min((ulong)_firmware.Tissue.SampleRateHz / 1000, _firmware.ReplayEnd - _firmware.Clock));
                busy = true;
            }
            else if (Pace is not null)
            {
                // Lockstep: a bin at a time, once the host has handled the one before (its stimulation was read above).
                ulong bin = LockstepBin;
                if (!_firmware.Acquiring)
                {
                    Pace.Reset();
                }
                else if (_firmware.Clock < _firmware.ReplayEnd && Pace.TryAdvance(_firmware.Clock, bin))
                {
                    _firmware.Advance(Math.Min(bin, _firmware.ReplayEnd - _firmware.Clock));
                    busy = true;
                }
            }

            if (_firmware.Acquiring && _firmware.Clock >= _firmware.ReplayEnd && _firmware.Output.PendingBytes == 0 && _wire.Pending == 0)
            {
                // A replayed recording has ended: the device says everything, then goes away.
                ReplayFinished = true;
                FlushBeforeDisconnect(link);
                return;
            }

            long nowMs = wall.ElapsedMilliseconds;
            _faults.ReleaseDelayed(_wire, nowMs);
            Move(nowMs);

            if (_faults.StallDueMs > 0)
            {
                // Only the link stalls: a paced device keeps sampling and catches up after (or overflows).
                _stop.Token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(_faults.StallDueMs));
            }

            if (_wire.Pending > 0)
            {
                int written = link.TryWrite(_wire.Bytes);
                _wire.Consume(written);
                busy |= written > 0;
            }

            if (_faults.DisconnectDue)
            {
                _faults.Acknowledge();
                FlushBeforeDisconnect(link);
                return;
            }

            _faults.Acknowledge();
            if (!busy)
            {
                if (_options.Clock == EmulatorClock.Paced && _firmware.Acquiring && _wire.Pending == 0)
                {
                    // Acquiring in real time: sleep exactly to the end of the current 1 ms bin, so
                    // frames leave at 1 kHz one by one, as a device's frame timer sends them (host
                    // bytes that come meanwhile are read at the next bin, within 1 ms).
                    double samplesPerMs = rate / 1000;
                    double sinceOrigin = (_firmware.Clock - pacedOrigin) / samplesPerMs;
                    double nextMs = Math.Floor(sinceOrigin) + 1;
                    PreciseSleep.Until(wallStart + (long)(nextMs / 1000 * Stopwatch.Frequency));
                }
                else if (Pace is not null && _firmware.Acquiring && _wire.Pending == 0)
                {
                    Pace.Wait(_firmware.Clock, LockstepBin, TimeSpan.FromMilliseconds(1)); // the host's report, which comes after any stimulation it sends
                }
                else
                {
                    link.WaitForActivity(TimeSpan.FromMilliseconds(1), _wire.Pending > 0);
                }
            }
        }
    }

    /// <summary>Moves frames from the FIFO onto the wire (through the fault plan) while it has room; false when a fault (disconnect or stall) is due.</summary>
    private bool Move(long nowMs)
    {
        bool FaultDue() => _faults.DisconnectDue || _faults.StallDueMs > 0;
        while (!FaultDue() && _wire.Pending < WireHighWater && _firmware.Output.TryPeek(out QueuedFrame frame, out ReadOnlySpan<byte> bytes))
        {
            _faults.Send(frame, bytes, _wire, _firmware.Clock, nowMs);
            _firmware.Output.Dequeue();
        }

        return !FaultDue();
    }

    /// <summary>The frames before a disconnect are on the wire when it happens; give the link a moment to take them.</summary>
    private void FlushBeforeDisconnect(IDeviceLink link)
    {
        var deadline = Stopwatch.StartNew();
        while (_wire.Pending > 0 && !link.IsClosed && deadline.ElapsedMilliseconds < 1000)
        {
            _wire.Consume(link.TryWrite(_wire.Bytes));
            if (_wire.Pending > 0)
            {
                link.WaitForActivity(TimeSpan.FromMilliseconds(1), true);
            }
        }
    }
}
