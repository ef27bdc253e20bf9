using System.Numerics.Tensors;
using Neurolink.Mass;

namespace Neurolink.Learning;

/// <summary>Settings of the learning mass (<see cref="EPropNetwork"/>).</summary>
public sealed record class EPropOptions
{
    /// <summary>Recurrent hidden LIF neurons.</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>Step, ms: one spike-count frame.</summary>
    public double DtMs { get; init; } = 1;

    /// <summary>Membrane time constant of the hidden neurons, ms.</summary>
    public double MembraneTauMs { get; init; } = 20;

    /// <summary>Time constant of the output neurons (leaky readouts), ms: how long a spike counts towards the reported signal.</summary>
    public double ReadoutTauMs { get; init; } = 50;

    /// <summary>Threshold of the hidden neurons (potential in units of it).</summary>
    public double Threshold { get; init; } = 1;

    /// <summary>Firing rate each hidden neuron holds itself at by moving its own threshold (intrinsic homeostasis), Hz.</summary>
    public double TargetRateHz { get; init; } = 20;

    /// <summary>How fast a hidden neuron's threshold moves towards its target rate, per step (0: fixed thresholds).</summary>
    public double HomeostasisRate { get; init; } = 5e-3;

    /// <summary>Damping of the pseudo-derivative (gamma of Bellec et al. 2020).</summary>
    public double Damping { get; init; } = 0.3;

    /// <summary>Learning rate of the hidden neurons' input and recurrent synapses (e-prop).</summary>
    public double HiddenRate { get; init; } = 2e-4;

    /// <summary>
    /// Learning rate of the output synapses, per presynaptic neuron: each output neuron's rate
    /// is this over the number of its synapses (its traces are standardised, so this keeps
    /// the delta rule stable at any size).
    /// </summary>
    public double ReadoutRate { get; init; } = 0.01;

    /// <summary>
    /// Learning time over which the rates fall to half, s: rate(t) = rate x T / (T + t), t counted
    /// in steps with a learning signal (Robbins-Monro). A constant rate keeps forgetting what it
    /// learnt a time constant ago and follows the last seconds; a falling one averages over the
    /// whole calibration, as the least-squares fit does. 0 keeps the rates constant.
    /// </summary>
    public double AnnealingSeconds { get; init; } = 10;

    /// <summary>Time constant of each neuron's running mean and variance of its own trace, s (the standardisation the output synapses see).</summary>
    public double StatisticsTauS { get; init; } = 100;

    /// <summary>Standard deviation of the initial input weights, times 1 / sqrt(inputs).</summary>
    public double InputWeightScale { get; init; } = 0.5;

    /// <summary>Standard deviation of the initial recurrent weights, times 1 / sqrt(hidden).</summary>
    public double RecurrentWeightScale { get; init; } = 0.5;

    /// <summary>The output neurons read the input neurons as well as the hidden ones (false: the hidden ones only, the classic e-prop readout).</summary>
    public bool ReadoutFromInputs { get; init; } = true;

    /// <summary>Seed of the initial and feedback weights.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Every problem with these settings (empty when none).</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Hidden is < 0 or > 100_000)
        {
            problems.Add($"Hidden={Hidden}: give 0 to 100 000 hidden neurons");
        }

        void Positive(string name, double value)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                problems.Add($"{name}={value}: it must be a number above 0");
            }
        }

        Positive(nameof(DtMs), DtMs);
        Positive(nameof(MembraneTauMs), MembraneTauMs);
        Positive(nameof(ReadoutTauMs), ReadoutTauMs);
        Positive(nameof(Threshold), Threshold);
        Positive(nameof(StatisticsTauS), StatisticsTauS);
        foreach ((string name, double value) in new[] { (nameof(AnnealingSeconds), AnnealingSeconds), (nameof(TargetRateHz), TargetRateHz), (nameof(HomeostasisRate), HomeostasisRate), (nameof(Damping), Damping), (nameof(HiddenRate), HiddenRate), (nameof(ReadoutRate), ReadoutRate), (nameof(InputWeightScale), InputWeightScale), (nameof(RecurrentWeightScale), RecurrentWeightScale) })
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                problems.Add($"{name}={value}: it must be a number of 0 or more");
            }
        }

        return problems;
    }
}

/// <summary>The learning mass of the decoding task on some backend: <see cref="EPropNetwork"/> (CPU) or <see cref="GpuEPropNetwork"/> (ILGPU kernels).</summary>
public interface IEPropMass : IDisposable
{
    /// <summary>The backend, for reports ("cpu", "cuda: name", "ilgpu-cpu: name").</summary>
    string Backend { get; }

    /// <summary>Input neurons (channels).</summary>
    int Inputs { get; }

    /// <summary>Hidden neurons.</summary>
    int Hidden { get; }

    /// <summary>Output neurons (dimensions of the reported signal).</summary>
    int Outputs { get; }

    /// <summary>Steps done.</summary>
    long Steps { get; }

    /// <summary>The output neurons' values after the last step: the reported signal.</summary>
    ReadOnlySpan<float> Output { get; }

    /// <summary>Hidden neurons that spiked in the last step.</summary>
    int HiddenSpikes { get; }

    /// <summary>Whether the eligibility traces run (a mass that will not learn any more skips them).</summary>
    bool Plastic { get; set; }

    /// <summary>Advances one step with the input neurons' spikes of this step.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "A simulation step; the name every simulator uses.")]
    void Step(ReadOnlySpan<float> inputSpikes);

    /// <summary>Learns from the output error of the last step (output minus target, per output neuron), broadcast to every neuron.</summary>
    void Learn(ReadOnlySpan<float> outputError);

    /// <summary>A CPU copy of the whole mass (weights and state) as it is now, that goes on independently: a point of the learning curve.</summary>
    EPropNetwork Snapshot();
}

/// <summary>
/// The learning mass of the decoding task: input neurons (one per headstage channel, spiking
/// with the channel's counts), a recurrent population of LIF neurons and a population of
/// output neurons (leaky readouts, one per dimension of the reported signal). It learns online
/// with local rules only (<see cref="LocalRules"/>): e-prop with random feedback weights on the
/// hidden neurons' synapses, the delta rule on the output neurons' synapses.
/// </summary>
/// <remarks>
/// Each output neuron reads the standardised traces of every input and hidden neuron: its
/// synapses see (trace - running mean) / running standard deviation, statistics each
/// presynaptic neuron keeps of its own activity (homeostatic scaling), so the delta rule
/// converges at the same speed whatever the channel's firing rate.
/// </remarks>
public sealed class EPropNetwork : IEPropMass
{
    private const float BiasShare = 0.1f; // the output neurons' constant learns at a tenth of their synapses' summed rate: the traces are centred, so it only follows the target's mean
    private readonly EPropOptions _options;
    private readonly int _in, _hidden, _out;
    private readonly float _alpha, _kappa, _threshold, _damping, _hiddenRate, _readoutRate, _homeostasis, _targetPerStep;
    private readonly float _statDecay;
    private long _steps, _learnt;

    // Hidden neurons.
    private readonly float[] _v, _z, _zPrevious, _psi, _thresholds;
    private readonly float[] _wIn, _wRec;             // rows by postsynaptic neuron: [hidden][inputs], [hidden][hidden]
    private readonly float[] _eligibilityIn, _eligibilityRec;
    private readonly float[] _feedback;               // [hidden][outputs], fixed
    private readonly float[] _epsIn, _epsRec;         // presynaptic traces with the membrane's decay

    // Output neurons: they read [inputs | hidden] standardised traces.
    private readonly float[] _readoutTrace, _mean, _meanSquare, _feature;
    private readonly float[] _wOut;                   // [outputs][inputs + hidden]
    private readonly float[] _bias, _y;

    /// <summary>Builds the network with random initial weights from the seed.</summary>
    /// <exception cref="ArgumentException">The settings have problems (all listed).</exception>
    public EPropNetwork(int inputs, int outputs, EPropOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        _options = options ?? new EPropOptions();
        IReadOnlyList<string> problems = _options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid learning settings: " + string.Join("; ", problems), nameof(options));
        }

        _in = inputs;
        _hidden = _options.Hidden;
        _out = outputs;
        (_alpha, _kappa, _threshold, _damping, _homeostasis, _targetPerStep, _hiddenRate, _readoutRate, _statDecay) = EPropConstants.From(_options, inputs + _hidden);

        _v = new float[_hidden];
        _z = new float[_hidden];
        _zPrevious = new float[_hidden];
        _psi = new float[_hidden];
        _thresholds = new float[_hidden];
        Array.Fill(_thresholds, _threshold);
        _wIn = new float[_hidden * inputs];
        _wRec = new float[_hidden * _hidden];
        _eligibilityIn = new float[_hidden * inputs];
        _eligibilityRec = new float[_hidden * _hidden];
        _feedback = new float[_hidden * outputs];
        _epsIn = new float[inputs];
        _epsRec = new float[_hidden];
        int features = inputs + _hidden;
        _readoutTrace = new float[features];
        _mean = new float[features];
        _meanSquare = new float[features];
        _feature = new float[features];
        _wOut = new float[outputs * features];
        _bias = new float[outputs];
        _y = new float[outputs];

        var rng = new Xoshiro(_options.Seed, 0xE9);
        Fill(_wIn, _options.InputWeightScale / Math.Sqrt(inputs), ref rng);
        Fill(_wRec, _options.RecurrentWeightScale / Math.Sqrt(Math.Max(1, _hidden)), ref rng);
        for (int j = 0; j < _hidden; j++)
        {
            _wRec[(j * _hidden) + j] = 0; // no autapses
        }

        Fill(_feedback, 1 / Math.Sqrt(outputs), ref rng);
    }

    /// <summary>A copy of the whole network, state and weights, that goes on independently: a snapshot to score later.</summary>
    private EPropNetwork(EPropNetwork o)
    {
        (_options, _in, _hidden, _out, _steps, _learnt) = (o._options, o._in, o._hidden, o._out, o._steps, o._learnt);
        (_alpha, _kappa, _threshold, _damping, _hiddenRate, _readoutRate, _homeostasis, _targetPerStep, _statDecay) =
            (o._alpha, o._kappa, o._threshold, o._damping, o._hiddenRate, o._readoutRate, o._homeostasis, o._targetPerStep, o._statDecay);
        static float[] C(float[] a) => (float[])a.Clone();
        (_v, _z, _zPrevious, _psi, _thresholds) = (C(o._v), C(o._z), C(o._zPrevious), C(o._psi), C(o._thresholds));
        (_wIn, _wRec, _eligibilityIn, _eligibilityRec, _feedback, _epsIn, _epsRec) = (C(o._wIn), C(o._wRec), C(o._eligibilityIn), C(o._eligibilityRec), o._feedback, C(o._epsIn), C(o._epsRec));
        (_readoutTrace, _mean, _meanSquare, _feature, _wOut, _bias, _y) = (C(o._readoutTrace), C(o._mean), C(o._meanSquare), C(o._feature), C(o._wOut), C(o._bias), C(o._y));
    }

    /// <summary>A copy of the whole network (weights and state) that steps and learns independently of this one.</summary>
    public EPropNetwork Clone() => new(this);

    /// <inheritdoc/>
    public EPropNetwork Snapshot() => new(this);

    /// <inheritdoc/>
    public string Backend => "cpu";

    /// <summary>The settings it was built with.</summary>
    public EPropOptions Options => _options;

    /// <summary>Nothing to release (the interface's, for the GPU backend).</summary>
    public void Dispose()
    {
    }

    /// <summary>Every weight and state variable, in this network's layout (copies): what a GPU backend starts from, and what it gives back as a snapshot.</summary>
    internal EPropState Export() => new()
    {
        V = [.. _v], ZPrevious = [.. _zPrevious], Psi = [.. _psi], Thresholds = [.. _thresholds],
        WIn = [.. _wIn], WRec = [.. _wRec], EligibilityIn = [.. _eligibilityIn], EligibilityRec = [.. _eligibilityRec],
        Feedback = [.. _feedback], EpsIn = [.. _epsIn], EpsRec = [.. _epsRec],
        ReadoutTrace = [.. _readoutTrace], Mean = [.. _mean], MeanSquare = [.. _meanSquare], Feature = [.. _feature],
        WOut = [.. _wOut], Bias = [.. _bias], Y = [.. _y], Steps = _steps, Learnt = _learnt, HiddenSpikes = HiddenSpikes,
    };

    /// <summary>A network of these sizes and settings whose weights and state are <paramref name="state"/> (the layout <see cref="Export"/> gives).</summary>
    /// <exception cref="ArgumentException">An array of the wrong length.</exception>
    internal static EPropNetwork Import(int inputs, int outputs, EPropOptions options, EPropState state)
    {
        var n = new EPropNetwork(inputs, outputs, options);
        static void Put(float[] from, float[] to, string name)
        {
            if (from.Length != to.Length)
            {
                throw new ArgumentException($"{name}: {from.Length} values for {to.Length}", nameof(state));
            }

            from.CopyTo(to, 0);
        }

        Put(state.V, n._v, nameof(state.V));
        Put(state.ZPrevious, n._zPrevious, nameof(state.ZPrevious));
        Put(state.Psi, n._psi, nameof(state.Psi));
        Put(state.Thresholds, n._thresholds, nameof(state.Thresholds));
        Put(state.WIn, n._wIn, nameof(state.WIn));
        Put(state.WRec, n._wRec, nameof(state.WRec));
        Put(state.EligibilityIn, n._eligibilityIn, nameof(state.EligibilityIn));
        Put(state.EligibilityRec, n._eligibilityRec, nameof(state.EligibilityRec));
        Put(state.Feedback, n._feedback, nameof(state.Feedback));
        Put(state.EpsIn, n._epsIn, nameof(state.EpsIn));
        Put(state.EpsRec, n._epsRec, nameof(state.EpsRec));
        Put(state.ReadoutTrace, n._readoutTrace, nameof(state.ReadoutTrace));
        Put(state.Mean, n._mean, nameof(state.Mean));
        Put(state.MeanSquare, n._meanSquare, nameof(state.MeanSquare));
        Put(state.Feature, n._feature, nameof(state.Feature));
        Put(state.WOut, n._wOut, nameof(state.WOut));
        Put(state.Bias, n._bias, nameof(state.Bias));
        Put(state.Y, n._y, nameof(state.Y));
        (n._steps, n._learnt, n.HiddenSpikes) = (state.Steps, state.Learnt, state.HiddenSpikes);
        return n;
    }

    /// <inheritdoc/>
    public int Inputs => _in;

    /// <inheritdoc/>
    public int Hidden => _hidden;

    /// <inheritdoc/>
    public int Outputs => _out;

    /// <inheritdoc/>
    public long Steps => _steps;

    /// <inheritdoc/>
    public ReadOnlySpan<float> Output => _y;

    /// <summary>The input synapses of the hidden neurons, a row per hidden neuron (for tests: they change only through <see cref="LocalRules"/>).</summary>
    internal Span<float> InputWeights => _wIn;

    /// <summary>The output neurons' synapses, a row per output neuron over [inputs | hidden].</summary>
    internal Span<float> OutputWeights => _wOut;

    /// <summary>
    /// Whether the eligibility traces run (true, the default): a network that will not learn any
    /// more (held-out time, a snapshot being scored) skips them, most of a step's work.
    /// </summary>
    public bool Plastic { get; set; } = true;

    /// <summary>Hidden neurons that spiked in the last step.</summary>
    public int HiddenSpikes { get; private set; }

    /// <summary>Advances one step with the input neurons' spikes of this step (a channel's count is its input neuron's spikes).</summary>
    public void Step(ReadOnlySpan<float> inputSpikes)
    {
        if (inputSpikes.Length != _in)
        {
            throw new ArgumentException($"{inputSpikes.Length} input values for {_in} input neurons", nameof(inputSpikes));
        }

        _steps++;

        // Presynaptic traces for the eligibility, with the membrane's decay: the inputs' with this
        // step's spikes (they reach v now), the hidden neurons' with the last step's (they reach v one step later).
        TensorPrimitives.MultiplyAdd(_epsIn, _alpha, inputSpikes, _epsIn);
        TensorPrimitives.MultiplyAdd(_epsRec, _alpha, _zPrevious, _epsRec);

        // Hidden LIF neurons, reset by subtraction.
        int spikes = 0;
        for (int j = 0; j < _hidden; j++)
        {
            float current = TensorPrimitives.Dot(_wIn.AsSpan(j * _in, _in), inputSpikes) + TensorPrimitives.Dot(_wRec.AsSpan(j * _hidden, _hidden), _zPrevious);
            float threshold = _thresholds[j];
            float v = (_alpha * _v[j]) + current - (_zPrevious[j] * threshold);
            _v[j] = v;
            bool fired = v > threshold;
            _z[j] = fired ? 1 : 0;
            spikes += fired ? 1 : 0;
            _psi[j] = _damping / threshold * Math.Max(0, 1 - Math.Abs((v - threshold) / threshold));

            // Intrinsic homeostasis: the neuron's own threshold follows its own firing.
            _thresholds[j] = Math.Max(0.1f * _threshold, threshold + (_homeostasis * (_z[j] - _targetPerStep)));
        }

        HiddenSpikes = spikes;

        // Readout traces of every input and hidden neuron, and their standardisation.
        Span<float> trace = _readoutTrace;
        TensorPrimitives.MultiplyAdd(trace[.._in], _kappa, inputSpikes, trace[.._in]);
        TensorPrimitives.MultiplyAdd(trace[_in..], _kappa, _z, trace[_in..]);
        Standardise();

        for (int k = 0; k < _out; k++)
        {
            _y[k] = TensorPrimitives.Dot(_wOut.AsSpan(k * _feature.Length, _feature.Length), _feature) + _bias[k];
        }

        // Eligibility traces run whether or not there is a learning signal, while the network may learn.
        for (int j = 0; Plastic && j < _hidden; j++)
        {
            LocalRules.Eligibility(_eligibilityIn.AsSpan(j * _in, _in), _kappa, _psi[j], _epsIn);
            LocalRules.Eligibility(_eligibilityRec.AsSpan(j * _hidden, _hidden), _kappa, _psi[j], _epsRec);
        }

        _z.CopyTo(_zPrevious, 0);
    }

    /// <summary>
    /// Learns from the output error of the last step (output minus the cued target, one value
    /// per output neuron), broadcast to every neuron: the output neurons apply the delta rule
    /// with their own error, the hidden neurons e-prop with their learning signal.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network is not <see cref="Plastic"/>.</exception>
    public void Learn(ReadOnlySpan<float> outputError)
    {
        EPropConstants.CheckLearn(Plastic, _out, outputError);
        float schedule = EPropConstants.Schedule(_options, _learnt++);
        float readoutRate = _readoutRate * schedule, hiddenRate = _hiddenRate * schedule;
        for (int k = 0; k < _out; k++)
        {
            LocalRules.Delta(_wOut.AsSpan(k * _feature.Length, _feature.Length), _feature, outputError[k], readoutRate);
            _bias[k] -= readoutRate * _feature.Length * BiasShare * outputError[k]; // the constant input, as a synapse from an always-active neuron
        }

        if (hiddenRate == 0)
        {
            return;
        }

        for (int j = 0; j < _hidden; j++)
        {
            float signal = LocalRules.LearningSignal(_feedback.AsSpan(j * _out, _out), outputError);
            LocalRules.EProp(_wIn.AsSpan(j * _in, _in), _eligibilityIn.AsSpan(j * _in, _in), signal, hiddenRate);
            LocalRules.EProp(_wRec.AsSpan(j * _hidden, _hidden), _eligibilityRec.AsSpan(j * _hidden, _hidden), signal, hiddenRate);
            _wRec[(j * _hidden) + j] = 0;
        }
    }

    /// <summary>Each presynaptic neuron's trace as the output synapses see it: minus its running mean, over its running standard deviation.</summary>
    private void Standardise()
    {
        float d = _statDecay, w = 1 - d;
        float correction = 1 / (1 - MathF.Pow(d, _steps)); // the running statistics' start-up bias, as Adam's
        for (int i = 0; i < _feature.Length; i++)
        {
            float t = _readoutTrace[i];
            _mean[i] = (d * _mean[i]) + (w * t);
            _meanSquare[i] = (d * _meanSquare[i]) + (w * t * t);
            float mean = _mean[i] * correction;
            float variance = Math.Max(0, (_meanSquare[i] * correction) - (mean * mean));
            _feature[i] = (t - mean) / MathF.Sqrt(variance + 1e-4f);
        }

        if (!_options.ReadoutFromInputs)
        {
            Array.Clear(_feature, 0, _in);
        }
    }

    private static void Fill(float[] a, double sd, ref Xoshiro rng)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)(sd * rng.NextGaussian());
        }
    }
}

/// <summary>The per-step constants of the learning mass, derived from its settings the same way for every backend.</summary>
internal readonly record struct EPropConstants(float Alpha, float Kappa, float Threshold, float Damping, float Homeostasis, float TargetPerStep, float HiddenRate, float ReadoutRate, float StatDecay)
{
    /// <summary>The constants of <paramref name="o"/> for output neurons reading <paramref name="features"/> presynaptic neurons.</summary>
    public static EPropConstants From(EPropOptions o, int features) => new(
        Alpha: (float)Math.Exp(-o.DtMs / o.MembraneTauMs),
        Kappa: (float)Math.Exp(-o.DtMs / o.ReadoutTauMs),
        Threshold: (float)o.Threshold,
        Damping: (float)o.Damping,
        Homeostasis: (float)(o.HomeostasisRate * o.Threshold),
        TargetPerStep: (float)(o.TargetRateHz * o.DtMs / 1000),
        HiddenRate: (float)o.HiddenRate,
        ReadoutRate: (float)(o.ReadoutRate / features),
        StatDecay: (float)Math.Exp(-o.DtMs / (o.StatisticsTauS * 1000)));

    /// <summary>The learning rates' factor at the <paramref name="learnt"/>-th learning step: T / (T + t), or 1 without annealing.</summary>
    public static float Schedule(EPropOptions o, long learnt)
    {
        double annealing = o.AnnealingSeconds * 1000 / o.DtMs;
        return annealing > 0 ? (float)(annealing / (annealing + learnt)) : 1;
    }

    /// <summary>Refuses a learning step the mass cannot take.</summary>
    /// <exception cref="InvalidOperationException">Not plastic.</exception>
    /// <exception cref="ArgumentException">Not one error value per output neuron.</exception>
    public static void CheckLearn(bool plastic, int outputs, ReadOnlySpan<float> outputError)
    {
        if (!plastic)
        {
            throw new InvalidOperationException("this network's eligibility traces were not kept (Plastic is false): it cannot learn");
        }

        if (outputError.Length != outputs)
        {
            throw new ArgumentException($"{outputError.Length} error values for {outputs} output neurons", nameof(outputError));
        }
    }
}

/// <summary>The whole state of an <see cref="EPropNetwork"/>, in its layout: weights as rows by postsynaptic neuron.</summary>
internal sealed class EPropState
{
    public required float[] V, ZPrevious, Psi, Thresholds;
    public required float[] WIn, WRec, EligibilityIn, EligibilityRec, Feedback, EpsIn, EpsRec;
    public required float[] ReadoutTrace, Mean, MeanSquare, Feature, WOut, Bias, Y;
    public long Steps, Learnt;
    public int HiddenSpikes;
}
