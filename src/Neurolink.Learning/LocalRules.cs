using System.Numerics.Tensors;

namespace Neurolink.Learning;

/// <summary>
/// Every way a weight of the learning mass changes, and nothing else: each rule updates the
/// synapses onto one postsynaptic neuron (one row) from that row's presynaptic traces, a term
/// of the postsynaptic neuron itself, and a signal broadcast to every neuron. No rule sees
/// another neuron's weights, an error propagated backwards through the network, or the future.
/// </summary>
internal static class LocalRules
{
    /// <summary>
    /// e-prop's eligibility trace of every synapse onto one neuron j (Bellec et al. 2020):
    /// e_ji = psi_j x eps_i, low-pass filtered with the readout's decay kappa:
    /// ebar_ji &lt;- kappa ebar_ji + psi_j eps_i.
    /// </summary>
    /// <param name="eligibility">ebar of the synapses onto j, updated in place.</param>
    /// <param name="kappa">The readout's decay per step (the filter of the learning signal's effect).</param>
    /// <param name="pseudoDerivative">psi_j: how near j's potential is to its threshold (postsynaptic).</param>
    /// <param name="presynapticTraces">eps_i: each presynaptic neuron's spikes filtered with the membrane's decay.</param>
    public static void Eligibility(Span<float> eligibility, float kappa, float pseudoDerivative, ReadOnlySpan<float> presynapticTraces)
    {
        // ebar = ebar x kappa + eps x psi, in one pass.
        TensorPrimitives.Multiply(eligibility, kappa, eligibility);
        if (pseudoDerivative != 0)
        {
            TensorPrimitives.MultiplyAdd(presynapticTraces, pseudoDerivative, eligibility, eligibility);
        }
    }

    /// <summary>
    /// e-prop's weight change of the synapses onto neuron j: dW_ji = -eta L_j ebar_ji, where
    /// L_j is j's learning signal (the broadcast output error through j's own fixed random
    /// feedback weights, <see cref="LearningSignal"/>).
    /// </summary>
    public static void EProp(Span<float> weights, ReadOnlySpan<float> eligibility, float learningSignal, float rate)
    {
        float step = -rate * learningSignal;
        if (step != 0)
        {
            TensorPrimitives.MultiplyAdd(eligibility, step, weights, weights);
        }
    }

    /// <summary>
    /// Neuron j's learning signal: the output error broadcast to every neuron, weighted by j's
    /// own fixed random feedback weights (random feedback alignment: not the transposed output
    /// weights, which j could not know).
    /// </summary>
    public static float LearningSignal(ReadOnlySpan<float> feedback, ReadOnlySpan<float> broadcastError) => TensorPrimitives.Dot(feedback, broadcastError);

    /// <summary>
    /// The delta rule onto an output (readout) neuron k: dW_kj = -eta E_k f_j, where E_k is k's
    /// own error (its value minus the cued target) and f_j each presynaptic neuron's trace.
    /// </summary>
    public static void Delta(Span<float> weights, ReadOnlySpan<float> presynapticTraces, float ownError, float rate)
    {
        float step = -rate * ownError;
        if (step != 0)
        {
            TensorPrimitives.MultiplyAdd(presynapticTraces, step, weights, weights);
        }
    }
}
