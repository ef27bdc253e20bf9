using Neurolink.Device;

namespace Neurolink.Host.Tests;

public class LoopCpuTests
{
    [Fact]
    public void Loop_cpu_accepts_auto_off_or_a_cpu_this_process_may_use_and_names_the_problem_otherwise()
    {
        Assert.Equal("off", new NeurolinkOptions().LoopCpu); // a program's own loops are left alone unless it asks
        Assert.Equal("auto", NeurolinkOptions.CommandLoopCpu);
        Assert.Empty(new NeurolinkOptions { LoopCpu = "off" }.Problems());
        Assert.Equal(-1, new NeurolinkOptions { LoopCpu = "off" }.ResolveLoopCpu());
        Assert.Empty(new NeurolinkOptions { LoopCpu = " Auto " }.Problems());
        Assert.Contains(new NeurolinkOptions { LoopCpu = "fast" }.Problems(), p => p.Contains("Neurolink:LoopCpu is 'fast': give auto", StringComparison.Ordinal));
        Assert.Contains(new NeurolinkOptions { LoopCpu = "-1" }.Problems(), p => p.Contains("Neurolink:LoopCpu is '-1'", StringComparison.Ordinal));
        IReadOnlyList<int> allowed = ThreadPinning.AllowedCpus();
        if (allowed.Count > 0)
        {
            Assert.Empty(new NeurolinkOptions { LoopCpu = allowed[0].ToString(System.Globalization.CultureInfo.InvariantCulture) }.Problems());
            int missing = Enumerable.Range(0, 1024).First(c => !allowed.Contains(c));
            Assert.Contains(new NeurolinkOptions { LoopCpu = $"{missing}" }.Problems(), p => p.Contains($"Neurolink:LoopCpu is {missing}: this process may use CPUs", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_loop_on_a_named_cpu_says_so_and_one_off_says_nothing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int cpu = ThreadPinning.AllowedCpus()[0];
        foreach (string setting in new[] { $"{cpu}", "off" })
        {
            using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=64", Neurons = 500, StatusIntervalMs = 0, LoopCpu = setting });
            runner.Start();
            Thread.Sleep(1000);
            runner.Stop();
            LoopSummary s = runner.Summary();
            Assert.True(s.Frames > 300, $"{s.Frames} frames");
            Assert.Equal(0, s.LostFrames);
            Assert.Null(runner.PinProblem);
            Assert.Equal(setting == "off" ? null : cpu, s.LoopCpu);
        }
    }
}
