using Neurolink.Mass.Gpu;
using Xunit.Abstractions;

namespace Neurolink.Learning.Tests;

/// <summary>The learning mass's GPU kernels (run on ILGPU's CPU accelerator) against the CPU network.</summary>
public sealed class GpuEPropNetworkTests(ITestOutputHelper output)
{
    private static readonly EPropOptions s_small = new() { Hidden = 32, Seed = 4, InputWeightScale = 3 };

    [Theory]
    [InlineData(GpuTarget.CpuAccelerator)]
    [InlineData(GpuTarget.Cuda)]
    public void The_gpu_kernels_step_and_learn_as_the_cpu_network_does(GpuTarget target)
    {
        if (target == GpuTarget.Cuda && GpuMass.CudaDevices().Count == 0)
        {
            output.WriteLine("no CUDA device here: this case runs where one is (bench/gpu.sh runs it there)");
            return;
        }

        const int inputs = 24, steps = 1500;
        var cpu = new EPropNetwork(inputs, 2, s_small);
        using var gpu = new GpuEPropNetwork(inputs, 2, s_small, target);
        Assert.StartsWith(target == GpuTarget.Cuda ? "cuda" : "ilgpu-cpu", gpu.Backend, StringComparison.Ordinal);

        var rng = new Random(11);
        var input = new float[inputs];
        var error = new float[2];
        double worst = 0;
        long cpuSpikes = 0, gpuSpikes = 0;
        for (int step = 0; step < steps; step++)
        {
            for (int i = 0; i < inputs; i++)
            {
                input[i] = rng.NextDouble() < 0.05 * (1 + (i % 3)) ? 1 : 0;
            }

            cpu.Step(input);
            gpu.Step(input);
            cpuSpikes += cpu.HiddenSpikes;
            gpuSpikes += gpu.HiddenSpikes;
            for (int k = 0; k < 2; k++)
            {
                worst = Math.Max(worst, Math.Abs(cpu.Output[k] - gpu.Output[k]) / (1 + Math.Abs(cpu.Output[k])));
            }

            // Both learn from the CPU's error towards one target, so a difference cannot feed itself through the teacher.
            error[0] = cpu.Output[0] - MathF.Sin(step / 200f);
            error[1] = cpu.Output[1] - MathF.Cos(step / 300f);
            cpu.Learn(error);
            gpu.Learn(error);
        }

        output.WriteLine($"{gpu.Backend}: worst output difference {worst:E2} (relative); hidden spikes cpu {cpuSpikes}, gpu {gpuSpikes}");
        Assert.True(cpuSpikes > steps, $"the hidden neurons fired {cpuSpikes} times in {steps} steps: too quiet for the recurrent path to be checked");
        if (target == GpuTarget.Cuda)
        {
            // CUDA may also fuse a multiply and an add and rounds exp differently: a threshold
            // crossing can go the other way, after which the two runs are different samples.
            Assert.True(Math.Abs(cpuSpikes - gpuSpikes) <= 0.02 * cpuSpikes, $"hidden spikes: cpu {cpuSpikes}, gpu {gpuSpikes}");
            Assert.True(worst < 0.05, $"the outputs differ by up to {worst:E2} of their size");
            return;
        }

        // Sums over synapses run in another order on the device: the last bits of a potential differ,
        // never a spike here, and the outputs agree to float rounding.
        Assert.Equal(cpuSpikes, gpuSpikes);
        Assert.True(worst < 1e-4, $"the outputs differ by up to {worst:E2} of their size");

        // The snapshot is the device's whole state in the CPU layout: weights the CPU learnt too, and it steps on as the CPU does.
        EPropNetwork copy = gpu.Snapshot();
        AssertClose(cpu.InputWeights.ToArray(), copy.InputWeights.ToArray(), 1e-4);
        AssertClose(cpu.OutputWeights.ToArray(), copy.OutputWeights.ToArray(), 1e-4);
        Assert.Equal(cpu.Steps, copy.Steps);
        for (int step = 0; step < 200; step++)
        {
            Array.Fill(input, step % 7 == 0 ? 1f : 0f);
            cpu.Step(input);
            copy.Step(input);
            Assert.Equal(cpu.HiddenSpikes, copy.HiddenSpikes);
            Assert.Equal(cpu.Output[0], copy.Output[0], 1e-3);
        }
    }

    [Fact]
    public void A_mass_that_is_not_plastic_refuses_to_learn_and_wrong_sizes_are_refused()
    {
        using var gpu = new GpuEPropNetwork(4, 2, new EPropOptions { Hidden = 8 }, GpuTarget.CpuAccelerator);
        Assert.Throws<ArgumentException>(() => gpu.Step(new float[5]));
        gpu.Step(new float[4]);
        Assert.Throws<ArgumentException>(() => gpu.Learn(new float[3]));
        gpu.Plastic = false;
        var e = Assert.Throws<InvalidOperationException>(() => gpu.Learn(new float[2]));
        Assert.Contains("cannot learn", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_decoding_task_on_the_gpu_kernels_scores_as_on_the_cpu()
    {
        var settings = new DecodeOptions
        {
            Device = "emu://?channels=32&clock=virtual", Seconds = 6, TestSeconds = 3, Seed = 2,
            Network = new EPropOptions { Hidden = 32 },
        };
        DecodeResult cpu = new DecodeTask(settings).Run();
        DecodeResult gpu = new DecodeTask(settings with { Backend = "ilgpu-cpu" }).Run();
        output.WriteLine($"cpu R^2 {cpu.FinalR2}, curve {string.Join(' ', cpu.Curve.Select(p => p.Value))}; {gpu.Backend}: R^2 {gpu.FinalR2}, curve {string.Join(' ', gpu.Curve.Select(p => p.Value))}, {gpu.WallSeconds} s");

        Assert.Equal("cpu", cpu.Backend);
        Assert.StartsWith("ilgpu-cpu", gpu.Backend, StringComparison.Ordinal);
        Assert.Equal(0, gpu.LostFrames);
        Assert.Equal(cpu.LsqR2, gpu.LsqR2); // the same frames reached both
        Assert.Equal(cpu.Curve.Count, gpu.Curve.Count);
        for (int k = 0; k < cpu.Curve.Count; k++)
        {
            Assert.Equal(cpu.Curve[k].Value, gpu.Curve[k].Value, 0.002);
        }

        Assert.Equal(cpu.HiddenRateHz, gpu.HiddenRateHz, 0.5);
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / (1 + Math.Abs(expected[i])));
        }

        Assert.True(worst < tolerance, $"weights differ by up to {worst:E2}");
    }
}
