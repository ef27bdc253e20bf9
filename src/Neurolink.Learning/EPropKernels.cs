using ILGPU;
using ILGPU.Algorithms;

namespace Neurolink.Learning;

/// <summary>The learning mass's state on the device. Synapses onto hidden neuron j are row j over [inputs | hidden].</summary>
internal struct EPropViews
{
    public ArrayView<float> Input;       // [in]: this step's spikes of the input neurons
    public ArrayView<float> Eps;         // [in + hidden]: presynaptic traces with the membrane's decay
    public ArrayView<float> W;           // [hidden][in + hidden]: input and recurrent synapses
    public ArrayView<float> Eligibility; // [hidden][in + hidden]
    public ArrayView<float> Feedback;    // [hidden][out]: fixed random feedback weights
    public ArrayView<float> V, Psi, Thresholds; // [hidden]
    public ArrayView<float> Z;           // [2][hidden]: spikes of alternate steps (the last step's and this one's)
    public ArrayView<float> Trace, Mean, MeanSquare, Feature; // [in + hidden]: what the output synapses see
    public ArrayView<float> WOut;        // [out][in + hidden]
    public ArrayView<float> Bias;        // [out]
    public ArrayView<float> Error;       // [out]: the broadcast output error of a learning step
    public ArrayView<float> Readback;    // [out + 1]: the outputs, then the step's hidden spikes
}

/// <summary>Constants of one step (the CPU network's fields, and this step's terms).</summary>
internal struct EPropArgs
{
    public int In, Hidden, Out, Features;
    public int Lanes;                    // threads launched: each thread takes every Lanes-th item (grid-stride)
    public int Previous, Current;        // offsets of the last step's and this step's spikes in Z
    public int ReadoutFromInputs;
    public float Alpha, Kappa, Threshold, Damping, Homeostasis, TargetPerStep;
    public float StatDecay, Correction;  // the running statistics' decay and start-up correction
    public float ReadoutRate, HiddenRate, BiasRate;
}

/// <summary>
/// <see cref="EPropNetwork"/>'s step and learning as kernels, one thread per neuron or per
/// synapse, in the CPU network's order and arithmetic. The two learning kernels are
/// <see cref="LocalRules"/> written per synapse: a thread reads its synapse's eligibility (or
/// the presynaptic trace), its postsynaptic neuron's own feedback weights, and the broadcast
/// error, and nothing else.
/// </summary>
internal static class EPropKernels
{
    // Every kernel runs over its items grid-stride (EPropArgs.Lanes threads): the CPU accelerator
    // then pays for a few threads a launch, not one per synapse; CUDA is launched with a thread per item up to its limit.

    /// <summary>Presynaptic traces (thread per presynaptic neuron): the inputs' with this step's spikes, the hidden ones' with the last step's.</summary>
    public static void Presynaptic(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int i = thread; i < a.Features; i += a.Lanes)
        {
            PresynapticOne(i, m, a);
        }
    }

    private static void PresynapticOne(int i, EPropViews m, EPropArgs a)
    {
        float spike = i < a.In ? m.Input[i] : m.Z[a.Previous + i - a.In];
        m.Eps[i] = (m.Eps[i] * a.Alpha) + spike;
        if (i == 0)
        {
            m.Readback[a.Out] = 0; // the hidden spike count of this step
        }
    }

    /// <summary>Hidden LIF neurons (thread per neuron), reset by subtraction, with their pseudo-derivative and intrinsic homeostasis.</summary>
    public static void Hidden(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int j = thread; j < a.Hidden; j += a.Lanes)
        {
            HiddenOne(j, m, a);
        }
    }

    private static void HiddenOne(int j, EPropViews m, EPropArgs a)
    {
        long row = (long)j * a.Features;
        float fromInputs = 0, fromHidden = 0;
        for (int i = 0; i < a.In; i++)
        {
            fromInputs += m.W[row + i] * m.Input[i];
        }

        for (int h = 0; h < a.Hidden; h++)
        {
            fromHidden += m.W[row + a.In + h] * m.Z[a.Previous + h];
        }

        float threshold = m.Thresholds[j];
        float v = (a.Alpha * m.V[j]) + (fromInputs + fromHidden) - (m.Z[a.Previous + j] * threshold);
        m.V[j] = v;
        float z = v > threshold ? 1f : 0f;
        m.Z[a.Current + j] = z;
        if (z > 0)
        {
            Atomic.Add(ref m.Readback[a.Out], 1f);
        }

        m.Psi[j] = a.Damping / threshold * XMath.Max(0f, 1f - XMath.Abs((v - threshold) / threshold));
        m.Thresholds[j] = XMath.Max(0.1f * a.Threshold, threshold + (a.Homeostasis * (z - a.TargetPerStep)));
    }

    /// <summary>Readout traces and their standardisation (thread per presynaptic neuron of the output synapses).</summary>
    public static void Features(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int i = thread; i < a.Features; i += a.Lanes)
        {
            FeaturesOne(i, m, a);
        }
    }

    private static void FeaturesOne(int i, EPropViews m, EPropArgs a)
    {
        float spike = i < a.In ? m.Input[i] : m.Z[a.Current + i - a.In];
        float t = (m.Trace[i] * a.Kappa) + spike;
        m.Trace[i] = t;
        float d = a.StatDecay, w = 1 - d;
        float mean = (d * m.Mean[i]) + (w * t);
        float square = (d * m.MeanSquare[i]) + (w * t * t);
        m.Mean[i] = mean;
        m.MeanSquare[i] = square;
        float corrected = mean * a.Correction;
        float variance = XMath.Max(0f, (square * a.Correction) - (corrected * corrected));
        m.Feature[i] = a.ReadoutFromInputs == 0 && i < a.In ? 0f : (t - corrected) / XMath.Sqrt(variance + 1e-4f);
    }

    /// <summary>Output neurons (thread per output): the weighted standardised traces and the constant.</summary>
    public static void Outputs(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int k = thread; k < a.Out; k += a.Lanes)
        {
            OutputsOne(k, m, a);
        }
    }

    private static void OutputsOne(int k, EPropViews m, EPropArgs a)
    {
        long row = (long)k * a.Features;
        float y = 0;
        for (int i = 0; i < a.Features; i++)
        {
            y += m.WOut[row + i] * m.Feature[i];
        }

        m.Readback[k] = y + m.Bias[k];
    }

    /// <summary>e-prop's eligibility trace (thread per synapse j &lt;- i): ebar = kappa ebar + psi_j eps_i (<see cref="LocalRules.Eligibility"/>).</summary>
    public static void Eligibility(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int s = thread; s < a.Hidden * a.Features; s += a.Lanes)
        {
            EligibilityOne(s, m, a);
        }
    }

    private static void EligibilityOne(int s, EPropViews m, EPropArgs a)
    {
        int j = s / a.Features, i = s - (j * a.Features);
        float psi = m.Psi[j];
        float e = m.Eligibility[s] * a.Kappa;
        m.Eligibility[s] = psi != 0 ? (m.Eps[i] * psi) + e : e;
    }

    /// <summary>The delta rule (thread per output synapse k &lt;- i): w -= eta E_k f_i (<see cref="LocalRules.Delta"/>); the constant as a synapse from an always-active neuron.</summary>
    public static void LearnOutputs(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int s = thread; s < a.Out * a.Features; s += a.Lanes)
        {
            LearnOutputsOne(s, m, a);
        }
    }

    private static void LearnOutputsOne(int s, EPropViews m, EPropArgs a)
    {
        int k = s / a.Features, i = s - (k * a.Features);
        float error = m.Error[k];
        float step = -a.ReadoutRate * error;
        if (step != 0)
        {
            m.WOut[s] = (m.Feature[i] * step) + m.WOut[s];
        }

        if (i == 0)
        {
            m.Bias[k] -= a.BiasRate * error;
        }
    }

    /// <summary>e-prop (thread per synapse j &lt;- i): w -= eta L_j ebar_ji, L_j the broadcast error through j's own feedback weights (<see cref="LocalRules.EProp"/>, <see cref="LocalRules.LearningSignal"/>); no autapses.</summary>
    public static void LearnHidden(Index1D thread, EPropViews m, EPropArgs a)
    {
        for (int s = thread; s < a.Hidden * a.Features; s += a.Lanes)
        {
            LearnHiddenOne(s, m, a);
        }
    }

    private static void LearnHiddenOne(int s, EPropViews m, EPropArgs a)
    {
        int j = s / a.Features, i = s - (j * a.Features);
        if (i == a.In + j)
        {
            return; // the autapse stays 0
        }

        float signal = 0;
        for (int k = 0; k < a.Out; k++)
        {
            signal += m.Feedback[(j * a.Out) + k] * m.Error[k];
        }

        float step = -a.HiddenRate * signal;
        if (step != 0)
        {
            m.W[s] = (m.Eligibility[s] * step) + m.W[s];
        }
    }
}
