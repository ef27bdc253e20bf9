using System.Diagnostics;
using System.Text.Json.Serialization;
using Neurolink.Host;
using Neurolink.Mass;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Learning;

/// <summary>Settings of <c>neurolink learn drive</c>.</summary>
public sealed record class DriveOptions
{
    /// <summary>The headstage: in real time, or the emulator in step with the loop (<c>clock=lockstep</c>, faster than real time); not the emulator's virtual clock, which runs seconds ahead of the loop, so stimulation would land long after the frame that asked for it.</summary>
    public string Device { get; init; } = "emu://?channels=64";

    /// <summary>The backend of the mass: cpu, gpu (CUDA), or ilgpu-cpu (the GPU kernels on ILGPU's CPU accelerator).</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Simulated time, s.</summary>
    public double Seconds { get; init; } = 300;

    /// <summary>Seed of the run: the emulated tissue's, unless the device URI gives one, and the control's shuffle.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Stimulation programs the mass chooses from, one electrode each, spread evenly over the channels.</summary>
    public int Programs { get; init; } = 8;

    /// <summary>Amplitude of each phase, microamps.</summary>
    public double AmplitudeUa { get; init; } = 20;

    /// <summary>Shortest time between two pulses of one program, ms (the rate limit of each electrode).</summary>
    public double RefractoryMs { get; init; } = 20;

    /// <summary>Channels whose firing the task raises; null: the channel of program 2.</summary>
    public IReadOnlyList<int>? Raise { get; init; }

    /// <summary>Channels the task keeps at their spontaneous firing; null: the channel of program 5.</summary>
    public IReadOnlyList<int>? Silence { get; init; }

    /// <summary>The target: the raised channels fire at least this many times their spontaneous rate over the last <see cref="WindowSeconds"/>.</summary>
    public double RaiseFactor { get; init; } = 1.5;

    /// <summary>The target: the silenced channels fire at most this many times their spontaneous rate.</summary>
    public double SilenceFactor { get; init; } = 1.2;

    /// <summary>Window over which the target is judged, s.</summary>
    public double WindowSeconds { get; init; } = 10;


    /// <summary>Weight of the fixed synapses that make the output neurons explore (each hears 8 channels through them).</summary>
    public double ExplorationWeight { get; init; } = DriveTask.DefaultExplorationWeight;

    /// <summary>The most a plastic synapse onto an output neuron can weigh (they start at a quarter of it).</summary>
    public double MaxWeight { get; init; } = 20;

    /// <summary>The STDP window's depression (a presynaptic spike after the postsynaptic one) as a share of its potentiation.</summary>
    public double Depression { get; init; }

    /// <summary>Inhibition between the output neurons (each spike's weight onto the others; 0: none): one acts at a time, so a reward is not shared by two.</summary>
    public double LateralInhibition { get; init; } = 40;

    /// <summary>Dopamine per unit of reward (a pulse's response on the raised channels minus that on the silenced ones, in Poisson deviations).</summary>
    public double RewardGain { get; init; } = 1e-3;

    /// <summary>The control: each reward is given to a random other pulse's time (rewards shuffled against the actions); the target must not be reached.</summary>
    public bool Shuffled { get; init; }

    /// <summary>Every problem with these settings (empty when none).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(Seconds >= 1 && Seconds <= 86_400))
        {
            problems.Add($"--seconds {Seconds}: give 1 to 86400 seconds");
        }

        if (!Mass.Gpu.Backends.IsKnown(Backend))
        {
            problems.Add(Mass.Gpu.Backends.Unknown($"--backend {Backend}"));
        }

        if (Programs is < 2 or > 256)
        {
            problems.Add($"--programs {Programs}: give 2 to 256 programs to choose from");
        }

        if (!(RefractoryMs >= 20))
        {
            problems.Add($"--refractory-ms {RefractoryMs}: give at least 20 ms, so that each pulse's response is measured before the same electrode fires again");
        }

        if (!(MaxWeight > 0 && MaxWeight <= 100))
        {
            problems.Add($"--max-weight {MaxWeight}: give a weight above 0 and at most 100");
        }

        if (!(LateralInhibition >= 0 && LateralInhibition <= 1000))
        {
            problems.Add($"--lateral-inhibition {LateralInhibition}: give 0 (none) to 1000");
        }

        if (!(Depression >= 0 && Depression <= 2))
        {
            problems.Add($"--depression {Depression}: give 0 (potentiation only) to 2");
        }

        if (!(WindowSeconds >= 2 && WindowSeconds <= 600))
        {
            problems.Add($"a window of {WindowSeconds} s: give 2 to 600 s (its last second pauses stimulation to measure the spontaneous rates)");
        }

        if (!(RaiseFactor > 1) || !(SilenceFactor >= 1))
        {
            problems.Add($"--raise-factor {RaiseFactor} / --silence-factor {SilenceFactor}: raise by a factor above 1, keep silent within a factor of at least 1");
        }

        try
        {
            DeviceUri uri = DeviceUri.Parse(Device);
            if (uri.Kind == DeviceKind.Emulator && Emulator.EmulatorOptions.FromUri(Device).Clock == Emulator.EmulatorClock.Virtual)
            {
                problems.Add($"--device {Device}: the emulator's virtual clock runs seconds ahead of the loop, so stimulation would land long after the frame that asked for it; leave clock= out (real time)");
            }

            if (uri.Kind == DeviceKind.File)
            {
                problems.Add($"--device {Device}: a replayed recording does not answer stimulation; use a live headstage or the emulator");
            }
        }
        catch (FormatException e)
        {
            problems.Add($"--device {Device}: {e.Message}");
        }

        return problems;
    }
}

/// <summary>What the driving task measured.</summary>
public sealed record class DriveResult
{
    /// <summary>"drive".</summary>
    public string Task { get; init; } = "drive";

    /// <summary>Simulated time, s.</summary>
    [JsonPropertyName("simulated_s")]
    public double SimulatedSeconds { get; init; }

    /// <summary>
    /// When the target was reached for good: the first check (each second, over the last window)
    /// from which it was met at every check to the end of the run, held at least a window; null:
    /// it was not held at the end. A chance hit early on, lost again, does not count.
    /// </summary>
    [JsonPropertyName("reached_target_at_s")]
    public double? ReachedTargetAtSeconds { get; init; }

    /// <summary>The first check at which the target was met at all (by chance too), s; null: never.</summary>
    [JsonPropertyName("first_met_s")]
    public double? FirstMetSeconds { get; init; }

    /// <summary>Triggers refused, by the host's safety check or the device.</summary>
    public long StimRefused { get; init; }

    /// <summary>Triggers sent.</summary>
    public long StimSent { get; init; }

    /// <summary>The raised and silenced channels.</summary>
    public IReadOnlyList<int> Raise { get; init; } = [];

    /// <inheritdoc cref="Raise"/>
    public IReadOnlyList<int> Silence { get; init; } = [];

    /// <summary>The channel of each program.</summary>
    public IReadOnlyList<int> ProgramChannels { get; init; } = [];

    /// <summary>Pulses of each program over the last window.</summary>
    public IReadOnlyList<long> PulsesLastWindow { get; init; } = [];

    /// <summary>Mean reward of each program's pulses over the whole run (what the rewards taught).</summary>
    public IReadOnlyList<double?> MeanRewardByProgram { get; init; } = [];

    /// <summary>The raised channels' firing over the last window, as a multiple of their spontaneous rate.</summary>
    public double RaiseRatio { get; init; }

    /// <summary>The silenced channels' firing over the last window, as a multiple of their spontaneous rate.</summary>
    public double SilenceRatio { get; init; }

    /// <summary>The rewards were shuffled (the control).</summary>
    public bool Shuffled { get; init; }

    /// <summary>Frames lost between the device and the mass.</summary>
    public long LostFrames { get; init; }

    /// <summary>On a lockstep emulator (<c>clock=lockstep</c>), the bins it made without waiting for the loop (0: the run was in step throughout); null on other devices.</summary>
    public long? PaceTimeouts { get; init; }

    /// <summary>How far the emulated tissue's own STDP moved its excitatory weights by the end (mean |w - 1|; 0 without STDP, null on another device).</summary>
    [JsonPropertyName("tissue_weight_change")]
    public double? TissueWeightChange { get; init; }

    /// <summary>Mean firing rate of each population of the mass, Hz.</summary>
    public IReadOnlyDictionary<string, double> RatesHz { get; init; } = new Dictionary<string, double>();

    /// <summary>Wall time, s.</summary>
    [JsonPropertyName("wall_s")]
    public double WallSeconds { get; init; }

    /// <summary>The learning curve: every second, the mean reward per pulse over the last window.</summary>
    public IReadOnlyList<CurvePoint> Curve { get; init; } = [];

    /// <summary>Every second, the raised channels' ratio over the last window.</summary>
    public IReadOnlyList<CurvePoint> RaiseCurve { get; init; } = [];

    /// <summary>Every second, the silenced channels' ratio over the last window.</summary>
    public IReadOnlyList<CurvePoint> SilenceCurve { get; init; } = [];
}

/// <summary>
/// <c>neurolink learn drive</c>: the mass learns which stimulation raises the firing of one
/// group of channels and leaves another at its spontaneous rate, with reward-modulated STDP
/// (Izhikevich 2007) on its input-to-output synapses: each output neuron triggers a pulse on
/// its electrode, and the reward, computed from the tissue's answer as recorded through the
/// headstage, is broadcast as dopamine. Runs through the closed loop (<see cref="LoopRunner"/>),
/// so every pulse passes the host's safety checks and the device's.
/// </summary>
public sealed class DriveTask
{
    private const int ResponseFromMs = 1, ResponseToMs = 11; // after the trigger's frame: the pulse lands within 1 ms, the answer 2-5 ms after it
    private const int QuietMs = 30;                           // a paused frame this long after the last pulse shows the spontaneous rate
    private const int BaselineMs = 5000;                      // no stimulation at the start: the spontaneous rates before any pulse
    private const int PauseMs = 1000;                         // and none in the last second of every window: the spontaneous rates as the tissue drifts

    // The reward comes 11 ms after the pulse, not seconds (Izhikevich's distal reward): eligibility and dopamine short
    // enough that the credit goes to the output neuron that fired the pulse, not to every neuron that fired in the
    // last second (the output neurons fire tens of times a second together).
    private const double EligibilityMs = 25, DopamineMs = 20;
    /// <summary>The fixed synapses onto an output neuron: with the plastic ones at their start it fires a few times a second.</summary>
    public const double DefaultExplorationWeight = 2;
    private readonly DriveOptions _options;

    /// <summary>Creates the task from valid settings.</summary>
    /// <exception cref="ArgumentException">The settings have problems (all listed).</exception>
    public DriveTask(DriveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _options = options;
    }

    /// <summary>Called every simulated second: time, mean reward per pulse over the window, raised ratio, silenced ratio, pulses per second.</summary>
    public Action<double, double, double, double, double>? Progress { get; init; }

    /// <summary>
    /// The mass of the task: an input neuron per channel (its channel's spikes drive it) and an
    /// output neuron per program. Output neuron k hears channels k, k + programs, k + 2 programs,
    /// ... twice: through fixed synapses that keep it firing now and then on the tissue's
    /// spontaneous activity (the exploration), and through reward-modulated STDP synapses,
    /// starting at a quarter of their maximum (not at a bound, where chance steps could only go
    /// one way), which the rewards grow when its pulses raised the target more than the recent
    /// pulses did and prune when they did less. With <see cref="DriveOptions.Depression"/> 0 their
    /// eligibility is the STDP window's potentiation half: the tissue's answer to a neuron's own
    /// pulse, which reaches it as presynaptic spikes just after its spike, does not cancel it.
    /// The output neurons inhibit one another (<see cref="DriveOptions.LateralInhibition"/>): one acts at
    /// a time, and a neuron that the tissue's answer to another's pulse excites does not fire
    /// inside that pulse's reward window and share its credit.
    /// </summary>
    public static NetworkSpec Network(int channels, DriveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (int programs, double maxWeight, double lateralInhibition) = (options.Programs, options.MaxWeight, options.LateralInhibition);
        var pairs = new List<(int Pre, int Post)>();
        for (int c = 0; c < channels; c++)
        {
            pairs.Add((c, c % programs));
        }

        var relay = new LifCuba { VRestMv = -65, VResetMv = -65, VThreshMv = -50, TauMMs = 12, RefractoryMs = 2, VInitMv = -65 };
        var actor = new LifCuba { VRestMv = -65, VResetMv = -65, VThreshMv = -50, TauMMs = 20, RefractoryMs = 5, VInitMv = -65 };
        var projections = new List<ProjectionSpec>
        {
            new("in", "out", Connector.List(pairs), Receptor.Excitatory, options.ExplorationWeight, 0),
            new("in", "out", Connector.List(pairs), Receptor.Excitatory, maxWeight / 4, 0)
            {
                Plasticity = new RewardStdp { APlus = 1, AMinus = options.Depression, TauEligibilityMs = EligibilityMs, WMin = 0, WMax = maxWeight },
            },
        };
        if (lateralInhibition > 0)
        {
            projections.Add(new("out", "out", Connector.FixedProbability(1, allowSelf: false), Receptor.Inhibitory, -lateralInhibition, 0));
        }

        return new NetworkSpec
        {
            Seed = options.Seed,
            DtMs = 1,
            Populations = [new PopulationSpec("in", channels, relay), new PopulationSpec("out", programs, actor)],
            Projections = projections,
            Inputs = [new InputSpec("in", 0, channels, "one_to_one", 60)],
            Output = "out",
            DopamineTauMs = DopamineMs,
        };
    }

    /// <summary>The device the task opens: an emulator without a seed of its own gets the task's (<c>--seed K</c> is tissue K).</summary>
    public static string DeviceWithSeed(string device, ulong seed) =>
        EmulatorUri.WithDefault(device, "seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Runs the task for its simulated time.</summary>
    /// <exception cref="TransportException">The device cannot be opened.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public DriveResult Run(CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        Reward? reward = null;
        var stimulation = new StimulationOptions { Programs = _options.Programs, AmplitudeUa = _options.AmplitudeUa, RefractoryMs = _options.RefractoryMs };
        var settings = new NeurolinkOptions { Device = DeviceWithSeed(_options.Device, _options.Seed), Backend = _options.Backend, Seed = _options.Seed, Stimulation = stimulation }; // the network comes from NetworkFor
        LoopRunner? self = null;
        using var runner = new LoopRunner(settings)
        {
            NetworkFor = channels =>
            {
                reward = new Reward(_options, stimulation, channels, Progress);
                return Network(channels, _options);
            },
            OnFrame = (clock, in counts) => reward!.OnFrame(clock, counts, self!.Mass!, self.Loop!),
            OnTrigger = (clock, programs) => reward!.OnTrigger(clock, programs),
        };
        self = runner;
        runner.Start();
        if (runner.ArmProblems.Count > 0)
        {
            throw new InvalidOperationException("the device refused the stimulation programs: " + string.Join("; ", runner.ArmProblems));
        }

        long frames = (long)Math.Round(_options.Seconds * 1000);
        try
        {
            while (runner.Loop!.Counters.Frames < frames && runner.Loop.Fault is null)
            {
                cancellationToken.WaitHandle.WaitOne(50);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            runner.Stop();
        }

        if (runner.Loop.Fault is { } fault)
        {
            throw new InvalidOperationException("the closed loop failed (stimulation was stopped first): " + fault.Message, fault);
        }

        LoopSummary summary = runner.Summary();
        return reward!.Result(summary, wall.Elapsed.TotalSeconds) with { PaceTimeouts = runner.Emulator?.Pace?.TimedOut, TissueWeightChange = runner.Emulator is { } emulator ? Math.Round(emulator.TissueWeightChange, 4) : null };
    }

    /// <summary>The reward: on the loop thread, from the frames after each pulse, as dopamine into the mass.</summary>
    private sealed class Reward
    {
        private readonly DriveOptions _options;
        private readonly Action<double, double, double, double, double>? _progress;
        private readonly int[] _raise, _silence, _programChannels;
        private readonly List<Pulse> _pending = [];                                   // pulses whose window is not over
        private readonly Queue<(long Ms, double Reward, ushort Program)> _recent = new(); // pulses in the last window
        private readonly Target _target;
        private readonly List<CurvePoint> _curve = [];
        private readonly List<double> _shuffle = [];
        private double _expected; // running mean reward per pulse
        private readonly double[] _rewardSum;
        private readonly long[] _rewardCount;
        private readonly Random _rng;
        private readonly int[] _beforeRaise = new int[ResponseToMs - ResponseFromMs], _beforeSilence = new int[ResponseToMs - ResponseFromMs]; // the last frames, for each pulse's own baseline
        private long _ms;
        private ulong _lastPulse, _first;
        private bool _started;

        public Reward(DriveOptions options, StimulationOptions stimulation, int channels, Action<double, double, double, double, double>? progress)
        {
            _options = options;
            _progress = progress;
            _programChannels = [.. Enumerable.Range(0, options.Programs).Select(p => stimulation.Channel(p, channels))];
            _raise = [.. options.Raise ?? [_programChannels[Math.Min(2, options.Programs - 1)]]];
            _silence = [.. options.Silence ?? [_programChannels[Math.Min(5, options.Programs - 1)]]];
            foreach (int c in _raise.Concat(_silence))
            {
                if (c < 0 || c >= channels)
                {
                    throw new ArgumentException($"channel {c} is not on this {channels}-channel device: give --raise and --silence channels from 0 to {channels - 1}");
                }
            }

            _rng = new Random((int)(options.Seed & 0x7FFF_FFFF));
            _target = new Target(options);
            _rewardSum = new double[options.Programs];
            _rewardCount = new long[options.Programs];
        }

        public void OnTrigger(ulong clock, ReadOnlySpan<ushort> programs)
        {
            foreach (ushort p in programs)
            {
                _pending.Add(new Pulse(clock, p, _beforeRaise.Sum(), _beforeSilence.Sum()));
            }

            _lastPulse = clock;
        }

        /// <summary>A frame (a bin of <see cref="SpikeCounts.BinSamples"/>, 1 ms): counts its groups, closes the windows it ends and rewards them.</summary>
        public void OnFrame(ulong clock, in SpikeCounts counts, ISimulatedMass mass, ClosedLoop loop)
        {
            ulong bin = Math.Max((ulong)1, counts.BinSamples);
            if (!_started)
            {
                (_first, _started, _lastPulse) = (clock, true, 0);
            }

            long ms = (long)((clock - _first) / bin);
            if (ms >= _options.Seconds * 1000)
            {
                return; // the frames the loop drains after the task's time: not part of it
            }

            _ms = ms;
            int raise = Sum(counts, _raise), silence = Sum(counts, _silence);
            _beforeRaise[ms % _beforeRaise.Length] = raise;
            _beforeSilence[ms % _beforeSilence.Length] = silence;

            bool paused = Target.Paused(ms, _options);
            loop.StimulationPaused = paused;
            _target.Add(ms, raise, silence, paused, quiet: paused && (_lastPulse == 0 || clock >= _lastPulse + ((ulong)QuietMs * bin)));

            // The responses of pulses whose window holds this frame; the rewards of those it ends.
            for (int i = 0; i < _pending.Count; i++)
            {
                Pulse pulse = _pending[i];
                if (clock >= pulse.Clock + ((ulong)ResponseToMs * bin))
                {
                    Rewarded(pulse, mass);
                    _pending.RemoveAt(i--);
                }
                else if (clock >= pulse.Clock + ((ulong)ResponseFromMs * bin))
                {
                    _pending[i] = pulse with { Raise = pulse.Raise + raise, Silence = pulse.Silence + silence };
                }
            }

            while (_recent.Count > 0 && _recent.Peek().Ms <= _ms - (long)(_options.WindowSeconds * 1000))
            {
                _recent.Dequeue();
            }

            if ((_ms + 1) % 1000 == 0)
            {
                double t = (_ms + 1) / 1000.0;
                double r = MeanReward();
                _curve.Add(new CurvePoint(t, Math.Round(r, 4)));
                (double raiseRatio, double silenceRatio) = _target.Check(t);
                _progress?.Invoke(t, r, raiseRatio, silenceRatio, _recent.Count / _options.WindowSeconds);
            }
        }

        /// <summary>Mean reward per pulse over the last window.</summary>
        private double MeanReward() => _recent.Count > 0 ? _recent.Average(x => x.Reward) : 0;

        /// <summary>
        /// A pulse's reward: its window's spikes on the raised channels above those in the same
        /// number of frames before it, in Poisson deviations, minus the same on the silenced
        /// channels; broadcast as dopamine (the control gives an earlier pulse's reward instead).
        /// </summary>
        private void Rewarded(Pulse response, ISimulatedMass mass)
        {
            // Against the pulse's own baseline, the same number of frames just before it: the tissue's
            // slow swings (the hidden signal moves whole groups of channels, and the output
            // neurons with them) cancel, and only what the pulse did is left.
            static double Z(long after, long before) => (after - before) / Math.Sqrt(after + before + 1);
            double r = Z(response.Raise, response.RaiseBefore) - Z(response.Silence, response.SilenceBefore);
            r = Math.Clamp(r, -5, 5);
            _recent.Enqueue((_ms, r, response.Program));
            _rewardSum[response.Program] += r;
            _rewardCount[response.Program]++;
            double given = r;
            if (_options.Shuffled)
            {
                // An earlier pulse's reward, never this one's (the first pulse gets none).
                given = _shuffle.Count > 0 ? _shuffle[_rng.Next(_shuffle.Count)] : 0;
                _shuffle.Add(r);
            }

            // The dopamine is the reward prediction error, the reward less the recent mean: without
            // it every pulse that is better than nothing strengthens its neuron, and all of them
            // climb to the rate limit together (Fremaux and Gerstner 2016).
            double error = given - _expected;
            _expected += 0.01 * error; // about the last 100 pulses
            mass.Reward(_options.RewardGain * error);
        }

        /// <summary>
        /// The target, judged on the recorded frames. Stimulation pauses at the start and in the
        /// last second of every window; the spontaneous rates come from the paused frames well
        /// after the last pulse (the tissue's rates drift with its hidden signal, so they are
        /// measured again every window). Every second, the groups' firing over the last window's
        /// frames with stimulation on, as multiples of those rates, against the target; reached
        /// when it holds from a check to the end of the run.
        /// </summary>
        private sealed class Target(DriveOptions options)
        {
            private readonly Queue<(long Ms, int Raise, int Silence, bool Stimulating)> _window = new();
            private readonly long _windowMs = (long)(options.WindowSeconds * 1000);
            private double _quietRaise, _quietSilence, _quietFrames; // spontaneous counts, decaying sums
            private long _raise, _silence, _stimulating, _ms;
            private double? _heldSince;

            public List<CurvePoint> RaiseCurve { get; } = [];

            public List<CurvePoint> SilenceCurve { get; } = [];

            /// <summary>The first check at which the target was met at all.</summary>
            public double? FirstMet { get; private set; }

            /// <summary>Stimulation is off at millisecond <paramref name="ms"/> of the task.</summary>
            public static bool Paused(long ms, DriveOptions options)
            {
                long window = (long)(options.WindowSeconds * 1000);
                return ms < BaselineMs || ms % window >= window - PauseMs;
            }

            /// <summary>A frame's counts on the two groups; <paramref name="quiet"/>: paused and long enough after the last pulse to show the spontaneous rates.</summary>
            public void Add(long ms, int raise, int silence, bool paused, bool quiet)
            {
                _ms = ms;
                if (quiet)
                {
                    const double Decay = 0.9999; // about the last ten pauses (the hidden signal moves the rates within a pause)
                    _quietRaise = (Decay * _quietRaise) + raise;
                    _quietSilence = (Decay * _quietSilence) + silence;
                    _quietFrames = (Decay * _quietFrames) + 1;
                }

                bool stimulating = !paused;
                _window.Enqueue((ms, stimulating ? raise : 0, stimulating ? silence : 0, stimulating));
                _raise += stimulating ? raise : 0;
                _silence += stimulating ? silence : 0;
                _stimulating += stimulating ? 1 : 0;
                while (_window.Peek().Ms <= ms - _windowMs)
                {
                    var old = _window.Dequeue();
                    _raise -= old.Raise;
                    _silence -= old.Silence;
                    _stimulating -= old.Stimulating ? 1 : 0;
                }
            }

            /// <summary>The two groups' firing over the last window's stimulated frames, as multiples of their spontaneous rates.</summary>
            public (double Raise, double Silence) Ratios()
            {
                double ms = Math.Max(1, _stimulating);
                double raise = _quietFrames > 0 && _quietRaise > 0 ? _raise / ms / (_quietRaise / _quietFrames) : double.NaN;
                double silence = _quietFrames > 0 && _quietSilence > 0 ? _silence / ms / (_quietSilence / _quietFrames) : double.NaN;
                return (raise, silence);
            }

            /// <summary>The check at time <paramref name="t"/>, s: the ratios, into the curves and against the target.</summary>
            public (double Raise, double Silence) Check(double t)
            {
                (double raise, double silence) = Ratios();
                RaiseCurve.Add(new CurvePoint(t, Math.Round(raise, 3)));
                SilenceCurve.Add(new CurvePoint(t, Math.Round(silence, 3)));
                bool met = _ms + 1 >= BaselineMs + _windowMs && raise >= options.RaiseFactor && silence <= options.SilenceFactor;
                FirstMet ??= met ? t : null;
                _heldSince = met ? _heldSince ?? t : null;
                return (raise, silence);
            }

            /// <summary>The check from which the target held to <paramref name="end"/>, s, if it held at least a window; null otherwise.</summary>
            public double? HeldFrom(double end) => _heldSince is { } since && end - since >= options.WindowSeconds ? since : null;
        }

        /// <summary>A pulse whose response window is open: its program, its own baseline, and the response so far.</summary>
        private readonly record struct Pulse(ulong Clock, ushort Program, long RaiseBefore, long SilenceBefore, long Raise = 0, long Silence = 0);

        private static int Sum(in SpikeCounts counts, int[] channels)
        {
            int sum = 0;
            ReadOnlySpan<byte> c = counts.Counts;
            foreach (int ch in channels)
            {
                int i = ch - counts.FirstChannel;
                if ((uint)i < (uint)c.Length)
                {
                    sum += c[i];
                }
            }

            return sum;
        }

        public DriveResult Result(LoopSummary summary, double wallSeconds)
        {
            (double raise, double silence) = _target.Ratios();
            long[] pulses = new long[_programChannels.Length];
            foreach (var x in _recent)
            {
                pulses[x.Program]++;
            }

            return new DriveResult
            {
                SimulatedSeconds = Math.Round((_ms + 1) / 1000.0, 3),
                ReachedTargetAtSeconds = _target.HeldFrom((_ms + 1) / 1000.0),
                FirstMetSeconds = _target.FirstMet,
                StimRefused = summary.StimRefused,
                StimSent = summary.StimSent,
                Raise = _raise,
                Silence = _silence,
                ProgramChannels = _programChannels,
                PulsesLastWindow = pulses,
                MeanRewardByProgram = [.. _rewardSum.Select((x, p) => _rewardCount[p] > 0 ? Math.Round(x / _rewardCount[p], 3) : (double?)null)],
                RaiseRatio = Math.Round(raise, 3),
                SilenceRatio = Math.Round(silence, 3),
                Shuffled = _options.Shuffled,
                LostFrames = summary.LostFrames,
                RatesHz = summary.RatesHz,
                WallSeconds = Math.Round(wallSeconds, 2),
                Curve = _curve,
                RaiseCurve = _target.RaiseCurve,
                SilenceCurve = _target.SilenceCurve,
            };
        }
    }
}
