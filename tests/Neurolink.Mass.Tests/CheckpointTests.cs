using Neurolink.Mass.Experiments;

namespace Neurolink.Mass.Tests;

/// <summary>Checkpoint and restore: a restored run continues exactly, plastic weights and all.</summary>
public class CheckpointTests
{
    private static (List<int> Spikes, float[] Weights) Continue(CpuMass mass, int steps, int rewardEvery)
    {
        var spikes = new List<int>();
        var buffer = new int[mass.Network.NeuronCount];
        var counts = new byte[mass.Network.NeuronCount];
        for (int s = 0; s < steps; s++)
        {
            // A deterministic drive and rewards, so both runs get the same input.
            counts[(int)(mass.StepCount * 7919 % 1000)] = 1;
            mass.InjectChannelCounts(counts);
            Array.Clear(counts);
            if (mass.StepCount % rewardEvery == 0)
            {
                mass.Reward(0.5);
            }

            mass.Step();
            int n = mass.CopySpikes(buffer);
            spikes.AddRange(buffer.AsSpan(0, n).ToArray().Select(i => (int)((mass.StepCount << 10) + i)));
        }

        return (spikes, mass.Weights(Receptor.Excitatory).ToArray());
    }

    [Fact]
    public void A_restored_run_continues_exactly_on_any_number_of_threads()
    {
        // Izhikevich neurons, delays, reward-modulated plasticity and dopamine: every kind of state.
        CompiledNetwork net = NetworkBuilder.Build(DistalReward.Network(3));
        using var original = new CpuMass(net, 1);
        Continue(original, 4000, 1500);
        using var checkpoint = new MemoryStream();
        original.SaveCheckpoint(checkpoint);
        var (spikesA, weightsA) = Continue(original, 4000, 1500);

        using var restored = new CpuMass(net, 2);
        checkpoint.Position = 0;
        restored.LoadCheckpoint(checkpoint);
        var (spikesB, weightsB) = Continue(restored, 4000, 1500);

        Assert.True(spikesA.Count > 100);
        Assert.Equal(spikesA, spikesB);
        Assert.Equal(weightsA, weightsB);
        Assert.NotEqual(net.Excitatory.Weight, weightsA);
    }

    [Fact]
    public void A_checkpoint_of_another_network_or_a_truncated_one_is_refused_and_changes_nothing()
    {
        using var a = new CpuMass(NetworkBuilder.Build(Models.Cuba(500, 1)), 1);
        a.Run(100);
        using var saved = new MemoryStream();
        a.SaveCheckpoint(saved);

        using var other = new CpuMass(NetworkBuilder.Build(Models.Cuba(600, 1)), 1);
        saved.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(saved));
        Assert.Contains("another network", e.Message, StringComparison.Ordinal);

        using var same = new CpuMass(NetworkBuilder.Build(Models.Cuba(500, 1)), 1);
        float[] before = same.V.ToArray();
        using var truncated = new MemoryStream(saved.ToArray()[..1000]);
        e = Assert.Throws<InvalidDataException>(() => same.LoadCheckpoint(truncated));
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, same.V.ToArray());
        Assert.Equal(0, same.StepCount);

        // A checkpoint of the first format (currents stored as they were, not in their frame) is
        // named as such, not read as currents it does not hold.
        byte[] old = saved.ToArray();
        "NLMASS01"u8.CopyTo(old);
        e = Assert.Throws<InvalidDataException>(() => same.LoadCheckpoint(new MemoryStream(old)));
        Assert.Contains("earlier version of Neurolink (NLMASS01)", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, same.StepCount);
    }
}
