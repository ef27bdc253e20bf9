using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Neurolink.Device.Acquisition;
using Neurolink.Emulator;
using Neurolink.Mass;

namespace Neurolink.Host.Tests;

/// <summary>The loop engine and the run in process, against the emulator: faults, reconnects, shutdown order.</summary>
[Collection("closed loop")]
public class ClosedLoopTests
{
    [Fact]
    public void A_disconnect_mid_run_is_survived_counted_and_stimulation_is_armed_again()
    {
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=256&faults=disconnect-after:1500", Neurons = 2000, StatusIntervalMs = 0 });
        runner.Start();
        Wait(() => runner.Session!.Counters.Reconnects >= 1 && runner.Loop!.Counters.Frames > 2500, TimeSpan.FromSeconds(30));
        runner.Stop();
        LoopSummary s = runner.Summary();
        Assert.Null(s.Fault);
        Assert.True(s.LinkDowns >= 1 && s.Reconnects >= 1, $"link downs {s.LinkDowns}, reconnects {s.Reconnects}");
        Assert.True(s.Frames > 2500, $"{s.Frames} frames");

        // After the reconnect the device was configured again: stimulation enabled, programs armed, triggers acknowledged.
        ControlEvent[] control = runner.Emulator!.Truth.Control();
        int secondStart = Array.FindIndex(control, Array.FindIndex(control, e => e.Command == "START") + 1, e => e.Command == "START");
        Assert.True(secondStart > 0, "acquisition was not started again after the disconnect");
        Assert.Contains(control[secondStart..], e => e.Command == "STIM_TRIGGER");
        Assert.True(control[..secondStart].Count(e => e.Command == "STIM_ARM") == 32 && runner.ArmProblems.Count == 0, "the programs were not armed again: " + string.Join(", ", control.Where(e => e.Command != "STIM_TRIGGER").Select(e => e.Command)) + " problems: " + string.Join("; ", runner.ArmProblems));
        EndToEndTests.AssertDisarmedBeforeStop(runner.Emulator.Truth);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_fault_in_the_loop_stops_stimulation_at_once_while_acquisition_goes_on(bool onReaderThread)
    {
        var (emulator, connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions { Channels = 256, Clock = EmulatorClock.Paced });
        using (emulator)
        using (connector)
        using (var session = new AcquisitionSession(_ => connector.Connect("emu://?channels=256"), new AcquisitionOptions { Streams = Protocol.Payloads.StreamMask.Counts }))
        {
            session.Start();
            CompiledNetwork net = NetworkBuilder.Build(LoopNetwork.Default(256, 1500));
            using var mass = new FailingMass(new CpuMass(net, 1), failAtStep: 1500);
            using var loop = new ClosedLoop(session.Ring, mass, () => session.Driver, new ClosedLoopOptions { OnReaderThread = onReaderThread });
            Exception? raised = null;
            loop.Faulted += e => raised = e;
            loop.Configure(session.Driver!, session.SampleRateHz);
            loop.Start();
            if (onReaderThread)
            {
                session.AfterFrames = loop.Drain; // the disarm must not wait on the reader thread it runs on
            }

            Wait(() => loop.Fault is not null, TimeSpan.FromSeconds(30));
            Assert.IsType<InvalidOperationException>(loop.Fault);
            Assert.Same(loop.Fault, raised);

            // The loop disarmed on its own, after its last trigger, and acquisition was not stopped.
            ControlEvent[] control = emulator.Truth.Control();
            int disarm = Array.FindLastIndex(control, e => e.Command == "STIM_DISARM");
            Assert.True(disarm > Array.FindLastIndex(control, e => e.Command == "STIM_TRIGGER"), string.Join(", ", control.TakeLast(8)));
            Assert.DoesNotContain(control, e => e.Command == "STOP");
            Assert.Equal(LinkState.Acquiring, session.State);
            long frames = session.Counters.Frames;
            Wait(() => session.Counters.Frames > frames + 100, TimeSpan.FromSeconds(10));
            session.Stop();
        }
    }

    [Fact]
    public void Stopping_stimulation_means_no_trigger_is_sent_after_it()
    {
        long commands = 0; // trigger commands handed to the transport
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=256", Neurons = 2000, StatusIntervalMs = 0 })
        {
            OnTrigger = (_, _) => Interlocked.Increment(ref commands),
        };
        runner.Start();
        Wait(() => runner.Loop!.Counters.StimSent > 20, TimeSpan.FromSeconds(30));
        runner.Loop!.StopStimulation();
        long sent = runner.Loop.Counters.StimSent;
        long handedOver = Interlocked.Read(ref commands); // some may still be on the link: the device counts them later
        Thread.Sleep(500);
        Assert.Equal(sent, runner.Loop.Counters.StimSent);
        Assert.True(runner.Loop.Counters.Frames > 0);
        runner.Stop();
        Assert.True(runner.Emulator!.Truth.Control().Count(e => e.Command == "STIM_TRIGGER") <= handedOver, "triggers reached the device after stimulation was stopped");
    }

    [Theory]
    [InlineData("reader")]
    [InlineData("own")]
    public void The_loop_allocates_nothing_per_frame_once_running(string thread)
    {
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=256", Neurons = 2000, StatusIntervalMs = 0, LoopThread = thread });
        runner.Start();
        ClosedLoop loop = runner.Loop!;
        Wait(() => loop.Counters.Frames > 500 && loop.Counters.StimSent > 0, TimeSpan.FromSeconds(30));

        // Windows of 500 frames that stimulate: the JIT's tier-up may allocate in the first ones
        // (on the reader thread the driver's too), a per-frame allocation shows in every one.
        long best = long.MaxValue, frames = 0;
        for (int window = 0; window < 10 && best > 0; window++)
        {
            frames = loop.Counters.Frames;
            long sent = loop.Counters.StimSent, before = loop.AllocatedBytes;
            Wait(() => loop.Counters.Frames > frames + 500 && loop.Counters.StimSent > sent + 5, TimeSpan.FromSeconds(30));
            best = Math.Min(best, loop.AllocatedBytes - before);
        }

        runner.Stop();
        Assert.True(best == 0, $"the loop's thread allocated {best} bytes over {loop.Counters.Frames - frames} frames (stimulating included) in its best window");
    }

    [Fact]
    public void A_recorded_run_holds_the_raw_samples_and_every_stimulation_sent()
    {
        string dir = Path.Combine(Path.GetTempPath(), "neurolink-loop-rec-" + Guid.NewGuid().ToString("N"));
        LoopSummary s;
        long stimEvents;
        using (var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=64", Neurons = 1000, StatusIntervalMs = 0, Record = dir }))
        {
            runner.Start();
            Wait(() => runner.Loop!.Counters.StimSent > 20 && runner.Loop.Counters.Frames > 1500, TimeSpan.FromSeconds(30));
            runner.Stop();
            s = runner.Summary();
            stimEvents = runner.Recorder!.StimulationEvents;
        }

        string rec = Path.Combine(dir, Recording.OpenEphysRecorder.RecordingFolder);
        Assert.Equal(rec, s.Recording);
        Assert.True(s.RecordedSamples > 30_000, $"{s.RecordedSamples} samples");
        Assert.Equal(s.RecordedSamples * 64 * 2, new FileInfo(Path.Combine(rec, "continuous", "Neurolink-100.raw", "continuous.dat")).Length);
        Assert.Equal(s.StimSent, stimEvents);
        long npy = new FileInfo(Path.Combine(rec, "events", "Neurolink-100.stimulation", "programs.npy")).Length;
        Assert.Equal(128 + (4 * s.StimSent), npy);
        Assert.Equal(0, s.LostFrames);
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void The_latency_histogram_gives_its_quantiles_within_a_bucket_and_the_exact_maximum()
    {
        var h = new LatencyHistogram();
        Assert.True(double.IsNaN(h.Snapshot().P50));
        for (int i = 1; i <= 1000; i++)
        {
            h.Record(i); // 1 .. 1000 us
        }

        h.Record(123_456.7);
        LatencySummary s = h.Snapshot();
        Assert.Equal(1001, s.Count);
        Assert.InRange(s.P50, 500, 502);
        Assert.InRange(s.P99, 990, 1000);
        Assert.InRange(s.P999, 1000, 1010);
        Assert.Equal(123_456.7, s.Max);
    }

    [Fact]
    public void Every_bad_setting_is_named_with_what_is_allowed()
    {
        Assert.Empty(new NeurolinkOptions().Problems());
        IConfiguration bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Neurolink:Device"] = "ftp://x",
            ["Neurolink:Neurons"] = "50",
            ["Neurolink:DtMs"] = "0.3",
            ["Neurolink:Threads"] = "-1",
            ["Neurolink:Network"] = "/nonexistent/net.json",
            ["Neurolink:Stimulation:PulseCount"] = "10",
            ["Neurolink:Stimulation:PulseRateHz"] = "100",
            ["Neurolink:Stimulation:RefractoryMs"] = "20",
            ["Neurolink:Stimulation:Colour"] = "red",
        }).Build();
        (_, IReadOnlyList<string> problems) = NeurolinkConfig.Read(bad);
        string all = string.Join("\n", problems);
        foreach (string field in (string[])["Neurolink:Device", "Neurolink:DtMs is 0.3", "Neurolink:Threads is -1", "Neurolink:Network", "Neurolink:Stimulation:Colour", "RefractoryMs is 20"])
        {
            Assert.Contains(field, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void In_lockstep_the_tissue_waits_for_the_loop_and_every_pulse_lands_at_the_start_of_the_next_bin()
    {
        var triggers = new List<(ulong Clock, ushort Program)>();
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=64&clock=lockstep", Neurons = 500, StatusIntervalMs = 0 })
        {
            OnTrigger = (clock, programs) =>
            {
                foreach (ushort p in programs)
                {
                    triggers.Add((clock, p));
                }
            },
        };
        runner.Start();
        Wait(() => runner.Loop!.Counters.StimSent > 200, TimeSpan.FromSeconds(60));
        runner.Stop();
        LoopSummary s = runner.Summary();
        Assert.Equal(0, s.LostFrames);
        Assert.Equal(0, runner.Emulator!.Pace!.TimedOut);

        // The device read each trigger before it made the next bin: the pulse's sample is the end of the frame that asked for it.
        DeliveredPulse[] pulses = runner.Emulator.Truth.Pulses();
        Assert.True(pulses.Length >= 150, $"{pulses.Length} pulses of {s.StimSent} sent"); // the last few sent may meet a device that was stopped before its next bin
        var stimulation = new StimulationOptions(); // the defaults the run used
        var asked = triggers.Select(t => (t.Clock, stimulation.Channel(t.Program, 64))).ToHashSet();
        Assert.All(pulses, p => Assert.Contains((p.Sample, p.Channel), asked));
    }

    [Fact]
    public void A_paused_loop_triggers_nothing_counts_the_output_spikes_suppressed_and_resumes()
    {
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=64&clock=lockstep", Neurons = 500, StatusIntervalMs = 0 });
        runner.Start();
        ClosedLoop loop = runner.Loop!;
        Wait(() => loop.Counters.StimSent > 20, TimeSpan.FromSeconds(60));
        loop.StimulationPaused = true;
        Thread.Sleep(50); // the frame being run when it was set may still send
        (long sent, long suppressed, long frames) = (loop.Counters.StimSent, loop.Counters.StimSuppressed, loop.Counters.Frames);
        Wait(() => loop.Counters.Frames > frames + 2000, TimeSpan.FromSeconds(60));
        Assert.Equal(sent, loop.Counters.StimSent);
        Assert.True(loop.Counters.StimSuppressed > suppressed + 20, $"{loop.Counters.StimSuppressed - suppressed} output spikes suppressed while paused");
        loop.StimulationPaused = false;
        Wait(() => loop.Counters.StimSent > sent + 20, TimeSpan.FromSeconds(60));
        runner.Stop();
    }

    [Fact]
    public void A_lockstep_device_without_a_loop_still_moves_on_and_counts_the_waits_it_gave_up()
    {
        var (emulator, connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions { Channels = 16, Clock = EmulatorClock.Lockstep });
        using (emulator)
        using (connector)
        using (var session = new AcquisitionSession(_ => connector.Connect("emu://?channels=16&clock=lockstep"), new AcquisitionOptions { Streams = Protocol.Payloads.StreamMask.Counts }))
        {
            session.Start();
            Wait(() => session.Counters.Frames >= 4, TimeSpan.FromSeconds(30));
            session.Stop();
            Assert.True(emulator.Pace!.TimedOut >= 3, $"{emulator.Pace.TimedOut} bins made without the host");
        }
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

    /// <summary>A mass that fails at a given step, as a bug or a lost GPU would.</summary>
    private sealed class FailingMass(ISimulatedMass inner, long failAtStep) : ISimulatedMass
    {
        public string Backend => inner.Backend;

        public CompiledNetwork Network => inner.Network;

        public long StepCount => inner.StepCount;

        public double Dopamine => inner.Dopamine;

        public void InjectChannelCounts(ReadOnlySpan<byte> counts) => inner.InjectChannelCounts(counts);

        public void Step()
        {
            if (inner.StepCount >= failAtStep)
            {
                throw new InvalidOperationException("the mass failed (a test fault)");
            }

            inner.Step();
        }

        public void Run(long steps)
        {
            for (long i = 0; i < steps; i++)
            {
                Step();
            }
        }

        public void Synchronize() => inner.Synchronize();

        public int CopySpikes(Span<int> destination) => inner.CopySpikes(destination);

        public void CopyV(Span<float> destination) => inner.CopyV(destination);

        public void Reward(double amount) => inner.Reward(amount);

        public float[] CopyWeights(Receptor receptor) => inner.CopyWeights(receptor);

        public void SaveCheckpoint(Stream stream) => inner.SaveCheckpoint(stream);

        public void LoadCheckpoint(Stream stream) => inner.LoadCheckpoint(stream);

        public void Dispose() => inner.Dispose();
    }
}
