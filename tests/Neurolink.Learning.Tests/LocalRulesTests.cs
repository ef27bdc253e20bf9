namespace Neurolink.Learning.Tests;

public sealed class LocalRulesTests
{
    [Fact]
    public void The_eligibility_trace_decays_with_the_readout_and_adds_psi_times_each_presynaptic_trace()
    {
        float[] e = [1f, -2f, 0.5f];
        LocalRules.Eligibility(e, kappa: 0.9f, pseudoDerivative: 0.3f, presynapticTraces: [2f, 0f, -1f]);
        Assert.Equal([(0.9f * 1) + (0.3f * 2), 0.9f * -2, (0.9f * 0.5f) - 0.3f], e, (a, b) => Math.Abs(a - b) < 1e-6);

        // Far from threshold (psi = 0) the trace only decays.
        LocalRules.Eligibility(e, 0.5f, 0f, [100f, 100f, 100f]);
        Assert.Equal([0.5f * 1.5f, 0.5f * -1.8f, 0.5f * 0.15f], e, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void E_prop_moves_each_weight_against_the_learning_signal_times_its_eligibility()
    {
        float[] w = [1f, 1f, 1f];
        LocalRules.EProp(w, eligibility: [0f, 2f, -1f], learningSignal: 0.5f, rate: 0.1f);
        Assert.Equal([1f, 1f - 0.1f, 1f + 0.05f], w, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void The_delta_rule_moves_an_output_weight_against_its_own_error_times_the_presynaptic_trace()
    {
        float[] w = [0f, 0f];
        LocalRules.Delta(w, presynapticTraces: [1f, -3f], ownError: 2f, rate: 0.01f);
        Assert.Equal([-0.02f, 0.06f], w, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void The_learning_signal_is_the_broadcast_error_through_the_neurons_own_feedback_weights()
    {
        Assert.Equal((0.5f * 2) + (-1f * 3), LocalRules.LearningSignal([0.5f, -1f], [2f, 3f]), 6);
    }

    [Fact]
    public void Hidden_neurons_learn_without_backpropagation_what_the_output_weights_are_changes_nothing_they_learn()
    {
        // Backpropagation would send each hidden neuron the error through the output weights
        // (W_out^T E); e-prop with random feedback sends it through fixed random weights. Two
        // copies that differ only in their output weights must make the same hidden changes.
        var a = new EPropNetwork(inputs: 12, outputs: 2, new EPropOptions { Hidden = 16, Seed = 3, InputWeightScale = 3 });
        EPropNetwork b = a.Clone();
        Span<float> outputs = b.OutputWeights;
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i] = (i % 3) - 1.5f;
        }

        var rng = new Random(5);
        var input = new float[12];
        float[] before = a.InputWeights.ToArray();
        for (int step = 0; step < 300; step++)
        {
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = rng.NextDouble() < 0.2 ? 1 : 0;
            }

            a.Step(input);
            b.Step(input);
            float[] error = [(float)Math.Sin(step / 20.0), (float)Math.Cos(step / 30.0)];
            a.Learn(error);
            b.Learn(error);
        }

        Assert.NotEqual(before, a.InputWeights.ToArray()); // they did learn
        Assert.Equal(a.InputWeights.ToArray(), b.InputWeights.ToArray());
        Assert.NotEqual(a.Output.ToArray(), b.Output.ToArray());
    }

    [Fact]
    public void Invalid_settings_are_refused_with_every_problem_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new EPropNetwork(4, 2, new EPropOptions { Hidden = -1, MembraneTauMs = 0, ReadoutRate = double.NaN }));
        Assert.Contains("Hidden=-1", e.Message, StringComparison.Ordinal);
        Assert.Contains("MembraneTauMs=0", e.Message, StringComparison.Ordinal);
        Assert.Contains("ReadoutRate=NaN", e.Message, StringComparison.Ordinal);
    }
}
