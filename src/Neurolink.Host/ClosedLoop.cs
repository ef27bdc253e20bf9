using System.Diagnostics;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Mass;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Host;

/// <summary>The closed loop's counters (cumulative).</summary>
/// <param name="Frames">SPIKE_COUNTS frames run through the mass.</param>
/// <param name="LostFrames">Frames the loop knows it never got: sequence gaps, ring overruns (from the ring's loss records).</param>
/// <param name="LinkDowns">Link-down records seen.</param>
/// <param name="DeadlineMisses">Frames not finished before the next one arrived.</param>
/// <param name="Steps">Mass steps run.</param>
/// <param name="OutputSpikes">Spikes of the output population.</param>
/// <param name="StimSent">Program triggers handed to the transport.</param>
/// <param name="StimSuppressed">Output spikes that did not trigger because their program was within its refractory period or stimulation was paused (<see cref="ClosedLoop.StimulationPaused"/>).</param>
/// <param name="StimRefused">Triggers refused: by the host (link down, program not armed) or by the device (STIM_NACK).</param>
/// <param name="StimAcknowledged">Triggers the device acknowledged (STIM_ACK).</param>
public readonly record struct LoopCounters(
    long Frames, long LostFrames, long LinkDowns, long DeadlineMisses, long Steps, long OutputSpikes,
    long StimSent, long StimSuppressed, long StimRefused, long StimAcknowledged);

/// <summary>
/// The closed loop, on its own thread or on the reader thread that received the frames
/// (<see cref="ClosedLoopOptions.OnReaderThread"/>, <see cref="Drain"/>): for every SPIKE_COUNTS frame in the acquisition ring,
/// the channels' counts go into the mass's input neurons, the mass advances by the frame's
/// duration, the output population's spikes become triggers of pre-armed pulse-train programs
/// (one STIM_TRIGGER frame per frame at most, each program at most once per refractory period),
/// and the trigger is handed to the transport without waiting for its answer. Latency is
/// measured for every frame from the moment its last byte was read to the moment its trigger
/// was handed to the transport (or its processing ended, when it triggered nothing); a frame not
/// finished before the next one arrived is a deadline miss. Nothing is allocated per frame.
/// </summary>
public sealed class ClosedLoop : IDisposable
{
    private readonly FrameRing _ring;
    private readonly ISimulatedMass _mass;
    private readonly ClosedLoopOptions _options;
    private readonly StimulationOptions _stim;
    private readonly Func<HeadstageDriver?> _driver;
    private readonly LatencyHistogram _latency = new();
    private readonly LatencyHistogram _compute = new();
    private readonly int _outStart, _outCount;
    private readonly int[] _spikes;
    private readonly long[] _populationSpikes;
    private readonly long[] _frameSpikes; // this frame's spikes per population, added to the shared counts once per frame
    private readonly int[] _populationOf;
    private readonly byte[] _counts;
    private readonly ushort[] _triggers;
    private readonly long[] _lastTrigger;   // step of each program's last trigger
    private readonly bool[] _armed;
    private readonly double _refractorySteps;
    private readonly object _armGate = new();       // the armed flags, between Configure and the loop
    private readonly object _configureGate = new(); // one Configure at a time
    private Thread? _thread;
    private RingConsumer? _consumer;
    private volatile bool _stop;
    private volatile bool _stimulationStopped;
    private volatile bool _failed;
    private int _draining; // 1 while a thread runs frames (Drain)
    private bool _paused;
    private int _sending;
    private long _frames, _lost, _linkDowns, _misses, _steps, _outputSpikes, _sent, _suppressed, _refusedHost;
    private double _worstLatency = -1, _worstCompute = -1;   // loop thread only; read by the summary after the loop stopped
    private long _worstLatencyFrame = -1, _worstComputeFrame = -1;
    private long _refusedByDevice, _acknowledged; // from drivers that were replaced (reconnects)
    private HeadstageDriver? _counted;
    private long _lastFinished;
    private long _allocated;
    private double _sampleRateHz;
    private Exception? _fault;

    /// <summary>Creates the loop over an acquisition ring and a mass; <paramref name="driver"/> gives the current driver (it changes on reconnect).</summary>
    /// <exception cref="ArgumentException">The network has no output population.</exception>
    public ClosedLoop(FrameRing ring, ISimulatedMass mass, Func<HeadstageDriver?> driver, ClosedLoopOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(mass);
        ArgumentNullException.ThrowIfNull(driver);
        _ring = ring;
        _mass = mass;
        _driver = driver;
        _options = options ?? new ClosedLoopOptions();
        _stim = _options.Stimulation;
        CompiledNetwork net = mass.Network;
        string output = net.Spec.Output ?? throw new ArgumentException("the network names no output population (\"output\" in its JSON): the loop has nothing to turn into stimulation", nameof(mass));
        PopulationRange range = net.Populations.First(p => p.Name == output);
        (_outStart, _outCount) = (range.Start, range.Count);
        _spikes = new int[net.NeuronCount];
        _populationSpikes = new long[net.Populations.Count];
        _frameSpikes = new long[net.Populations.Count];
        _populationOf = new int[net.NeuronCount];
        for (int p = 0; p < net.Populations.Count; p++)
        {
            Array.Fill(_populationOf, p, net.Populations[p].Start, net.Populations[p].Count);
        }

        _counts = new byte[Math.Max(1, net.Inputs.RowStart.Length - 1)];
        _triggers = new ushort[_stim.Programs];
        _lastTrigger = new long[_stim.Programs];
        Array.Fill(_lastTrigger, long.MinValue / 2);
        _armed = new bool[_stim.Programs];
        _refractorySteps = _stim.RefractoryMs / net.Spec.DtMs;
    }

    /// <summary>Latency quantiles so far: last byte received to trigger handed to the transport.</summary>
    public LatencySummary Latency => _latency.Snapshot();

    /// <summary>The part of it the loop itself spent: from taking the frame from the ring to handing the trigger over (the rest is the frame waiting: reader, ring, wake-up, earlier frames).</summary>
    public LatencySummary ComputeLatency => _compute.Snapshot();

    /// <summary>Which handled frame (0: the first) had the largest latency, and which the largest loop's own part; -1 before any. Read them after the loop stopped.</summary>
    public (long Latency, long Compute) WorstFrames => (Volatile.Read(ref _worstLatencyFrame), Volatile.Read(ref _worstComputeFrame));

    /// <summary>What stopped the loop, or null.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Raised when the loop fails, after stimulation was stopped and the device disarmed: on the loop thread, or on a thread of its own for a loop on the reader thread.</summary>
    public event Action<Exception>? Faulted;

    /// <summary>Why the loop thread runs without real-time scheduling, or null when it has it (or was not asked to, or the loop runs on the reader thread, whose own is the driver's).</summary>
    public string? RealtimeProblem { get; private set; }

    /// <summary>Why the loop thread is not pinned to the CPU it was asked to be, or null.</summary>
    public string? PinProblem { get; private set; }

    /// <summary>Bytes the loop thread has allocated, as of its last frame (steady state: it stops growing).</summary>
    public long AllocatedBytes => Volatile.Read(ref _allocated);

    /// <summary>The mass.</summary>
    public ISimulatedMass Mass => _mass;

    /// <summary>The sample rate of the device the frames come from, Hz (0 before the first connection).</summary>
    public double SampleRateHz => Volatile.Read(ref _sampleRateHz);

    /// <summary>Counters so far.</summary>
    public LoopCounters Counters
    {
        get
        {
            HeadstageDriver? d = Volatile.Read(ref _counted); // its counters stay readable after it closed
            long nack = Interlocked.Read(ref _refusedByDevice), ack = Interlocked.Read(ref _acknowledged);
            if (d is not null)
            {
                nack += d.TriggersRefused;
                ack += d.TriggersAcknowledged;
            }

            return new LoopCounters(
                Interlocked.Read(ref _frames), Interlocked.Read(ref _lost), Interlocked.Read(ref _linkDowns), Interlocked.Read(ref _misses),
                Interlocked.Read(ref _steps), Interlocked.Read(ref _outputSpikes), Interlocked.Read(ref _sent), Interlocked.Read(ref _suppressed),
                Interlocked.Read(ref _refusedHost) + nack, ack);
        }
    }

    /// <summary>Why the device refused the last refused trigger, in words, or null.</summary>
    public string? LastDeviceRefusal => Volatile.Read(ref _counted)?.LastTriggerRefusal is { } r ? StimSafety.Describe(r) : null;

    /// <summary>Spikes per population so far, in the network's population order.</summary>
    public long[] PopulationSpikes()
    {
        var copy = new long[_populationSpikes.Length];
        for (int p = 0; p < copy.Length; p++)
        {
            copy[p] = Interlocked.Read(ref _populationSpikes[p]);
        }

        return copy;
    }

    /// <summary>
    /// For each new connection (the session's configure step): takes the device's sample rate
    /// (<see cref="AcquisitionSession.SampleRateHz"/>) and arms
    /// every program on its channel, each checked against the device's limits first. A program
    /// the host or the device refuses stays unarmed (its triggers are counted as refused) and the
    /// reason is returned, one line per program.
    /// </summary>
    public IReadOnlyList<string> Configure(HeadstageDriver driver, double sampleRateHz)
    {
        ArgumentNullException.ThrowIfNull(driver);
        Volatile.Write(ref _sampleRateHz, sampleRateHz);
        var problems = new List<string>();

        // One configuration at a time; the loop's lock (_armGate) is held only while the armed
        // flags change, never across a request: a loop on the reader thread takes it to send, and
        // the request's answer comes through that thread.
        lock (_configureGate)
        {
            HeadstageDriver? previous = Volatile.Read(ref _counted);
            if (previous is not null && previous != driver)
            {
                Interlocked.Add(ref _refusedByDevice, previous.TriggersRefused);
                Interlocked.Add(ref _acknowledged, previous.TriggersAcknowledged);
            }

            Volatile.Write(ref _counted, driver);
            lock (_armGate)
            {
                Array.Clear(_armed);
            }

            if (!_stim.Enabled)
            {
                return problems;
            }

            // A device starts (and restarts after every HELLO) with stimulation off.
            driver.WriteRegister((uint)Register.StimEnable, 1);
            for (int p = 0; p < _stim.Programs; p++)
            {
                int channel = _stim.Channel(p, driver.Capabilities?.ChannelCount ?? 0);
                try
                {
                    driver.Arm(_stim.Program((ushort)p), [(ushort)Math.Min(channel, ushort.MaxValue)]);
                    lock (_armGate)
                    {
                        _armed[p] = true;
                    }
                }
                catch (StimulationRefusedException e)
                {
                    problems.Add(e.Message);
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Starts the loop: it reads every frame written to the ring from now on, on its own thread,
    /// or (with <see cref="ClosedLoopOptions.OnReaderThread"/>) wherever <see cref="Drain"/> is
    /// called: give <see cref="Drain"/> to <see cref="AcquisitionSession.AfterFrames"/>.
    /// </summary>
    public void Start()
    {
        if (_consumer is not null)
        {
            throw new InvalidOperationException("the loop was already started");
        }

        _consumer = _ring.AddConsumer("closed-loop");
        if (_options.OnReaderThread)
        {
            _options.OnHandled?.Invoke(0); // ready for the first frame (a lockstep device makes none before)
            return;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "neurolink-loop", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>
    /// For a loop on the reader thread (<see cref="ClosedLoopOptions.OnReaderThread"/>): runs every
    /// frame in the ring not yet run, on the calling thread, and returns. Called by the reader
    /// after each read (<see cref="AcquisitionSession.AfterFrames"/>), so a frame is run by the
    /// thread that received it, with no other thread to wake. One caller at a time runs frames;
    /// a call while another runs returns at once. A fault stops stimulation here, at once; the
    /// device is disarmed, <see cref="Fault"/> set and <see cref="Faulted"/> raised on a thread of
    /// their own (disarming waits for answers that only the reader thread can deliver).
    /// </summary>
    /// <exception cref="InvalidOperationException">The loop runs on its own thread.</exception>
    public void Drain()
    {
        if (!_options.OnReaderThread)
        {
            throw new InvalidOperationException("this loop runs on its own thread: Drain is for a loop with OnReaderThread set");
        }

        RingConsumer? consumer = _consumer;
        if (consumer is null || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
        {
            return;
        }

        try
        {
            if (_stop || _failed)
            {
                return; // stopped (the consumer may be gone) or failed (the ring is no longer read, as a failed loop thread)
            }

            Handle(consumer);
            consumer.Release();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _stimulationStopped = true; // before anything else: no trigger follows
            _failed = true;
            FailElsewhere(e);
        }
        finally
        {
            Volatile.Write(ref _draining, 0);
        }
    }

    /// <summary>
    /// No more triggers from now on (the frames still run through the mass). The first step of
    /// every shutdown: the device is disarmed after this, then acquisition stops.
    /// </summary>
    public void StopStimulation()
    {
        _stimulationStopped = true;
        Interlocked.MemoryBarrier();

        // A trigger being handed over right now finishes first: after this returns, none follows.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _sending) != 0)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>
    /// While true, output spikes trigger nothing (counted as suppressed) and the frames still run
    /// through the mass: a task's stimulation-free epochs, in which the tissue's spontaneous
    /// firing is measured. Set from the loop thread (a frame handler) to take effect at that frame.
    /// </summary>
    public bool StimulationPaused
    {
        get => Volatile.Read(ref _paused);
        set => Volatile.Write(ref _paused, value);
    }

    /// <summary>Ends the loop after it has run every frame already in the ring (up to <paramref name="drain"/>).</summary>
    public void Stop(TimeSpan drain)
    {
        _stimulationStopped = true;
        long until = Stopwatch.GetTimestamp() + (long)(drain.TotalSeconds * Stopwatch.Frequency);
        if (_options.OnReaderThread)
        {
            // The reader may be gone (the link closed, the session stopped): what is left is run here.
            while (_consumer is not null && !_failed && _consumer.LagBytes > 0 && Stopwatch.GetTimestamp() < until)
            {
                Drain();
                if (_consumer.LagBytes > 0)
                {
                    Thread.Sleep(1);
                }
            }

            _stop = true;
            Interlocked.MemoryBarrier(); // a drain that starts after this sees it; one running is seen below
            var spin = default(SpinWait);
            while (Volatile.Read(ref _draining) != 0)
            {
                spin.SpinOnce();
            }

            return;
        }

        while (_thread is not null && _thread.IsAlive && _consumer is not null && _consumer.LagBytes > 0 && Stopwatch.GetTimestamp() < until)
        {
            Thread.Sleep(1);
        }

        _stop = true;
        _thread?.Join();
    }

    /// <summary>Stops the loop and leaves the ring.</summary>
    public void Dispose()
    {
        Stop(TimeSpan.Zero);
        _consumer?.Dispose();
    }

    private void Run()
    {
        RingConsumer consumer = _consumer!;
        (RealtimeProblem, PinProblem) = ThreadPinning.Place(_options.RealtimePriority, _options.Cpu);

        try
        {
            long spin = _options.PollMicroseconds * Stopwatch.Frequency / 1_000_000;
            _options.OnHandled?.Invoke(0); // ready for the first frame (a lockstep device makes none before)
            while (!_stop)
            {
                if (spin > 0)
                {
                    // Poll for the next frame for a while before blocking: no wake-up to wait for.
                    long until = Stopwatch.GetTimestamp() + spin;
                    while (!consumer.Available && Stopwatch.GetTimestamp() < until && !_stop)
                    {
                        Thread.SpinWait(20);
                    }
                }

                if (consumer.WaitForData(TimeSpan.FromMilliseconds(50)))
                {
                    Handle(consumer);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _stimulationStopped = true; // a fault in the loop stops stimulation before anything else
            _failed = true;
            Fail(e);
        }
        finally
        {
            consumer.Release();
        }
    }

    /// <summary>Runs every item there is in the ring, in order, until none is left or the loop is stopped.</summary>
    private void Handle(RingConsumer consumer)
    {
        while (!_stop && consumer.TryRead(out RingItem item))
        {
            if (item.Kind == RingItemKind.Loss)
            {
                LossRecord loss = item.Loss;
                if (loss.Kind == LossKind.LinkDown)
                {
                    Interlocked.Increment(ref _linkDowns);
                }
                else
                {
                    Interlocked.Add(ref _lost, loss.Frames);
                }
            }
            else if (item.Kind == RingItemKind.Frame)
            {
                Frame frame = item.Frame;
                if (frame.Type == FrameType.SpikeCounts)
                {
                    OnCounts(frame, item.ReceivedTimestamp);
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Fail"/> on a thread of its own, for a fault on the reader thread (whose answers
    /// the disarm waits for). Not a lambda in <see cref="Drain"/>: the closure of its exception
    /// would be allocated on every call, fault or none.
    /// </summary>
    private void FailElsewhere(Exception e)
    {
        new Thread(() => Fail(e)) { IsBackground = true, Name = "neurolink-loop-fault" }.Start();
    }

    /// <summary>After a fault, stimulation already stopped: the device disarmed, the fault kept and told.</summary>
    private void Fail(Exception e)
    {
        try
        {
            _driver()?.DisarmAll();
        }
        catch (Exception disarm) when (disarm is DeviceException or TransportClosedException or ObjectDisposedException)
        {
            e = new AggregateException(e, disarm);
        }

        Volatile.Write(ref _fault, e);
        Faulted?.Invoke(e);
    }

    private void OnCounts(in Frame frame, long received)
    {
        long taken = Stopwatch.GetTimestamp();
        if (!SpikeCounts.TryRead(frame.Payload, out SpikeCounts counts, out _))
        {
            // The deframer checked the CRC: a malformed payload is the device's fault. Counted, not run.
            Interlocked.Increment(ref _lost);
            return;
        }

        if (received < _lastFinished)
        {
            Interlocked.Increment(ref _misses); // the previous frame was still running when this one arrived
        }

        double rate = _sampleRateHz > 0 ? _sampleRateHz : 30_000;
        int steps = (int)Math.Clamp(Math.Round(counts.BinSamples / rate * 1000 / _mass.Network.Spec.DtMs), 1, _options.MaxStepsPerFrame);
        Array.Clear(_counts);
        ReadOnlySpan<byte> c = counts.Counts;
        int first = counts.FirstChannel;
        if (first < _counts.Length)
        {
            c[..Math.Min(c.Length, _counts.Length - first)].CopyTo(_counts.AsSpan(first));
        }

        _mass.InjectChannelCounts(_counts);
        _options.OnFrame?.Invoke(frame.Header.SampleClock, counts);
        int triggers = 0;
        long outputSpikes = 0;
        bool paused = StimulationPaused;
        for (int s = 0; s < steps; s++)
        {
            _mass.Step();
            int n = _mass.CopySpikes(_spikes);
            long step = _mass.StepCount;
            for (int k = 0; k < n; k++)
            {
                int i = _spikes[k];
                _frameSpikes[_populationOf[i]]++;
                if (i < _outStart || i >= _outStart + _outCount)
                {
                    continue;
                }

                outputSpikes++;
                int program = (i - _outStart) % _stim.Programs;
                if (paused || step - _lastTrigger[program] < _refractorySteps)
                {
                    Interlocked.Increment(ref _suppressed);
                    continue;
                }

                _lastTrigger[program] = step;
                _triggers[triggers++] = (ushort)program;
            }
        }

        Interlocked.Add(ref _steps, steps);
        Interlocked.Add(ref _outputSpikes, outputSpikes);
        for (int p = 0; p < _frameSpikes.Length; p++)
        {
            if (_frameSpikes[p] != 0)
            {
                Interlocked.Add(ref _populationSpikes[p], _frameSpikes[p]);
                _frameSpikes[p] = 0;
            }
        }
        if (triggers > 0)
        {
            Interlocked.Exchange(ref _sending, 1); // a full fence: StopStimulation sees this, or this sees its flag
            if (!_stimulationStopped)
            {
                Send(triggers, frame.Header.SampleClock + counts.BinSamples);
            }

            Volatile.Write(ref _sending, 0);
        }

        long finished = Stopwatch.GetTimestamp();
        _lastFinished = finished;
        Volatile.Write(ref _allocated, GC.GetAllocatedBytesForCurrentThread());
        double latency = (finished - received) * 1e6 / Stopwatch.Frequency;
        double compute = (finished - taken) * 1e6 / Stopwatch.Frequency;
        _latency.Record(latency);
        _compute.Record(compute);
        long index = Interlocked.Read(ref _frames);
        if (latency > _worstLatency)
        {
            (_worstLatency, _worstLatencyFrame) = (latency, index);
        }

        if (compute > _worstCompute)
        {
            (_worstCompute, _worstComputeFrame) = (compute, index);
        }

        _options.OnLatency?.Invoke(latency);
        Interlocked.Increment(ref _frames);
        _options.OnHandled?.Invoke(frame.Header.SampleClock + counts.BinSamples);

        // While the next frame is on its way: the part of its first step that its counts cannot change.
        _mass.PrepareNextStep();
    }

    private void Send(int triggers, ulong sampleClock)
    {
        if (!_stim.Enabled)
        {
            return; // open loop: the output spikes are counted, nothing is sent or refused
        }

        int armed = 0;
        lock (_armGate)
        {
            for (int t = 0; t < triggers; t++)
            {
                if (_armed[_triggers[t]])
                {
                    _triggers[armed++] = _triggers[t];
                }
            }
        }

        Interlocked.Add(ref _refusedHost, triggers - armed);
        HeadstageDriver? driver = _driver();
        if (armed == 0)
        {
            return;
        }

        if (driver is null || driver.LinkClosed)
        {
            Interlocked.Add(ref _refusedHost, armed);
            return;
        }

        try
        {
            driver.SendTrigger(_triggers.AsSpan(0, armed));
            Interlocked.Add(ref _sent, armed);
            _options.OnTrigger?.Invoke(sampleClock, _triggers.AsSpan(0, armed));
        }
        catch (TransportClosedException)
        {
            // The link went down under the trigger: it was not sent; the session reconnects.
            Interlocked.Add(ref _refusedHost, armed);
        }
    }
}
