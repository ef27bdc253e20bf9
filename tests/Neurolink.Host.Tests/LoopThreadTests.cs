using System.Diagnostics;

namespace Neurolink.Host.Tests;

/// <summary>Where the loop runs its frames: on the reader thread that received them, or on its own thread.</summary>
[Collection("closed loop")]
public class LoopThreadTests
{
    [Theory]
    [InlineData("reader", "neurolink-reader emu://")]
    [InlineData("own", "neurolink-loop")]
    public void Frames_run_on_the_thread_the_setting_names_and_none_is_lost(string setting, string thread)
    {
        var names = new HashSet<string>();
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=256", Neurons = 2000, StatusIntervalMs = 0, LoopThread = setting })
        {
            OnFrame = (ulong _, in Protocol.Payloads.SpikeCounts _) =>
            {
                lock (names)
                {
                    names.Add(Thread.CurrentThread.Name ?? "(unnamed)");
                }
            },
        };
        runner.Start();
        long before = runner.Session!.Counters.Frames; // the loop's ring consumer was added before this: it sees every frame after
        Wait(() => runner.Loop!.Counters.Frames > 1000 && runner.Loop.Counters.StimSent > 10, TimeSpan.FromSeconds(30));
        runner.Stop();
        LoopSummary s = runner.Summary();
        Assert.Null(s.Fault);
        Assert.Equal(setting, s.LoopThread);
        Assert.Equal(0, s.LostFrames);
        lock (names)
        {
            Assert.True(names.Count == 1 && names.Single().StartsWith(thread, StringComparison.Ordinal), "frames ran on " + string.Join(", ", names));
        }

        // Every frame the device sent before its STOP answer, from the loop's start, went through the mass.
        long after = runner.Session.Counters.Frames;
        Assert.InRange(s.Frames, after - before, after);
    }

    [Fact]
    public void Arming_again_while_the_loop_sends_from_the_reader_thread_waits_for_no_timeout()
    {
        // Configure's requests are answered through the reader thread, which the loop's sends run
        // on: arming must not hold what a send needs across a request.
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=256", Neurons = 2000, StatusIntervalMs = 0, LoopThread = "reader" });
        runner.Start();
        ClosedLoop loop = runner.Loop!;
        Wait(() => loop.Counters.StimSent > 20, TimeSpan.FromSeconds(30));
        for (int i = 0; i < 5; i++)
        {
            IReadOnlyList<string> problems = loop.Configure(runner.Session!.Driver!, runner.Session.SampleRateHz);
            Assert.Empty(problems);
        }

        long sent = loop.Counters.StimSent;
        Wait(() => loop.Counters.StimSent > sent + 10, TimeSpan.FromSeconds(30));
        runner.Stop();
        Assert.Null(runner.Summary().Fault);
    }

    [Fact]
    public void The_loop_thread_setting_is_reader_or_own_and_polling_goes_with_own()
    {
        Assert.Equal("reader", new NeurolinkOptions().LoopThread);
        Assert.True(new NeurolinkOptions().LoopOnReaderThread);
        Assert.False(new NeurolinkOptions { LoopThread = " Own " }.LoopOnReaderThread);
        Assert.Empty(new NeurolinkOptions { LoopThread = " Own ", PollMicroseconds = 50 }.Problems());
        Assert.Contains(new NeurolinkOptions { LoopThread = "sideways" }.Problems(), p => p.Contains("Neurolink:LoopThread is 'sideways': give reader", StringComparison.Ordinal));
        Assert.Contains(new NeurolinkOptions { PollMicroseconds = 50 }.Problems(), p => p.Contains("Neurolink:PollMicroseconds is 50 with LoopThread reader", StringComparison.Ordinal));
    }

    [Fact]
    public void Drain_is_for_a_loop_on_the_reader_thread_only()
    {
        using var ring = new Device.Acquisition.FrameRing(new Device.Acquisition.FrameRingOptions { CapacityBytes = 4 << 20 });
        using var mass = new Mass.CpuMass(Mass.NetworkBuilder.Build(LoopNetwork.Default(16, 200)), 1);
        using var loop = new ClosedLoop(ring, mass, () => null);
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(loop.Drain);
        Assert.Contains("OnReaderThread", e.Message, StringComparison.Ordinal);
    }

    private static void Wait(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.Elapsed < timeout, $"not within {timeout.TotalSeconds} s");
            Thread.Sleep(20);
        }
    }
}
