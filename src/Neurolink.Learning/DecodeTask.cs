using System.Diagnostics;
using System.Text.Json.Serialization;
using Neurolink.Device.Acquisition;
using Neurolink.Emulator;
using Neurolink.Emulator.Tissue;
using Neurolink.Host;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Learning;

/// <summary>Settings of <c>neurolink learn decode</c>.</summary>
public sealed record class DecodeOptions
{
    /// <summary>The headstage. The cue (the hidden signal during calibration) comes from the built-in emulator's ground truth, so only emu:// devices can be used.</summary>
    public string Device { get; init; } = "emu://?channels=96";

    /// <summary>The backend of the learning mass: cpu, gpu (CUDA), or ilgpu-cpu (the GPU kernels on ILGPU's CPU accelerator).</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Calibration, s of simulated time: the mass learns with the cue known.</summary>
    public double Seconds { get; init; } = 60;

    /// <summary>Held-out time after the calibration, s: no learning, no cue; the R^2 of both decoders is measured here.</summary>
    public double TestSeconds { get; init; } = 20;

    /// <summary>Seed of the mass's weights, and of the emulator when the device does not name one.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>The learning signal comes from an unrelated trajectory of the same process (another seed), not the cue: the control, which must stay at chance.</summary>
    public bool Shuffled { get; init; }

    /// <summary>The learning mass.</summary>
    public EPropOptions Network { get; init; } = new();

    /// <summary>Every problem with these settings (empty when none).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(Seconds >= 1 && Seconds <= 86_400))
        {
            problems.Add($"--seconds {Seconds}: give 1 to 86400 seconds of calibration");
        }

        if (!(TestSeconds >= 1 && TestSeconds <= 86_400))
        {
            problems.Add($"--test-seconds {TestSeconds}: give 1 to 86400 seconds of held-out time");
        }

        if (!Mass.Gpu.Backends.IsKnown(Backend))
        {
            problems.Add(Mass.Gpu.Backends.Unknown($"--backend {Backend}"));
        }

        try
        {
            DeviceUri uri = DeviceUri.Parse(Device);
            if (uri.Kind != DeviceKind.Emulator)
            {
                problems.Add($"--device {Device}: decoding needs the cue of a calibration (the signal the tissue encodes, known while the mass learns); only the built-in emulator (emu://) gives it, from its ground truth. A rig would need a cue input, which is not built yet");
            }
            else if (Emulator.EmulatorOptions.FromUri(Device).Clock == Emulator.EmulatorClock.Lockstep)
            {
                problems.Add($"--device {Device}: the lockstep clock waits for a closed loop's reports, and decoding sends no stimulation; use clock=virtual to run faster than real time");
            }
        }
        catch (FormatException e)
        {
            problems.Add($"--device {Device}: {e.Message}");
        }

        problems.AddRange(Network.Problems());
        return problems;
    }
}

/// <summary>One point of a learning curve.</summary>
/// <param name="SimulatedSeconds">When, in simulated time.</param>
/// <param name="Value">R^2 (decode) or reward (drive) over the window that ends there.</param>
public readonly record struct CurvePoint([property: JsonPropertyName("t_s")] double SimulatedSeconds, [property: JsonPropertyName("value")] double Value);

/// <summary>What the decoding task measured.</summary>
public sealed record class DecodeResult
{
    /// <summary>"decode".</summary>
    public string Task { get; init; } = "decode";

    /// <summary>Simulated time, s: calibration and held-out.</summary>
    [JsonPropertyName("simulated_s")]
    public double SimulatedSeconds { get; init; }

    /// <summary>Calibration, s.</summary>
    [JsonPropertyName("calibration_s")]
    public double CalibrationSeconds { get; init; }

    /// <summary>R^2 of the mass's output against the hidden signal on held-out time (mean of x and y).</summary>
    public double FinalR2 { get; init; }

    /// <summary>R^2 on the same held-out time of the least-squares linear decoder fitted to the calibration's spike counts.</summary>
    public double LsqR2 { get; init; }

    /// <summary><see cref="FinalR2"/> / <see cref="LsqR2"/>.</summary>
    public double Ratio { get; init; }

    /// <summary>The smoothing of the spike counts (ms) that gave the least-squares decoder its best R^2.</summary>
    public double LsqSmoothingMs { get; init; }

    /// <summary>The learning signal was the shuffled control.</summary>
    public bool Shuffled { get; init; }

    /// <summary>The learning mass's backend ("cpu", "cuda: device", "ilgpu-cpu: device").</summary>
    public string Backend { get; init; } = "cpu";

    /// <summary>Channels (input neurons).</summary>
    public int Channels { get; init; }

    /// <summary>Hidden neurons.</summary>
    public int Hidden { get; init; }

    /// <summary>Mean firing rate of the hidden neurons on held-out time, Hz.</summary>
    public double HiddenRateHz { get; init; }

    /// <summary>Frames lost between the device and the mass (each is a millisecond the mass did not see).</summary>
    public long LostFrames { get; init; }

    /// <summary>How far the emulated tissue's own STDP moved its excitatory weights by the end (mean |w - 1|; 0 without STDP).</summary>
    [JsonPropertyName("tissue_weight_change")]
    public double TissueWeightChange { get; init; }

    /// <summary>Frames for which the emulator had no cue (neither learnt from nor scored).</summary>
    public long FramesWithoutCue { get; init; }

    /// <summary>Wall time, s.</summary>
    [JsonPropertyName("wall_s")]
    public double WallSeconds { get; init; }

    /// <summary>
    /// The learning curve: every 5 s of calibration, the R^2 on the held-out time of the mass as it
    /// was then (a copy taken then runs the held-out frames without learning), and last the final
    /// mass's. Scoring copies on held-out time, not the output while learning, keeps out the
    /// credit an online learner gets for tracking a slow signal it has just been told.
    /// </summary>
    public IReadOnlyList<CurvePoint> Curve { get; init; } = [];
}

/// <summary>
/// <c>neurolink learn decode</c>: the mass learns online, through the whole stack (emulated
/// headstage, transport, driver, acquisition ring), to report the 2-D signal the tissue
/// encodes, from the cue given during a calibration; then its output is scored on held-out
/// time against the least-squares linear decoder fitted offline to the same spike counts.
/// </summary>
public sealed class DecodeTask
{
    private const int RowEveryMs = 20;          // rows of the least-squares fit and of the held-out score
    private const int SnapshotEveryMs = 5000;   // points of the learning curve
    private static readonly double[] s_smoothingMs = [20, 50, 100, 200];
    private readonly DecodeOptions _options;

    /// <summary>Creates the task from valid settings.</summary>
    /// <exception cref="ArgumentException">The settings have problems (all listed).</exception>
    public DecodeTask(DecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _options = options;
    }

    /// <summary>Called every simulated second: time, phase ("calibration" or "held-out"), the R^2 of the output over the last 5 s as it ran (while learning: before each step's update), the hidden neurons' mean rate in the last second (Hz).</summary>
    public Action<double, string, double, double>? Progress { get; init; }

    /// <summary>The emulator's URI with its cue on (the hidden signal kept) and the task's seed when it names none.</summary>
    public static string DeviceWithCue(string device, ulong seed) =>
        EmulatorUri.WithDefault(EmulatorUri.WithDefault(device, "cue", "1", "truth"), "seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Runs the calibration and the held-out time, then fits and scores the bound.</summary>
    /// <exception cref="TransportException">The device cannot be opened.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">The emulator gives no cue.</exception>
    public DecodeResult Run(CancellationToken cancellationToken = default)
    {
        var wall = Stopwatch.StartNew();
        DeviceUri uri = DeviceUri.Parse(DeviceWithCue(_options.Device, _options.Seed));
        using var opener = new DeviceOpener();
        using var session = new AcquisitionSession(_ => opener.Open(uri), new AcquisitionOptions { Streams = StreamMask.Counts });
        using RingConsumer consumer = session.Ring.AddConsumer("learner");
        session.Start();
        GroundTruth truth = opener.Emulator!.Truth;
        int channels = (int)session.Capabilities!.ChannelCount;
        double samplesPerMs = session.SampleRateHz / 1000;
        using IEPropMass net = CreateMass(channels, 2, _options.Network with { Seed = _options.Seed }, _options.Backend);
        var run = new Calibration(net, channels, _options, samplesPerMs, Progress);
        HiddenSignal? surrogate = _options.Shuffled ? new HiddenSignal(HiddenSignalKind.RandomTrajectory, _options.Seed ^ 0x5EED_C0DE_0000_0001UL) : null;

        try
        {
            while (!run.Done)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (session.State == LinkState.Ended)
                {
                    throw new TransportClosedException($"device {uri}: {session.LastError}");
                }

                if (!consumer.WaitForData(TimeSpan.FromMilliseconds(50), cancellationToken))
                {
                    continue;
                }

                while (!run.Done && consumer.TryRead(out RingItem item))
                {
                    if (item.Kind == RingItemKind.Loss)
                    {
                        run.Lost(item.Loss.Frames);
                    }
                    else if (item.Kind == RingItemKind.Frame && item.Frame.Type == FrameType.SpikeCounts)
                    {
                        Frame frame = item.Frame;
                        if (!SpikeCounts.TryRead(frame.Payload, out SpikeCounts counts, out _))
                        {
                            run.Lost(1); // the CRC passed, the payload is malformed: counted, not used
                            continue;
                        }

                        ulong clock = frame.Header.SampleClock;
                        (double X, double Y)? cue = truth.TrySignalAt(clock, out double x, out double y) ? (x, y) : null;
                        (double X, double Y)? teacher = cue;
                        if (surrogate is not null && cue is not null)
                        {
                            // The control: the learning signal from another trajectory; the scores still use the cue.
                            surrogate.Step();
                            teacher = (surrogate.X, surrogate.Y);
                        }

                        run.Frame(clock, counts, cue, teacher);
                    }
                }

                consumer.Release();
            }
        }
        finally
        {
            consumer.Release();
            session.Stop();
        }

        return run.Result(wall.Elapsed.TotalSeconds) with { TissueWeightChange = Math.Round(opener.Emulator!.TissueWeightChange, 4) };
    }

    /// <summary>The learning mass on a backend: cpu, gpu or ilgpu-cpu.</summary>
    /// <exception cref="NotSupportedException">gpu without a CUDA device.</exception>
    public static IEPropMass CreateMass(int inputs, int outputs, EPropOptions options, string backend) => backend switch
    {
        "cpu" => new EPropNetwork(inputs, outputs, options),
        "gpu" => new GpuEPropNetwork(inputs, outputs, options, Mass.Gpu.GpuTarget.Cuda),
        "ilgpu-cpu" => new GpuEPropNetwork(inputs, outputs, options, Mass.Gpu.GpuTarget.CpuAccelerator),
        _ => throw new ArgumentException(Mass.Gpu.Backends.Unknown($"--backend {backend}"), nameof(backend)),
    };

    /// <summary>The state of one run (a session of learning): the network, the curve, and the rows of the bound.</summary>
    private sealed class Calibration(IEPropMass net, int channels, DecodeOptions options, double samplesPerMs, Action<double, string, double, double>? progress)
    {
        private readonly float[] _input = new float[channels];
        private readonly float[] _error = new float[2];
        private readonly float[][] _smoothed = [.. s_smoothingMs.Select(_ => new float[channels])];
        private readonly float[] _decay = [.. s_smoothingMs.Select(t => (float)Math.Exp(-1 / t))];
        private readonly List<float[]>[] _trainRows = [.. s_smoothingMs.Select(_ => new List<float[]>())];
        private readonly List<float[]>[] _testRows = [.. s_smoothingMs.Select(_ => new List<float[]>())];
        private readonly List<float[]> _trainTargets = [], _testTargets = [], _testOutputs = [];
        private readonly Queue<(float X, float Y, float CueX, float CueY)> _window = new(); // the last 5 s, for the progress line
        private readonly List<(double Seconds, EPropNetwork Network)> _snapshots = [];
        private readonly List<(byte[] Counts, int Row)> _heldOut = []; // every held-out frame, and its scored row (or -1)
        private readonly long _calibrationMs = (long)Math.Round(options.Seconds * 1000), _totalMs = (long)Math.Round((options.Seconds + options.TestSeconds) * 1000);
        private ulong? _first;
        private long _ms, _lost, _hiddenSpikes, _heldOutSpikes, _withoutCue;

        public bool Done => _ms >= _totalMs;

        public void Lost(long frames) => _lost += frames;

        /// <summary>One frame: the mass steps; with the <paramref name="cue"/> known, it learns towards <paramref name="teacher"/> (the cue, or the control's trajectory) during calibration, and the cue scores it.</summary>
        public void Frame(ulong clock, SpikeCounts counts, (double X, double Y)? cue, (double X, double Y)? teacher)
        {
            _first ??= clock;
            long ms = (long)Math.Round((clock - _first.Value) / samplesPerMs);
            Array.Clear(_input);
            ReadOnlySpan<byte> c = counts.Counts;
            for (int i = 0; i < c.Length && counts.FirstChannel + i < channels; i++)
            {
                _input[counts.FirstChannel + i] = c[i];
            }

            bool calibrating = ms < _calibrationMs;
            if (calibrating && ms >= _snapshots.Count * SnapshotEveryMs)
            {
                EPropNetwork snapshot = net.Snapshot(); // a CPU copy, whatever the backend
                snapshot.Plastic = false;
                _snapshots.Add((ms / 1000.0, snapshot)); // a point of the learning curve, scored on the held-out time at the end
            }

            net.Plastic = calibrating; // held-out time: no learning, no eligibility to keep

            net.Step(_input);
            _hiddenSpikes += net.HiddenSpikes;
            _heldOutSpikes += calibrating ? 0 : net.HiddenSpikes;
            for (int s = 0; s < _smoothed.Length; s++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_smoothed[s], _decay[s], _input, _smoothed[s]);
            }

            float outX = net.Output[0], outY = net.Output[1];
            if (cue is { } t)
            {
                if (calibrating && teacher is { } learnFrom)
                {
                    _error[0] = outX - (float)learnFrom.X;
                    _error[1] = outY - (float)learnFrom.Y;
                    net.Learn(_error);
                }

                bool row = ms % RowEveryMs == 0;
                if (row)
                {
                    for (int s = 0; s < _smoothed.Length; s++)
                    {
                        (calibrating ? _trainRows : _testRows)[s].Add((float[])_smoothed[s].Clone());
                    }

                    (calibrating ? _trainTargets : _testTargets).Add([(float)t.X, (float)t.Y]);
                    if (!calibrating)
                    {
                        _testOutputs.Add([outX, outY]);
                    }
                }

                if (!calibrating)
                {
                    // Kept for scoring the snapshots at the end: the frame's counts as the device sent them.
                    var kept = new byte[channels];
                    c[..Math.Min(c.Length, Math.Max(0, channels - counts.FirstChannel))].CopyTo(kept.AsSpan(Math.Min(counts.FirstChannel, channels)));
                    _heldOut.Add((kept, row ? _testTargets.Count - 1 : -1));
                }

                _window.Enqueue((outX, outY, (float)t.X, (float)t.Y));
                while (_window.Count > 5000)
                {
                    _window.Dequeue();
                }
            }
            else
            {
                _withoutCue++;
                if (_withoutCue >= 1000 && _trainTargets.Count == 0)
                {
                    throw new InvalidOperationException("the emulator gave no cue for the first 1000 frames: was its cue turned off (cue=0)?");
                }
            }

            if ((ms + 1) % 1000 == 0)
            {
                double r2 = LeastSquares.R2([.. _window.Select(w => new[] { w.X, w.Y })], [.. _window.Select(w => new[] { w.CueX, w.CueY })]);
                progress?.Invoke((ms + 1) / 1000.0, calibrating ? "calibration" : "held-out", r2, _hiddenSpikes / Math.Max(1.0, net.Hidden));
                _hiddenSpikes = 0;
            }

            _ms = ms + 1;
        }

        /// <summary>A snapshot's R^2 on the held-out time: it runs the held-out frames from where it was taken, without learning.</summary>
        private double HeldOutR2(EPropNetwork snapshot)
        {
            var outputs = new float[_testTargets.Count][];
            var input = new float[channels];
            foreach ((byte[] counts, int row) in _heldOut)
            {
                for (int i = 0; i < channels; i++)
                {
                    input[i] = counts[i];
                }

                snapshot.Step(input);
                if (row >= 0)
                {
                    outputs[row] = [snapshot.Output[0], snapshot.Output[1]];
                }
            }

            return LeastSquares.R2(outputs, _testTargets);
        }

        public DecodeResult Result(double wallSeconds)
        {
            double final = LeastSquares.R2(_testOutputs, _testTargets);
            // One least-squares fit per smoothing, in parallel (each is a p x p normal-equation build and solve).
            var scores = new double[s_smoothingMs.Length];
            Parallel.For(0, s_smoothingMs.Length, s =>
            {
                scores[s] = double.NegativeInfinity;
                if (_trainRows[s].Count <= channels + 1 || _testRows[s].Count < 2)
                {
                    return; // too short a calibration to fit this many channels
                }

                double[][] w = LeastSquares.Fit(_trainRows[s], _trainTargets);
                List<float[]> predicted = [.. _testRows[s].Select(r => new[] { (float)LeastSquares.Predict(w[0], r), (float)LeastSquares.Predict(w[1], r) })];
                scores[s] = LeastSquares.R2(predicted, _testTargets);
            });
            int bestAt = Array.IndexOf(scores, scores.Max());
            double best = scores[bestAt], bestMs = double.IsNegativeInfinity(best) ? double.NaN : s_smoothingMs[bestAt];

            var curve = new CurvePoint[_snapshots.Count];
            Parallel.For(0, _snapshots.Count, k => curve[k] = new CurvePoint(_snapshots[k].Seconds, Math.Round(HeldOutR2(_snapshots[k].Network), 4)));
            return new DecodeResult
            {
                SimulatedSeconds = _ms / 1000.0,
                CalibrationSeconds = options.Seconds,
                FinalR2 = Math.Round(final, 4),
                LsqR2 = double.IsNegativeInfinity(best) ? double.NaN : Math.Round(best, 4),
                Ratio = Math.Round(final / best, 4),
                LsqSmoothingMs = bestMs,
                Shuffled = options.Shuffled,
                Backend = net.Backend,
                Channels = channels,
                Hidden = net.Hidden,
                HiddenRateHz = Math.Round(_heldOutSpikes / Math.Max(1.0, net.Hidden * (_ms - _calibrationMs) / 1000.0), 2),
                LostFrames = _lost,
                FramesWithoutCue = _withoutCue,
                WallSeconds = Math.Round(wallSeconds, 2),
                Curve = [.. curve, new CurvePoint(options.Seconds, Math.Round(final, 4))],
            };
        }
    }
}
