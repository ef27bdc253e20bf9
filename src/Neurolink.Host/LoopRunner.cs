using System.Diagnostics;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Mass;
using Neurolink.Mass.Gpu;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Recording;
using Neurolink.Transport;

namespace Neurolink.Host;

/// <summary>
/// One closed-loop run: the device opened and acquiring (reconnecting when it drops), the mass
/// built, the loop reading the acquisition ring, and the safe shutdown order. The hosted
/// service and <c>neurolink bench loop</c> both run this.
/// </summary>
public sealed class LoopRunner : IDisposable
{
    private readonly NeurolinkOptions _options;
    private readonly DeviceOpener _opener = new();
    private readonly Stopwatch _clock = new();
    private (int Collections, TimeSpan Pause) _gcAtStart;
    private TimeSpan _warmUp; // compiling the frame path and the mass's first steps, before the loop starts
    private AcquisitionSession? _session;
    private ISimulatedMass? _mass;
    private ClosedLoop? _loop;
    private volatile ClosedLoop? _armed; // the loop to arm on reconnects
    private bool _stopped, _disposed;
    private OpenEphysRecorder? _recorder;
    private readonly int _cpu;      // the CPU of the reader and loop threads, or -1
    private readonly bool _claimedAuto; // this runner holds the process's automatic pinning
    private static int s_autoPinned; // 1 while a runner holds it: one loop per process is pinned by default, not every loop a test starts

    /// <summary>Creates a run from validated settings.</summary>
    /// <exception cref="ArgumentException">The settings have problems (all listed).</exception>
    public LoopRunner(NeurolinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid settings: " + string.Join("; ", problems), nameof(options));
        }

        _options = options;
        if (!options.LoopCpuIsAuto)
        {
            _cpu = options.ResolveLoopCpu();
        }
        else if (Interlocked.CompareExchange(ref s_autoPinned, 1, 0) == 0)
        {
            _claimedAuto = true;
            _cpu = options.ResolveLoopCpu();
        }
        else
        {
            _cpu = -1; // another loop in this process holds the automatic CPU
        }
    }

    /// <summary>The acquisition session (null before <see cref="Start"/>).</summary>
    public AcquisitionSession? Session => _session;

    /// <summary>The loop (null before <see cref="Start"/>).</summary>
    public ClosedLoop? Loop => _loop;

    /// <summary>True once a replayed recording (file://) has been sent to its end: the run has nothing more to do.</summary>
    public bool DeviceFinished => _opener.ReplayFinished;

    /// <summary>The recorder (null when not recording).</summary>
    public OpenEphysRecorder? Recorder => _recorder;

    /// <summary>The emulator started for an emu:// device, or null.</summary>
    public Emulator.HeadstageEmulator? Emulator => _opener.Emulator;

    /// <summary>Why the reader or loop thread runs without the real-time scheduling asked for, or null.</summary>
    public string? RealtimeProblem => _loop?.RealtimeProblem ?? _session?.Driver?.RealtimeProblem;

    /// <summary>Why the reader or loop thread is not on the CPU <see cref="NeurolinkOptions.LoopCpu"/> named, or null (pinned, or not asked).</summary>
    public string? PinProblem => _loop?.PinProblem ?? _session?.Driver?.PinProblem;

    /// <summary>Problems met while arming stimulation (program refused), newest last.</summary>
    public IReadOnlyList<string> ArmProblems { get; private set; } = [];

    /// <summary>The network to run, given the device's channel count, instead of the settings' (a file, or the default loop network); null: the settings'.</summary>
    public Func<int, NetworkSpec>? NetworkFor { get; init; }

    /// <summary>Told of each frame on the loop thread before the mass steps (a learning task's reward).</summary>
    public FrameHandler? OnFrame { get; init; }

    /// <summary>Told of each trigger sent, on the loop thread (besides the recording's own).</summary>
    public TriggerHandler? OnTrigger { get; init; }

    /// <summary>The mass (null before <see cref="Start"/>): a learning task rewards it between steps, from <see cref="OnFrame"/>.</summary>
    public ISimulatedMass? Mass => _mass;

    /// <summary>Receives each frame's loop latency (microseconds) on the loop thread: for a metrics histogram.</summary>
    public Action<double>? OnLatency { get; init; }

    /// <summary>
    /// Opens the device and starts acquisition, builds the mass for the device's channels, arms
    /// stimulation and starts the loop.
    /// </summary>
    /// <exception cref="TransportException">The device cannot be opened; the message says why and what to do.</exception>
    /// <exception cref="DeviceException">The device did not answer or refused.</exception>
    /// <exception cref="NotSupportedException">The GPU backend was asked for and no CUDA device is present.</exception>
    public void Start()
    {
        DeviceUri uri = DeviceUri.Parse(_options.Device);
        long warmStart = Stopwatch.GetTimestamp();
        JitWarmUp.Assemblies(typeof(Frame), typeof(ITransport), typeof(AcquisitionSession), typeof(ClosedLoop)); // before any frame flows
        _warmUp = Stopwatch.GetElapsedTime(warmStart);
        bool record = !string.IsNullOrWhiteSpace(_options.Record);
        _session = new AcquisitionSession(_ => _opener.Open(uri), new AcquisitionOptions
        {
            Streams = record ? StreamMask.Counts | StreamMask.Raw | StreamMask.Events : StreamMask.Counts,
            Driver = new HeadstageDriverOptions { RealtimePriority = _options.RealtimePriority, Cpu = _cpu },
            Configure = driver =>
            {
                _opener.Emulator?.Pace?.Attach(); // a lockstep emulator waits for the loop's reports from the start

                if (_armed is { } loop)
                {
                    ArmProblems = loop.Configure(driver, _session!.SampleRateHz);
                }
            },
        });
        RingConsumer? forRecorder = record ? _session.Ring.AddConsumer("recorder") : null; // before START: every frame and loss is the recorder's
        _session.Start();
        int channels = (int)_session.Capabilities!.ChannelCount;
        if (forRecorder is not null)
        {
            _recorder = new OpenEphysRecorder(forRecorder, DeviceOpener.RecordingSourceFor(_session, uri, string.IsNullOrWhiteSpace(_options.Probe) ? null : _options.Probe), _options.Record!);
            _recorder.Start();
        }

        NetworkSpec spec = NetworkFor?.Invoke(channels) ?? (string.IsNullOrWhiteSpace(_options.Network)
            ? LoopNetwork.Default(channels, _options.Neurons, _options.Seed, _options.DtMs)
            : NetworkJson.Load(_options.Network));
        CompiledNetwork net = NetworkBuilder.Build(spec);
        _mass = Backends.Create(net, _options.Backend, _options.Threads);
        warmStart = Stopwatch.GetTimestamp();
        WarmUp(_mass, channels);
        _warmUp += Stopwatch.GetElapsedTime(warmStart);
        _loop = new ClosedLoop(_session.Ring, _mass, () => _session.Driver, new ClosedLoopOptions
        {
            Stimulation = _options.Stimulation, OnLatency = OnLatency, RealtimePriority = _options.RealtimePriority, PollMicroseconds = _options.PollMicroseconds, Cpu = _cpu,
            OnReaderThread = _options.LoopOnReaderThread,
            OnTrigger = (_recorder is null ? null : (TriggerHandler)RecordTrigger) + OnTrigger, // the recording's, then the task's
            OnFrame = OnFrame,
            OnHandled = _opener.Emulator?.Pace is { } pace ? pace.Report : null,
        });
        _armed = _loop;
        HeadstageDriver driver = _session.Driver ?? throw new TransportClosedException($"device {uri} went away while the mass was being built");
        ArmProblems = _loop.Configure(driver, _session.SampleRateHz);
        _loop.Start();
        if (_options.LoopOnReaderThread)
        {
            _session.AfterFrames = _loop.Drain;
            _loop.Drain(); // frames that came while the loop started (the reader runs it from its next read on)
        }
        _gcAtStart = (GC.CollectionCount(0), GC.GetTotalPauseDuration());
        _clock.Start();
    }

    /// <summary>
    /// The safe shutdown order: no more triggers, stimulation disarmed, acquisition stopped, the
    /// loop drained of the frames already received, then (at <see cref="Dispose"/>) the device
    /// closed. Safe to repeat.
    /// </summary>
    public void Stop()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        _loop?.StopStimulation();
        _session?.Stop(); // disarms, then stops acquisition
        _loop?.Stop(TimeSpan.FromSeconds(1));
        _recorder?.Dispose(); // writes what is left in the ring and flushes
        _clock.Stop();
    }

    private void RecordTrigger(ulong sampleClock, ReadOnlySpan<ushort> programs)
    {
        long channels = _session?.Capabilities?.ChannelCount ?? 0;
        foreach (ushort p in programs)
        {
            _recorder?.RecordStimulation((long)sampleClock, p, _options.Stimulation.Channel(p, channels));
        }
    }

    /// <summary>Mean firing rate of each population since the start, Hz (empty before the first step).</summary>
    public IReadOnlyDictionary<string, double> RatesHz()
    {
        var rates = new Dictionary<string, double>();
        CompiledNetwork? net = _mass?.Network;
        double simulated = net is null || _loop is null ? 0 : _loop.Counters.Steps * net.Spec.DtMs / 1000;
        if (simulated > 0)
        {
            long[] spikes = _loop!.PopulationSpikes();
            for (int p = 0; p < net!.Populations.Count; p++)
            {
                rates[net.Populations[p].Name] = Math.Round(spikes[p] / (net.Populations[p].Count * simulated), 3);
            }
        }

        return rates;
    }

    /// <summary>
    /// The first steps of a mass pay one-off costs: the JIT compiling the step, first touches of
    /// its memory, CUDA loading the kernels' module at their first launch; tens of milliseconds
    /// (measured here: the loop's slowest frame was the first, 14-24 ms of the loop's own time, on
    /// the CPU backend; on CUDA `bench mass` shows 18-27 ms once in every run), behind which
    /// frames queue. They are paid here, before the loop takes a frame: two frames'
    /// steps with no input, then the state put back from a checkpoint in memory, so the run
    /// starts exactly where it would have. Skipped above 50 million synapses, where the
    /// checkpoint would take gigabytes (and the first steps are a small part of a slow step).
    /// </summary>
    public static void WarmUp(ISimulatedMass mass, int channels)
    {
        if (mass.Network.SynapseCount > 50_000_000)
        {
            return;
        }

        using var state = new MemoryStream();
        mass.SaveCheckpoint(state);
        var silence = new byte[Math.Max(1, channels)];
        var spikes = new int[mass.Network.NeuronCount];
        int stepsPerFrame = Math.Max(1, (int)Math.Round(1 / mass.Network.Spec.DtMs));
        for (int frame = 0; frame < 2; frame++)
        {
            mass.InjectChannelCounts(silence);
            mass.Run(stepsPerFrame);
            mass.Synchronize();
            mass.CopySpikes(spikes);
            mass.PrepareNextStep(); // as the loop does after every frame (the checkpoint below replaces what it did)
        }

        state.Position = 0;
        mass.LoadCheckpoint(state);
    }

    /// <summary>The run so far (or in all, after <see cref="Stop"/>).</summary>
    public LoopSummary Summary()
    {
        LoopCounters loop = _loop?.Counters ?? default;
        AcquisitionCounters acq = _session?.Counters ?? default;
        LatencySummary latency = _loop?.Latency ?? new LatencySummary(double.NaN, double.NaN, double.NaN, double.NaN, 0);
        CompiledNetwork? net = _mass?.Network;
        double simulated = net is null ? 0 : loop.Steps * net.Spec.DtMs / 1000;
        IReadOnlyDictionary<string, double> rates = RatesHz();
        return new LoopSummary
        {
            DurationSeconds = Math.Round(_clock.Elapsed.TotalSeconds, 3),
            Frames = loop.Frames,
            LostFrames = acq.FramesLost + acq.RingOverrunFrames + acq.DeviceLostFrames + acq.DeviceDroppedFrames,
            CrcErrors = acq.CrcErrors,
            DeadlineMisses = loop.DeadlineMisses,
            StimSent = loop.StimSent,
            StimRefused = loop.StimRefused,
            StimAcknowledged = loop.StimAcknowledged,
            StimSuppressed = loop.StimSuppressed,
            LoopLatencyUs = Json(latency),
            LoopComputeUs = Json(_loop?.ComputeLatency ?? default),
            LatencyMaxFrame = _loop is { } l && l.WorstFrames.Latency >= 0 ? l.WorstFrames.Latency : null,
            ComputeMaxFrame = _loop is { } c && c.WorstFrames.Compute >= 0 ? c.WorstFrames.Compute : null,
            WarmUpMs = Math.Round(_warmUp.TotalMilliseconds, 1),
            LoopCpu = _cpu >= 0 && _loop is not null && PinProblem is null ? _cpu : null,
            LoopThread = _options.LoopOnReaderThread ? "reader" : "own",
            Device = _options.Device,
            Backend = _mass?.Backend ?? "",
            Neurons = net?.NeuronCount ?? 0,
            Synapses = net?.SynapseCount ?? 0,
            Channels = _session?.Capabilities?.ChannelCount ?? 0,
            SimulatedSeconds = Math.Round(simulated, 3),
            LinkDowns = acq.LinkDowns,
            Reconnects = acq.Reconnects,
            RatesHz = rates,
            StimRefusal = _loop?.LastDeviceRefusal,
            Recording = _recorder?.Folder,
            RecordedSamples = _recorder?.Counters.Samples ?? 0,
            Fault = _loop?.Fault?.Message,
            GcCollections = GC.CollectionCount(0) - _gcAtStart.Collections,
            GcPauseMs = Math.Round((GC.GetTotalPauseDuration() - _gcAtStart.Pause).TotalMilliseconds, 1),
        };

        static double Round(double v) => double.IsNaN(v) ? v : Math.Round(v, 1);
        static LatencyJson Json(LatencySummary l) => l.Count == 0 ? new LatencyJson(double.NaN, double.NaN, double.NaN, double.NaN) : new LatencyJson(Round(l.P50), Round(l.P99), Round(l.P999), Round(l.Max));
    }

    /// <summary>Stops (in the safe order) and closes the device.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop();
        _loop?.Dispose();
        _session?.Dispose();
        _mass?.Dispose();
        _opener.Dispose();
        if (_claimedAuto)
        {
            Volatile.Write(ref s_autoPinned, 0);
        }
    }
}
