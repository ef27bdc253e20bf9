using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Neurolink.Emulator.Tissue;

/// <summary>
/// A population of spiking neurons placed around the electrode tips: log-normal baseline rates,
/// absolute refractoriness, sparse recurrent excitation and inhibition, and cosine tuning of a
/// share of them to a hidden 2-D signal. Each neuron is a renewal process driven by its
/// instantaneous rate (time rescaling: it fires when its integrated rate passes an exponential
/// threshold), stepped every millisecond, with spike times at sample resolution.
/// </summary>
/// <remarks>Not thread-safe; the firmware model owns it and calls it from its one thread.</remarks>
public sealed class TissueModel
{
    private readonly TissueOptions _options;
    private readonly ElectrodeGeometry _geometry;
    private readonly int _samplesPerStep;
    private readonly ulong _refractorySamples;
    private readonly float _synapticDecay;
    private readonly HiddenSignal _signal;
    private Rng _rng;

    // Per neuron.
    private readonly float[] _x, _y, _z;
    private readonly float[] _baseRate;
    // Tuning as rate gains (Hz per unit of signal): rate = max(base + bx vx + by vy, 0) + drive.
    private readonly float[] _gainX, _gainY;
    private readonly float[] _hazard, _threshold, _drive;
    private readonly ulong[] _refractoryUntil;
    private readonly bool[] _excitatory;

    // Recurrent targets, CSR.
    private readonly int[] _targetStart, _targets;

    // STDP (when on): a weight per synapse, traces per neuron (value and step of the last spike), and each neuron's incoming synapses.
    private readonly float[] _weight = [];
    private readonly float[] _trace = [];
    private readonly long[] _traceStep = [];
    private readonly int[] _incomingStart = [], _incoming = [], _incomingSource = [];
    private readonly float _tracePerStep = (float)Math.Exp(-1.0 / 20);
    private long _step;

    // Which channels see which neuron, CSR: peak amplitude in uV at each channel.
    private readonly int[] _footprintStart, _footprintChannel;
    private readonly float[] _footprintPeakUv;
    private readonly byte[] _template;
    private readonly float[] _peakUv;

    private readonly PriorityQueue<int, ulong> _evoked = new();
    private readonly PriorityQueue<int, ulong> _refractory = new();
    private readonly List<int> _firedThisStep = [];
    private readonly List<Spike> _pending = [];
    private readonly List<Spike> _scratch = [];

    /// <summary>Builds the tissue for an electrode geometry, deterministically from <paramref name="seed"/>.</summary>
    /// <param name="geometry">Where the electrode tips are.</param>
    /// <param name="options">Population parameters.</param>
    /// <param name="seed">The same seed gives the same neurons and the same spikes.</param>
    /// <param name="sampleRateHz">Device sample rate, Hz; a whole number of samples per millisecond.</param>
    public TissueModel(ElectrodeGeometry geometry, TissueOptions options, ulong seed, int sampleRateHz = 30_000)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Neurons is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Neurons, "the tissue holds 1 to 1 000 000 neurons");
        }

        if (sampleRateHz % 1000 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "the sample rate must be a whole number of kHz");
        }

        _options = options;
        _geometry = geometry;
        SampleRateHz = sampleRateHz;
        _samplesPerStep = sampleRateHz / 1000;
        _refractorySamples = (ulong)Math.Round(options.RefractoryMs * sampleRateHz / 1000);
        _synapticDecay = (float)Math.Exp(-1.0 / options.SynapticTauMs);
        _signal = new HiddenSignal(options.Signal, seed);
        _rng = Rng.For(seed, "tissue-dynamics");

        int n = options.Neurons;
        _x = new float[n];
        _y = new float[n];
        _z = new float[n];
        _baseRate = new float[n];
        _gainX = new float[n];
        _gainY = new float[n];
        _hazard = new float[n];
        _threshold = new float[n];
        _drive = new float[n];
        _refractoryUntil = new ulong[n];
        _excitatory = new bool[n];
        _template = new byte[n];
        _peakUv = new float[n];

        var build = Rng.For(seed, "tissue-structure");
        for (int i = 0; i < n; i++)
        {
            // Around a random tip, uniformly in a ball of the geometry's reach.
            int home = build.Next(geometry.ChannelCount);
            double r = geometry.NeuronReachUm * Math.Cbrt(build.NextDouble());
            double cosTheta = (2 * build.NextDouble()) - 1;
            double phi = 2 * Math.PI * build.NextDouble();
            double sinTheta = Math.Sqrt(1 - (cosTheta * cosTheta));
            _x[i] = geometry.X[home] + (float)(r * sinTheta * Math.Cos(phi));
            _y[i] = geometry.Y[home] + (float)(r * sinTheta * Math.Sin(phi));
            _z[i] = geometry.Z[home] + (float)(r * cosTheta);

            double rate = options.MedianRateHz * Math.Exp(options.RateLogSigma * build.NextGaussian());
            _baseRate[i] = (float)Math.Clamp(rate, 0.1, 50);
            _excitatory[i] = build.NextDouble() < options.ExcitatoryFraction;
            if (build.NextDouble() < options.TunedFraction)
            {
                double preferred = 2 * Math.PI * build.NextDouble();
                _gainX[i] = (float)(_baseRate[i] * options.TuningDepth * Math.Cos(preferred));
                _gainY[i] = (float)(_baseRate[i] * options.TuningDepth * Math.Sin(preferred));
            }

            _template[i] = (byte)(_excitatory[i] ? build.Next(3) : 3);
            _peakUv[i] = (float)(150 * Math.Exp(0.35 * build.NextGaussian()));
            _threshold[i] = (float)build.NextExponential();
        }

        (_targetStart, _targets) = BuildTargets(n, options.FanOut, ref build);
        if (options.Stdp)
        {
            _weight = new float[_targets.Length];
            Array.Fill(_weight, 1f);
            _trace = new float[n];
            _traceStep = new long[n];
            (_incomingStart, _incoming, _incomingSource) = IncomingOf(n, _targetStart, _targets);
        }

        (_footprintStart, _footprintChannel, _footprintPeakUv) = BuildFootprints();
    }

    /// <summary>Device sample rate, Hz.</summary>
    public int SampleRateHz { get; }

    /// <summary>Number of neurons.</summary>
    public int NeuronCount => _x.Length;

    /// <summary>The electrode geometry the neurons sit under.</summary>
    public ElectrodeGeometry Geometry => _geometry;

    /// <summary>The sample clock up to which the tissue has been simulated.</summary>
    public ulong Now { get; private set; }

    /// <summary>Peak spike amplitude of each neuron at 0 um, uV.</summary>
    public IReadOnlyList<float> PeakUv => _peakUv;

    /// <summary>The hidden signal's current value.</summary>
    public (double X, double Y) Signal => (_signal.X, _signal.Y);

    /// <summary>Called with every spike as it is generated (ground truth), or null.</summary>
    public Action<Spike>? SpikeObserver { get; set; }

    /// <summary>Called with the hidden signal once per millisecond step, or null.</summary>
    public Action<ulong, double, double>? SignalObserver { get; set; }

    /// <summary>Mean weight of the excitatory recurrent synapses (1 without STDP; it moves as the tissue learns).</summary>
    public double MeanExcitatoryWeight => ExcitatoryWeights(w => w, 1);

    /// <summary>Mean distance of the excitatory recurrent weights from their start, 1: how far the tissue has learnt (0 without STDP).</summary>
    public double MeanExcitatoryWeightChange => ExcitatoryWeights(w => Math.Abs(w - 1), 0);

    private double ExcitatoryWeights(Func<float, double> of, double without)
    {
        if (_weight.Length == 0)
        {
            return without;
        }

        double sum = 0;
        long count = 0;
        for (int i = 0; i < _excitatory.Length; i++)
        {
            if (_excitatory[i])
            {
                for (int s = _targetStart[i]; s < _targetStart[i + 1]; s++)
                {
                    sum += of(_weight[s]);
                    count++;
                }
            }
        }

        return count == 0 ? without : sum / count;
    }

    /// <summary>Baseline rate of a neuron, Hz.</summary>
    public float BaseRateHz(int neuron) => _baseRate[neuron];

    /// <summary>True for an excitatory neuron.</summary>
    public bool IsExcitatory(int neuron) => _excitatory[neuron];

    /// <summary>Waveform template index of a neuron (see <see cref="SpikeWaveforms"/>).</summary>
    public int TemplateOf(int neuron) => _template[neuron];

    /// <summary>Position of a neuron, um.</summary>
    public (float X, float Y, float Z) PositionOf(int neuron) => (_x[neuron], _y[neuron], _z[neuron]);

    /// <summary>The channels that see a neuron, with its peak amplitude at each, uV.</summary>
    public (ReadOnlyMemory<int> Channels, ReadOnlyMemory<float> PeakUv) FootprintOf(int neuron)
    {
        int start = _footprintStart[neuron];
        int length = _footprintStart[neuron + 1] - start;
        return (_footprintChannel.AsMemory(start, length), _footprintPeakUv.AsMemory(start, length));
    }

    /// <summary>Footprint as spans, for the hot path.</summary>
    internal void Footprint(int neuron, out ReadOnlySpan<int> channels, out ReadOnlySpan<float> peakUv)
    {
        int start = _footprintStart[neuron];
        int length = _footprintStart[neuron + 1] - start;
        channels = _footprintChannel.AsSpan(start, length);
        peakUv = _footprintPeakUv.AsSpan(start, length);
    }

    /// <summary>
    /// Simulates until the clock reaches at least <paramref name="sample"/>, then returns the
    /// spikes with onsets before <paramref name="sample"/> that were not returned before, in
    /// generation order (each millisecond's spikes together).
    /// </summary>
    public ReadOnlySpan<Spike> TakeSpikesBefore(ulong sample)
    {
        while (Now < sample)
        {
            Step();
        }

        // Keep the spikes at or after the cut for the next call, in order.
        _scratch.Clear();
        Span<Spike> all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending);
        int keep = 0;
        foreach (Spike s in all)
        {
            if (s.Sample < sample)
            {
                _scratch.Add(s);
            }
            else
            {
                all[keep++] = s;
            }
        }

        _pending.RemoveRange(keep, _pending.Count - keep);
        return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_scratch);
    }

    /// <summary>
    /// A stimulation pulse of <paramref name="amplitudeUa"/> uA on channel <paramref name="channel"/>
    /// at <paramref name="sample"/>: every neuron within r = sqrt(I / k) of the tip that is not
    /// refractory fires 2 to 5 ms later. Returns the neurons recruited.
    /// </summary>
    public IReadOnlyList<int> Stimulate(int channel, double amplitudeUa, ulong sample)
    {
        double radiusUm = 1000 * Math.Sqrt(Math.Abs(amplitudeUa) / _options.StimKUaPerMm2);
        var recruited = new List<int>();
        for (int i = 0; i < _x.Length; i++)
        {
            if (_geometry.Distance(channel, _x[i], _y[i], _z[i]) <= radiusUm)
            {
                ulong latency = (ulong)((2 + (3 * _rng.NextDouble())) * SampleRateHz / 1000);
                _evoked.Enqueue(i, sample + latency);
                recruited.Add(i);
            }
        }

        return recruited;
    }

    private void Step()
    {
        ulong start = Now;
        ulong end = start + (ulong)_samplesPerStep;
        _signal.Step();
        SignalObserver?.Invoke(start, _signal.X, _signal.Y);
        float vx = (float)_signal.X;
        float vy = (float)_signal.Y;

        ReleaseRefractory(start);

        // One vectorised pass over six arrays (the state that must be touched every step): recurrent
        // input decays, the rate follows the tuning, and the integrated rate (hazard) grows; a
        // refractory neuron has an infinite threshold until it is released.
        var decay = new Vector<float>(_synapticDecay);
        var dt = new Vector<float>(0.001f);
        var vxv = new Vector<float>(vx);
        var vyv = new Vector<float>(vy);
        var maxRate = new Vector<float>(500);
        var tiny = new Vector<float>(1e-6f);
        int n = _x.Length;
        int width = Vector<float>.Count;
        int i = 0;
        for (; i <= n - width; i += width)
        {
            // Flush what has decayed to nothing: denormal floats are very slow on x86.
            var drive = new Vector<float>(_drive, i) * decay;
            drive = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(drive), tiny), Vector<float>.Zero, drive);
            drive.CopyTo(_drive, i);
            var tuned = Vector.Max(new Vector<float>(_baseRate, i) + (new Vector<float>(_gainX, i) * vxv) + (new Vector<float>(_gainY, i) * vyv), Vector<float>.Zero);
            var rate = Vector.Min(Vector.Max(tuned + drive, Vector<float>.Zero), maxRate);
            var hazard = new Vector<float>(_hazard, i) + (rate * dt);
            hazard.CopyTo(_hazard, i);
            if (Vector.GreaterThanOrEqualAny(hazard, new Vector<float>(_threshold, i)))
            {
                for (int lane = i; lane < i + width; lane++)
                {
                    if (_hazard[lane] >= _threshold[lane])
                    {
                        Fire(lane, start + (ulong)_rng.Next(_samplesPerStep));
                    }
                }
            }
        }

        for (; i < n; i++)
        {
            _drive[i] *= _synapticDecay;
            _drive[i] = Math.Abs(_drive[i]) < 1e-6f ? 0 : _drive[i];
            float tuned = Math.Max(_baseRate[i] + (_gainX[i] * vx) + (_gainY[i] * vy), 0);
            _hazard[i] += Math.Clamp(tuned + _drive[i], 0, 500) * 0.001f;
            if (_hazard[i] >= _threshold[i])
            {
                Fire(i, start + (ulong)_rng.Next(_samplesPerStep));
            }
        }

        while (_evoked.TryPeek(out int neuron, out ulong at) && at < end)
        {
            _evoked.Dequeue();
            if (_refractoryUntil[neuron] <= at)
            {
                Fire(neuron, at);
            }
        }

        // Recurrent kicks land after the pass, so every neuron sees this step's spikes next step.
        _step++;
        if (_weight.Length > 0)
        {
            KickWithStdp();
        }
        else
        {
            Kick();
        }

        _firedThisStep.Clear();
        Now = end;
    }

    /// <summary>The kicks of this step's spikes through fixed synapses.</summary>
    private void Kick()
    {
        ref float drive0 = ref MemoryMarshal.GetArrayDataReference(_drive);
        foreach (int fired in _firedThisStep)
        {
            float kick = _excitatory[fired] ? (float)_options.ExcitatoryKickHz : -(float)_options.InhibitoryKickHz;
            foreach (int target in _targets.AsSpan(_targetStart[fired], _targetStart[fired + 1] - _targetStart[fired]))
            {
                // Targets were drawn below the neuron count at construction: no bounds check needed.
                Unsafe.Add(ref drive0, target) += kick;
            }
        }
    }

    /// <summary>
    /// The kicks of this step's spikes with plastic excitatory synapses (pair STDP, nearest
    /// traces of 20 ms): a firing source depresses each synapse by the target's trace before it
    /// kicks with the synapse's weight; a firing target potentiates each incoming excitatory
    /// synapse by the source's trace. Then each firing neuron's trace takes its spike.
    /// </summary>
    private void KickWithStdp()
    {
        float aPlus = (float)_options.StdpPotentiation, aMinus = (float)_options.StdpDepression, wMax = (float)_options.StdpMaxWeight;
        float excitatory = (float)_options.ExcitatoryKickHz, inhibitory = -(float)_options.InhibitoryKickHz;
        foreach (int fired in _firedThisStep)
        {
            bool exc = _excitatory[fired];
            for (int s = _targetStart[fired]; s < _targetStart[fired + 1]; s++)
            {
                int target = _targets[s];
                if (exc)
                {
                    _weight[s] = Math.Max(0, _weight[s] - (aMinus * TraceOf(target)));
                    _drive[target] += excitatory * _weight[s];
                }
                else
                {
                    _drive[target] += inhibitory;
                }
            }

            for (int k = _incomingStart[fired]; k < _incomingStart[fired + 1]; k++)
            {
                int s = _incoming[k];
                int source = _incomingSource[k];
                if (_excitatory[source])
                {
                    _weight[s] = Math.Min(wMax, _weight[s] + (aPlus * TraceOf(source)));
                }
            }
        }

        foreach (int fired in _firedThisStep)
        {
            _trace[fired] = TraceOf(fired) + 1;
            _traceStep[fired] = _step;
        }
    }

    private float TraceOf(int neuron)
    {
        long age = _step - _traceStep[neuron];
        return age > 200 ? 0 : _trace[neuron] * MathF.Pow(_tracePerStep, age);
    }

    private static (int[] Start, int[] Synapses, int[] Sources) IncomingOf(int n, int[] targetStart, int[] targets)
    {
        var start = new int[n + 1];
        foreach (int t in targets)
        {
            start[t + 1]++;
        }

        for (int i = 0; i < n; i++)
        {
            start[i + 1] += start[i];
        }

        var next = (int[])start.Clone();
        var synapses = new int[targets.Length];
        var sources = new int[targets.Length];
        for (int source = 0; source < n; source++)
        {
            for (int s = targetStart[source]; s < targetStart[source + 1]; s++)
            {
                int at = next[targets[s]]++;
                synapses[at] = s;
                sources[at] = source;
            }
        }

        return (start, synapses, sources);
    }

    /// <summary>Neurons whose refractory period ended by <paramref name="now"/> integrate again, from zero.</summary>
    private void ReleaseRefractory(ulong now)
    {
        while (_refractory.TryPeek(out int neuron, out ulong until) && until <= now)
        {
            _refractory.Dequeue();
            if (_refractoryUntil[neuron] <= now && float.IsPositiveInfinity(_threshold[neuron]))
            {
                _hazard[neuron] = 0;
                _threshold[neuron] = (float)_rng.NextExponential();
            }
        }
    }

    private void Fire(int neuron, ulong sample)
    {
        _hazard[neuron] = 0;
        _threshold[neuron] = float.PositiveInfinity;
        _refractoryUntil[neuron] = sample + _refractorySamples;
        _refractory.Enqueue(neuron, sample + _refractorySamples);
        _firedThisStep.Add(neuron);
        var spike = new Spike(neuron, sample);
        _pending.Add(spike);
        SpikeObserver?.Invoke(spike);
    }

    private static (int[] Start, int[] Targets) BuildTargets(int n, int fanOut, ref Rng rng)
    {
        int perNeuron = Math.Min(fanOut, n - 1);
        var start = new int[n + 1];
        var targets = new int[n * perNeuron];
        for (int i = 0; i < n; i++)
        {
            start[i] = i * perNeuron;
            for (int k = 0; k < perNeuron; k++)
            {
                int t = rng.Next(n - 1);
                targets[(i * perNeuron) + k] = t >= i ? t + 1 : t;
            }
        }

        start[n] = n * perNeuron;
        return (start, targets);
    }

    /// <summary>
    /// A neuron's spike seen at distance d has peak A0 exp(-d / 50 um); channels where that is
    /// below 2 uV (a third of the noise) are left out.
    /// </summary>
    private (int[] Start, int[] Channel, float[] Peak) BuildFootprints()
    {
        const float SpaceConstantUm = 50;
        const float FloorUv = 2;
        var start = new int[_x.Length + 1];
        var channels = new List<int>();
        var peaks = new List<float>();
        float reach = SpaceConstantUm * MathF.Log(_peakUv.Max() / FloorUv);
        ReadOnlySpan<float> ex = _geometry.X, ey = _geometry.Y, ez = _geometry.Z;
        for (int i = 0; i < _x.Length; i++)
        {
            start[i] = channels.Count;
            for (int c = 0; c < _geometry.ChannelCount; c++)
            {
                // Cheap reject on one axis before the distance.
                if (MathF.Abs(ex[c] - _x[i]) > reach || MathF.Abs(ey[c] - _y[i]) > reach || MathF.Abs(ez[c] - _z[i]) > reach)
                {
                    continue;
                }

                float peak = _peakUv[i] * MathF.Exp(-_geometry.Distance(c, _x[i], _y[i], _z[i]) / SpaceConstantUm);
                if (peak >= FloorUv)
                {
                    channels.Add(c);
                    peaks.Add(peak);
                }
            }
        }

        start[_x.Length] = channels.Count;
        return (start, [.. channels], [.. peaks]);
    }
}
