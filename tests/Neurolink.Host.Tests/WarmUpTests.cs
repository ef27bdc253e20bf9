using Neurolink.Mass;
using Neurolink.Mass.Gpu;

namespace Neurolink.Host.Tests;

/// <summary>The loop pays its one-off costs before the first frame, and that changes nothing of the run.</summary>
[Collection("closed loop")]
public class WarmUpTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public void A_warmed_up_mass_steps_exactly_as_one_that_was_not(string backend)
    {
        CompiledNetwork net = NetworkBuilder.Build(LoopNetwork.Default(64, 400, seed: 3));
        using ISimulatedMass warmed = Create(net, backend), cold = Create(net, backend);
        LoopRunner.WarmUp(warmed, 64);
        Assert.Equal(0, warmed.StepCount);

        var counts = new byte[64];
        var rng = new Random(9);
        int[] a = new int[net.NeuronCount], b = new int[net.NeuronCount];
        int spikes = 0;
        for (int step = 0; step < 300; step++)
        {
            rng.NextBytes(counts);
            for (int c = 0; c < counts.Length; c++)
            {
                counts[c] = (byte)(counts[c] % 3);
            }

            warmed.InjectChannelCounts(counts);
            cold.InjectChannelCounts(counts);
            warmed.Step();
            cold.Step();
            int n = warmed.CopySpikes(a);
            Assert.Equal(n, cold.CopySpikes(b));
            Assert.Equal(b.AsSpan(0, n).ToArray(), a.AsSpan(0, n).ToArray());
            spikes += n;
        }

        Assert.True(spikes > 100, $"{spikes} spikes in 300 steps: too quiet to compare");
    }

    [Fact]
    public void The_summary_says_how_long_the_warm_up_took_and_which_frame_was_slowest()
    {
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=64", Neurons = 500, StatusIntervalMs = 0 });
        runner.Start();
        Thread.Sleep(1500);
        runner.Stop();
        LoopSummary s = runner.Summary();
        Assert.True(s.WarmUpMs > 0, $"warm-up {s.WarmUpMs} ms");
        Assert.InRange(s.LatencyMaxFrame!.Value, 0, s.Frames - 1);
        Assert.InRange(s.ComputeMaxFrame!.Value, 0, s.Frames - 1);
    }

    private static ISimulatedMass Create(CompiledNetwork net, string backend) =>
        backend == "cpu" ? new CpuMass(net, 1) : new GpuMass(net, GpuTarget.CpuAccelerator);
}
