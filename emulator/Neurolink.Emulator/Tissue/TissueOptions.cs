namespace Neurolink.Emulator.Tissue;

/// <summary>Parameters of the simulated tissue. The defaults give motor-cortex-like activity under a Utah-like array.</summary>
public sealed record class TissueOptions
{
    /// <summary>Number of simulated neurons, 1..1 000 000.</summary>
    public int Neurons { get; init; } = 10_000;

    /// <summary>Share of excitatory neurons; the rest inhibit.</summary>
    public double ExcitatoryFraction { get; init; } = 0.8;

    /// <summary>Share of neurons cosine-tuned to the hidden signal.</summary>
    public double TunedFraction { get; init; } = 0.6;

    /// <summary>Modulation depth of tuned neurons: rate x (1 + depth x (v . d)), clipped at 0.</summary>
    public double TuningDepth { get; init; } = 0.9;

    /// <summary>Median baseline firing rate, Hz; rates are log-normal around it.</summary>
    public double MedianRateHz { get; init; } = 2.5;

    /// <summary>Standard deviation of ln(rate); 1.2 puts about 99 % of rates in 0.1..50 Hz.</summary>
    public double RateLogSigma { get; init; } = 1.2;

    /// <summary>Recurrent targets per neuron.</summary>
    public int FanOut { get; init; } = 40;

    /// <summary>Rate added to each target by an excitatory spike, Hz, decaying with <see cref="SynapticTauMs"/>.</summary>
    public double ExcitatoryKickHz { get; init; } = 1.0;

    /// <summary>Rate removed from each target by an inhibitory spike, Hz.</summary>
    public double InhibitoryKickHz { get; init; } = 3.0;

    /// <summary>Decay time constant of recurrent input, ms.</summary>
    public double SynapticTauMs { get; init; } = 10;

    /// <summary>Absolute refractory period, ms.</summary>
    public double RefractoryMs { get; init; } = 2;

    /// <summary>
    /// Pair STDP on the excitatory recurrent synapses (each scales its kick by a weight that
    /// starts at 1): the tissue's own plasticity, so that it keeps changing under the host's
    /// stimulation and learning. Off by default (the tissue is then stationary).
    /// </summary>
    public bool Stdp { get; init; }

    /// <summary>Weight added to an excitatory synapse when its target fires, times the source's trace (which decays with 20 ms and adds 1 a spike).</summary>
    public double StdpPotentiation { get; init; } = 0.01;

    /// <summary>Weight removed when the source fires, times the target's trace; a little above the potentiation, so that chance pairings depress on balance (stable rates).</summary>
    public double StdpDepression { get; init; } = 0.0105;

    /// <summary>STDP <paramref name="rate"/> times as fast as the default: both amplitudes scaled (their balance, hence the stable rates, kept); turns STDP on.</summary>
    public TissueOptions WithStdpRate(double rate) => this with { Stdp = true, StdpPotentiation = 0.01 * rate, StdpDepression = 0.0105 * rate };

    /// <summary>Largest weight of an excitatory synapse (its kick at most this many times <see cref="ExcitatoryKickHz"/>).</summary>
    public double StdpMaxWeight { get; init; } = 3;

    /// <summary>The hidden 2-D signal the tuned neurons encode.</summary>
    public HiddenSignalKind Signal { get; init; } = HiddenSignalKind.RandomTrajectory;

    /// <summary>Thermal noise on every raw channel, uV rms (5 to 10 is typical).</summary>
    public double NoiseUvRms { get; init; } = 6;

    /// <summary>
    /// Current-distance constant k of I = k r^2 (Stoney et al. 1968), uA/mm^2: a 20 uA pulse
    /// recruits neurons within sqrt(20 / 1292) mm = 124 um of the tip.
    /// </summary>
    public double StimKUaPerMm2 { get; init; } = 1292;
}
