namespace Neurolink.Mass;

/// <summary>
/// How the backends keep the decaying synaptic currents. Each step every excitatory current
/// decays by one factor d (and every inhibitory one by its own) when all populations share the
/// receptor's time constant, as in CUBA, COBA and the microcircuit. Multiplying every neuron's
/// current by d and writing it back every step is two of the three arrays the update would
/// otherwise write; instead the backends keep G = current / d^k, k the steps since the frame
/// began: the step reads the current as G x d^k, and an input of weight w adds w / d^k, so the
/// decay costs one number per step. Every <see cref="Period"/> steps the frame starts again
/// (every G multiplied by d^Period, k back to 0), long before d^k nears the end of float's range.
/// </summary>
/// <remarks>
/// A receptor whose populations decay at different rates is not framed: its scale and inverse
/// stay 1 (multiplying by 1 is exact) and the update decays and writes each current as before.
/// The currents a checkpoint holds are the stored G, in the frame of the checkpoint's step (both
/// backends take every factor from this class, so they compute the same floats).
/// <para>Steps and factors (<see cref="At"/>): step t's integration reads G x ScaleE (ScaleI),
/// after the restart that begins step t when t is a positive multiple of <see cref="Period"/> and
/// the delayed input that arrives at step t (G += slot x InverseAtE); the spikes of step t add
/// w x InverseNextE, and channel input given between steps t - 1 and t adds w x
/// <see cref="InverseBefore"/>(t).</para>
/// </remarks>
internal sealed class CurrentFrame
{
    /// <summary>The frame restarts before d^k falls below 2^-20 for the faster-decaying receptor.</summary>
    private const double Floor = 1.0 / (1 << 20);

    private const int MaxPeriod = 1024;

    private readonly float[][] _scale;   // [receptor][k], k = 0..Period: d^k
    private readonly float[][] _inverse; // [receptor][k]: 1 / d^k

    private CurrentFrame(bool[] framed, int period, float[][] scale, float[][] inverse)
    {
        Framed = framed;
        Period = period;
        _scale = scale;
        _inverse = inverse;
    }

    /// <summary>Per receptor (0 excitatory, 1 inhibitory): whether its currents are kept in the frame.</summary>
    public bool[] Framed { get; }

    /// <summary>Steps between two restarts of the frame.</summary>
    public int Period { get; }

    /// <summary>The frame of <paramref name="net"/>: a receptor is framed when every population decays it with the same time constant.</summary>
    public static CurrentFrame For(CompiledNetwork net)
    {
        ArgumentNullException.ThrowIfNull(net);
        double dt = net.Spec.DtMs;
        var framed = new bool[2];
        var decay = new double[2];
        for (int r = 0; r < 2; r++)
        {
            double[] taus = [.. net.Populations.Select(p => Tau(p.Model, r)).Distinct()];
            framed[r] = taus.Length == 1 && taus[0] > 0 && double.IsFinite(taus[0]);
            decay[r] = framed[r] ? Math.Exp(-dt / taus[0]) : 1;
        }

        double fastest = Math.Min(decay[0], decay[1]);
        int period = fastest >= 1 ? MaxPeriod : (int)Math.Clamp(Math.Floor(Math.Log(Floor) / Math.Log(fastest)), 1, MaxPeriod);
        var scale = new float[2][];
        var inverse = new float[2][];
        for (int r = 0; r < 2; r++)
        {
            scale[r] = new float[period + 1];
            inverse[r] = new float[period + 1];
            double p = 1;
            for (int k = 0; k <= period; k++)
            {
                scale[r][k] = (float)p;
                inverse[r][k] = (float)(1 / p);
                p *= decay[r];
            }
        }

        return new CurrentFrame(framed, period, scale, inverse);
    }

    /// <summary>Every factor step <paramref name="step"/> uses (one division, where a step's few calls would each take one).</summary>
    public FrameFactors At(long step)
    {
        int k = (int)(step % Period);
        bool restarts = step > 0 && k == 0;
        int next = k + 1; // the inputs of this step's spikes arrive before step + 1, in this frame (k + 1 = Period when step + 1 restarts)
        return new FrameFactors(
            restarts,
            _scale[0][k], _scale[1][k],
            _scale[0][Period], _scale[1][Period],
            _inverse[0][k], _inverse[1][k],
            _inverse[0][next], _inverse[1][next]);
    }

    /// <summary>
    /// What an input arriving before step <paramref name="step"/>'s integration is multiplied by
    /// (channel input between steps): the factor of the spikes of the step before (<see cref="At"/>'s
    /// InverseNext, so the restart rule stays in one place), 1 before the first step.
    /// </summary>
    public float InverseBefore(int receptor, long step) => step == 0 ? _inverse[receptor][0] : receptor == 0 ? At(step - 1).InverseNextE : At(step - 1).InverseNextI;

    /// <summary>One step's factors (see <see cref="CurrentFrame"/>); a receptor not framed has 1 everywhere.</summary>
    /// <param name="Restarts">The step begins by multiplying every stored G by <paramref name="RestartE"/> / <paramref name="RestartI"/>.</param>
    /// <param name="ScaleE">What the integration multiplies the stored excitatory G by.</param>
    /// <param name="ScaleI">The same for the inhibitory G.</param>
    /// <param name="RestartE">d^Period of the excitatory currents.</param>
    /// <param name="RestartI">d^Period of the inhibitory currents.</param>
    /// <param name="InverseAtE">What excitatory delayed input arriving at the step's start is multiplied by.</param>
    /// <param name="InverseAtI">The same for inhibitory delayed input.</param>
    /// <param name="InverseNextE">What the step's spikes add to the excitatory G, per unit of weight (they act from the next step).</param>
    /// <param name="InverseNextI">The same for the inhibitory G.</param>
    internal readonly record struct FrameFactors(bool Restarts, float ScaleE, float ScaleI, float RestartE, float RestartI, float InverseAtE, float InverseAtI, float InverseNextE, float InverseNextI);

    private static double Tau(NeuronModel model, int receptor) => model switch
    {
        LifCuba m => receptor == 0 ? m.TauEMs : m.TauIMs,
        LifCoba m => receptor == 0 ? m.TauEMs : m.TauIMs,
        Izhikevich m => receptor == 0 ? m.TauEMs : m.TauIMs,
        _ => throw new NotSupportedException($"no synaptic time constants for {model.GetType().Name}"),
    };
}
