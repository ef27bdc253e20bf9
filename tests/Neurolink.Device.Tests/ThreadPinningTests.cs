namespace Neurolink.Device.Tests;

public class ThreadPinningTests
{
    [Fact]
    public void A_pinned_thread_runs_on_its_cpu_and_a_cpu_the_process_may_not_use_is_refused()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.NotNull(ThreadPinning.TryPin(0));
            Assert.Equal(-1, ThreadPinning.DefaultCpu());
            return;
        }

        IReadOnlyList<int> allowed = ThreadPinning.AllowedCpus();
        Assert.NotEmpty(allowed);
        Assert.Equal(Environment.ProcessorCount, allowed.Count);
        Assert.Equal(allowed.Count >= 2 ? allowed[^1] : -1, ThreadPinning.DefaultCpu());
        foreach (int cpu in allowed)
        {
            string? problem = "not run";
            var seen = new HashSet<int>();
            var thread = new Thread(() =>
            {
                problem = ThreadPinning.TryPin(cpu);
                for (int i = 0; i < 200; i++)
                {
                    seen.Add(Thread.GetCurrentProcessorId());
                    Thread.Yield();
                }
            });
            thread.Start();
            thread.Join();
            Assert.Null(problem);
            Assert.Equal([cpu], seen);
        }

        int missing = Enumerable.Range(0, 1024).First(c => !allowed.Contains(c));
        string? refused = null;
        var other = new Thread(() => refused = ThreadPinning.TryPin(missing));
        other.Start();
        other.Join();
        Assert.Contains($"CPU {missing} is not one this process may use", refused, StringComparison.Ordinal);
        Assert.Contains("CPU 5000 does not exist", ThreadPinning.TryPin(5000), StringComparison.Ordinal);
    }
}
