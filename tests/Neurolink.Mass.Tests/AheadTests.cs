namespace Neurolink.Mass.Tests;

public class AheadTests
{
    /// <summary>CUBA with delays, driven by 96 channels into two separate ranges (some excitatory and some inhibitory neurons).</summary>
    private static CompiledNetwork Network() => NetworkBuilder.Build(Models.Cuba(3000, 11) with
    {
        Projections = [.. Models.Cuba(3000, 11).Projections.Select(p => p with { DelayMs = 0.2 })],
        Inputs = [new InputSpec("exc", 0, 64, "one_to_one", 30), new InputSpec("inh", 64, 32, "one_to_one", 30)],
    });

    [Fact]
    public void A_step_prepared_ahead_gives_exactly_the_step_done_at_once()
    {
        CompiledNetwork net = Network();
        DrivenRun atOnce = DrivenRun.Of(net, 1, 2000, seed: 3);
        DrivenRun ahead = DrivenRun.Of(net, 1, 2000, prepare: true, seed: 3);
        Assert.Equal(2000, ahead.Prepared);
        Assert.True(atOnce.Spikes.Sum(s => s.Length) > 2000);
        Assert.Contains(atOnce.Spikes, s => s.Any(i => i < 64) && s.Any(i => i >= 64)); // driven and undriven spikes in one step, merged
        Assert.Equal(atOnce.Spikes.SelectMany(x => x), ahead.Spikes.SelectMany(x => x));
        Assert.Equal(atOnce.V, ahead.V);
        Assert.Equal(atOnce.Checkpoint, ahead.Checkpoint);
    }

    [Fact]
    public void Between_a_preparation_and_its_step_reads_of_the_state_are_refused_and_a_checkpoint_load_replaces_it()
    {
        CompiledNetwork net = Network();
        using var mass = new CpuMass(net, 1);
        mass.Run(20);
        using var checkpoint = new MemoryStream();
        mass.SaveCheckpoint(checkpoint);
        Assert.True(mass.PrepareNextStep());
        Assert.True(mass.PrepareNextStep()); // twice: the work is done once

        var e = Assert.Throws<InvalidOperationException>(() => mass.CopyV(new float[net.NeuronCount]));
        Assert.Contains("Call Step first", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => mass.SaveCheckpoint(new MemoryStream()));

        checkpoint.Position = 0;
        mass.LoadCheckpoint(checkpoint);
        mass.CopyV(new float[net.NeuronCount]); // the loaded state is whole again
        using var again = new MemoryStream();
        mass.SaveCheckpoint(again);
        Assert.Equal(checkpoint.ToArray(), again.ToArray());
    }

    [Fact]
    public void Several_threads_or_plasticity_prepare_nothing()
    {
        using var threads = new CpuMass(Network(), 2);
        Assert.False(threads.PrepareNextStep());
        threads.CopyV(new float[threads.Network.NeuronCount]);

        using var plastic = new CpuMass(NetworkBuilder.Build(Experiments.DistalReward.Network(1)), 1);
        Assert.False(plastic.PrepareNextStep());
    }
}
