namespace Neurolink.Mass;

/// <summary>
/// A network to simulate, described as data (from C# or a JSON file): populations,
/// projections between them, the headstage channels that drive input neurons, and the
/// population read out every frame. The seed makes a build and a run reproducible.
/// </summary>
public sealed record class NetworkSpec
{
    /// <summary>Seed of every random choice: initial state, connectivity, weights, delays.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Time step, ms (0.1 by default, as Brian2's).</summary>
    public double DtMs { get; init; } = 0.1;

    /// <summary>The populations, in the order of the global neuron index.</summary>
    public IReadOnlyList<PopulationSpec> Populations { get; init; } = [];

    /// <summary>The projections.</summary>
    public IReadOnlyList<ProjectionSpec> Projections { get; init; } = [];

    /// <summary>Headstage channels and the input neurons each drives.</summary>
    public IReadOnlyList<InputSpec> Inputs { get; init; } = [];

    /// <summary>The population whose spikes are read out every frame, or null.</summary>
    public string? Output { get; init; }

    /// <summary>Time constant of the network's dopamine signal, ms (200 in Izhikevich 2007).</summary>
    public double DopamineTauMs { get; init; } = 200;

    /// <summary>Tonic dopamine, always present under the phasic part that rewards add (0.002 in Izhikevich 2007).</summary>
    public double DopamineBaseline { get; init; }
}

/// <summary>A population of identical neurons.</summary>
/// <param name="Name">Its name, unique in the network.</param>
/// <param name="Size">Neurons, at least 1.</param>
/// <param name="Model">The neuron model and its parameters.</param>
public sealed record class PopulationSpec(string Name, int Size, NeuronModel Model);

/// <summary>A neuron model with its parameters.</summary>
public abstract record class NeuronModel
{
    /// <summary>The model's name in JSON: lif_cuba, lif_coba, izhikevich.</summary>
    public abstract string Type { get; }
}

/// <summary>
/// Leaky integrate-and-fire with exponentially decaying synaptic currents, in voltage units
/// (as Brian2's CUBA example): dv/dt = (ge + gi - (v - E_L)) / tau_m, dge/dt = -ge / tau_e,
/// dgi/dt = -gi / tau_i; integrated exactly. A spike of weight w adds w (mV) to ge or gi.
/// </summary>
public sealed record class LifCuba : NeuronModel
{
    /// <inheritdoc/>
    public override string Type => "lif_cuba";

    /// <summary>Membrane time constant, ms.</summary>
    public double TauMMs { get; init; } = 20;

    /// <summary>Resting (leak reversal) potential E_L, mV.</summary>
    public double VRestMv { get; init; } = -49;

    /// <summary>Threshold, mV.</summary>
    public double VThreshMv { get; init; } = -50;

    /// <summary>Reset, mV.</summary>
    public double VResetMv { get; init; } = -60;

    /// <summary>Refractory period, ms: v is held at reset.</summary>
    public double RefractoryMs { get; init; } = 5;

    /// <summary>Excitatory synaptic time constant, ms.</summary>
    public double TauEMs { get; init; } = 5;

    /// <summary>Inhibitory synaptic time constant, ms.</summary>
    public double TauIMs { get; init; } = 10;

    /// <summary>Initial membrane potential, mV (a distribution).</summary>
    public Distribution VInitMv { get; init; } = Distribution.Uniform(-60, -50);
}

/// <summary>
/// Leaky integrate-and-fire with exponentially decaying conductances (Brette et al. 2007,
/// benchmark 1): C dv/dt = g_L (E_L - v) + g_e (E_e - v) + g_i (E_i - v) + I_bias; integrated
/// by exponential Euler (exact between spikes when the conductances are zero). A spike of
/// weight w adds w nS to g_e or g_i.
/// </summary>
public sealed record class LifCoba : NeuronModel
{
    /// <inheritdoc/>
    public override string Type => "lif_coba";

    /// <summary>Membrane capacitance, pF.</summary>
    public double CapacitancePf { get; init; } = 200;

    /// <summary>Leak conductance, nS.</summary>
    public double LeakNs { get; init; } = 10;

    /// <summary>Leak reversal E_L, mV.</summary>
    public double VRestMv { get; init; } = -60;

    /// <summary>Excitatory reversal E_e, mV.</summary>
    public double EExcMv { get; init; }

    /// <summary>Inhibitory reversal E_i, mV.</summary>
    public double EInhMv { get; init; } = -80;

    /// <summary>Threshold, mV.</summary>
    public double VThreshMv { get; init; } = -50;

    /// <summary>Reset, mV.</summary>
    public double VResetMv { get; init; } = -60;

    /// <summary>Refractory period, ms: v is held at reset.</summary>
    public double RefractoryMs { get; init; } = 5;

    /// <summary>Excitatory conductance time constant, ms.</summary>
    public double TauEMs { get; init; } = 5;

    /// <summary>Inhibitory conductance time constant, ms.</summary>
    public double TauIMs { get; init; } = 10;

    /// <summary>Constant bias current, nA.</summary>
    public double BiasNa { get; init; }

    /// <summary>Initial membrane potential, mV.</summary>
    public Distribution VInitMv { get; init; } = Distribution.Uniform(-60, -50);
}

/// <summary>
/// Izhikevich (2003): dv/dt = 0.04 v^2 + 5 v + 140 - u + I, du/dt = a (b v - u); at v &gt;= v_peak,
/// v = c and u += d. I is the sum of exponentially decaying synaptic currents (mV/ms); a spike of
/// weight w adds w to one of them. Forward Euler at the network's dt (0.1 ms by default; the
/// original used 1 ms in two half steps).
/// </summary>
public sealed record class Izhikevich : NeuronModel
{
    /// <inheritdoc/>
    public override string Type => "izhikevich";

    /// <summary>Recovery time scale (0.02 regular spiking, 0.1 fast spiking).</summary>
    public double A { get; init; } = 0.02;

    /// <summary>Recovery sensitivity.</summary>
    public double B { get; init; } = 0.2;

    /// <summary>Reset potential, mV.</summary>
    public double C { get; init; } = -65;

    /// <summary>Recovery increment at a spike (8 regular spiking, 2 fast spiking).</summary>
    public double D { get; init; } = 8;

    /// <summary>Spike peak, mV.</summary>
    public double VPeakMv { get; init; } = 30;

    /// <summary>Excitatory current time constant, ms.</summary>
    public double TauEMs { get; init; } = 5;

    /// <summary>Inhibitory current time constant, ms.</summary>
    public double TauIMs { get; init; } = 10;

    /// <summary>Constant input current, mV/ms.</summary>
    public double BiasCurrent { get; init; }

    /// <summary>Initial membrane potential, mV (u starts at b v).</summary>
    public Distribution VInitMv { get; init; } = Distribution.Constant(-65);
}

/// <summary>A value drawn for each neuron or synapse: a constant, uniform or normal.</summary>
/// <param name="Kind">constant, uniform or normal.</param>
/// <param name="A">The constant, the low end, or the mean.</param>
/// <param name="B">The high end, or the standard deviation (0 for a constant).</param>
public readonly record struct Distribution(string Kind, double A, double B)
{
    /// <summary>A constant.</summary>
    public static Distribution Constant(double value) => new("constant", value, 0);

    /// <summary>Uniform on [low, high).</summary>
    public static Distribution Uniform(double low, double high) => new("uniform", low, high);

    /// <summary>Normal with mean and standard deviation.</summary>
    public static Distribution Normal(double mean, double sd) => new("normal", mean, sd);

    /// <summary>The constant converts to a distribution.</summary>
    public static implicit operator Distribution(double value) => Constant(value);

    /// <summary>Same as the implicit conversion.</summary>
    public static Distribution FromDouble(double value) => Constant(value);

    /// <summary>A draw.</summary>
    internal double Sample(ref Xoshiro rng) => Kind switch
    {
        "uniform" => A + ((B - A) * rng.NextDouble()),
        "normal" => A + (B * rng.NextGaussian()),
        _ => A,
    };
}

/// <summary>Which input of the target neurons a projection drives.</summary>
public enum Receptor
{
    /// <summary>The excitatory current (ge).</summary>
    Excitatory,

    /// <summary>The inhibitory current (gi).</summary>
    Inhibitory,
}

/// <summary>How a projection chooses its synapses.</summary>
/// <param name="Kind">fixed_probability, fixed_indegree, one_to_one or list.</param>
/// <param name="Probability">For fixed_probability: each pair independently.</param>
/// <param name="InDegree">For fixed_indegree: inputs per target neuron, drawn with replacement.</param>
/// <param name="Pairs">For list: (pre, post) indices within the populations.</param>
/// <param name="AllowSelf">Whether a neuron may connect to itself when pre and post are the same population.</param>
public sealed record class Connector(string Kind, double Probability = 0, int InDegree = 0, IReadOnlyList<(int Pre, int Post)>? Pairs = null, bool AllowSelf = true)
{
    /// <summary>Each (pre, post) pair with probability p.</summary>
    public static Connector FixedProbability(double p, bool allowSelf = true) => new("fixed_probability", Probability: p, AllowSelf: allowSelf);

    /// <summary>Exactly k inputs per target.</summary>
    public static Connector FixedInDegree(int k, bool allowSelf = true) => new("fixed_indegree", InDegree: k, AllowSelf: allowSelf);

    /// <summary>Neuron i to neuron i.</summary>
    public static Connector OneToOne() => new("one_to_one");

    /// <summary>An explicit list.</summary>
    public static Connector List(IReadOnlyList<(int Pre, int Post)> pairs) => new("list", Pairs: pairs);
}

/// <summary>Synapses from one population to another.</summary>
/// <param name="From">Presynaptic population.</param>
/// <param name="To">Postsynaptic population.</param>
/// <param name="Connect">How synapses are chosen.</param>
/// <param name="Receptor">Which current they drive.</param>
/// <param name="Weight">
/// What one spike adds to the target's synaptic variable, in the target model's unit: mV for
/// lif_cuba (Brian2's CUBA convention), nS of conductance for lif_coba, and mV/ms of current for
/// izhikevich. Negative values are allowed on inhibitory currents (lif_cuba, izhikevich).
/// </param>
/// <param name="DelayMs">Delay, ms (rounded to whole steps; 0 means the next step).</param>
public sealed record class ProjectionSpec(string From, string To, Connector Connect, Receptor Receptor, Distribution Weight, Distribution DelayMs)
{
    /// <summary>The local learning rule of these synapses, or null for fixed weights.</summary>
    public PlasticityRule? Plasticity { get; init; }
}

/// <summary>
/// A local learning rule: each weight change reads only the synapse's presynaptic trace, its
/// postsynaptic trace, and (for three-factor rules) the network-wide dopamine signal.
/// </summary>
public abstract record class PlasticityRule
{
    /// <summary>The rule's name in JSON.</summary>
    public abstract string Type { get; }

    /// <summary>Lowest weight.</summary>
    public double WMin { get; init; }

    /// <summary>Highest weight.</summary>
    public double WMax { get; init; } = 1;
}

/// <summary>
/// Pair STDP with all-to-all traces (Song, Miller and Abbott 2000): a presynaptic spike depresses
/// by A- y_post, a postsynaptic spike potentiates by A+ x_pre; traces jump by 1 at a spike and
/// decay with tau+ (pre) and tau- (post). Additive: changes scale with w_max; multiplicative:
/// potentiation scales with (w_max - w) and depression with (w - w_min).
/// </summary>
public sealed record class PairStdp : PlasticityRule
{
    /// <inheritdoc/>
    public override string Type => "stdp_pair";

    /// <summary>Presynaptic trace time constant, ms.</summary>
    public double TauPlusMs { get; init; } = 20;

    /// <summary>Postsynaptic trace time constant, ms.</summary>
    public double TauMinusMs { get; init; } = 20;

    /// <summary>Potentiation per pairing, as a fraction of w_max (additive) or of the room left (multiplicative).</summary>
    public double APlus { get; init; } = 0.01;

    /// <summary>Depression per pairing, likewise.</summary>
    public double AMinus { get; init; } = 0.0105;

    /// <summary>Multiplicative (soft) bounds instead of additive (hard) ones.</summary>
    public bool Multiplicative { get; init; }
}

/// <summary>
/// Triplet STDP (Pfister and Gerstner 2006, all-to-all): besides the pair terms, potentiation at
/// a postsynaptic spike grows with the postsynaptic neuron's slow trace o2 (tau_y), and depression
/// at a presynaptic spike with the presynaptic neuron's slow trace r2 (tau_x):
/// at pre, w -= o1 (A2- + A3- r2); at post, w += r1 (A2+ + A3+ o2); amplitudes are fractions of
/// (w_max - w_min). Defaults: the paper's minimal all-to-all visual-cortex fit.
/// </summary>
public sealed record class TripletStdp : PlasticityRule
{
    /// <inheritdoc/>
    public override string Type => "stdp_triplet";

    /// <summary>Fast presynaptic trace r1, ms.</summary>
    public double TauPlusMs { get; init; } = 16.8;

    /// <summary>Fast postsynaptic trace o1, ms.</summary>
    public double TauMinusMs { get; init; } = 33.7;

    /// <summary>Slow presynaptic trace r2, ms.</summary>
    public double TauXMs { get; init; } = 101;

    /// <summary>Slow postsynaptic trace o2, ms.</summary>
    public double TauYMs { get; init; } = 125;

    /// <summary>Pair potentiation.</summary>
    public double A2Plus { get; init; } = 5e-10;

    /// <summary>Triplet potentiation.</summary>
    public double A3Plus { get; init; } = 6.2e-3;

    /// <summary>Pair depression.</summary>
    public double A2Minus { get; init; } = 7e-3;

    /// <summary>Triplet depression.</summary>
    public double A3Minus { get; init; } = 2.3e-4;
}

/// <summary>
/// Reward-modulated STDP (Izhikevich 2007): pair STDP does not change the weight but a synaptic
/// eligibility trace c (dc/dt = -c / tau_c + STDP), and the weight follows dw/dt = c d, where d is
/// the network's dopamine (dd/dt = -d / tau_d + reward). Synapses are brought up to date lazily,
/// when a spike of either neuron touches them, with the integral of c d solved exactly.
/// </summary>
public sealed record class RewardStdp : PlasticityRule
{
    /// <inheritdoc/>
    public override string Type => "stdp_reward";

    /// <summary>Presynaptic trace time constant, ms.</summary>
    public double TauPlusMs { get; init; } = 20;

    /// <summary>Postsynaptic trace time constant, ms.</summary>
    public double TauMinusMs { get; init; } = 20;

    /// <summary>Eligibility added per pre-before-post pairing.</summary>
    public double APlus { get; init; } = 1;

    /// <summary>Eligibility removed per post-before-pre pairing.</summary>
    public double AMinus { get; init; } = 1.5;

    /// <summary>Eligibility time constant, ms (1 s in Izhikevich 2007).</summary>
    public double TauEligibilityMs { get; init; } = 1000;
}

/// <summary>Headstage channels driving input neurons: channel c drives neuron c (one_to_one) or every neuron n with n mod channels == c (tile).</summary>
/// <param name="Population">The input population.</param>
/// <param name="FirstChannel">First channel.</param>
/// <param name="Channels">How many channels.</param>
/// <param name="Map">one_to_one or tile.</param>
/// <param name="Weight">Added to the excitatory synaptic variable of the driven neurons per spike counted on the channel (unit as in <see cref="ProjectionSpec"/>).</param>
public sealed record class InputSpec(string Population, int FirstChannel, int Channels, string Map, double Weight);
