using Neurolink.Emulator;
using Neurolink.Emulator.Faults;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Device.Tests;

/// <summary>The driver's control path against the emulator, in process, on the emulator's own thread.</summary>
public sealed class HeadstageDriverTests : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    private (HeadstageDriver Driver, HeadstageEmulator Emulator) Open(string faults = "", HeadstageDriverOptions? options = null)
    {
        var (emulator, connector) = HeadstageEmulator.StartInProcess(new EmulatorOptions
        {
            Channels = 64, Tissue = new() { Neurons = 500 }, Faults = FaultPlan.Parse(faults),
        });
        var driver = new HeadstageDriver(connector.Connect(), options);
        _owned.Add(connector);
        _owned.Add(emulator);
        _owned.Insert(0, driver);
        return (driver, emulator);
    }

    public void Dispose()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }

    [Fact]
    public void Connect_negotiates_and_returns_the_capabilities()
    {
        var (driver, _) = Open();
        Capabilities caps = driver.Connect();
        Assert.Equal(64u, caps.ChannelCount);
        Assert.Same(caps, driver.Capabilities);
    }

    [Fact]
    public void Registers_are_written_and_read_back_and_refusals_are_typed()
    {
        var (driver, _) = Open();
        driver.Connect();
        driver.WriteRegister((uint)Register.SpikeBinUs, 2000);
        Assert.Equal(2000u, driver.ReadRegister((uint)Register.SpikeBinUs));
        var refused = Assert.Throws<RegisterRefusedException>(() => driver.WriteRegister((uint)Register.SampleRateHz, 12_345));
        Assert.Equal(RegisterError.OutOfRange, refused.Error);
        Assert.Contains("refused the write of 12345 to register 0x10", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_frames_reach_the_handler_after_start()
    {
        var (driver, _) = Open();
        int counts = 0;
        using var enough = new ManualResetEventSlim();
        driver.DataFrame = (in Frame f, long receivedAt) =>
        {
            if (f.Type == FrameType.SpikeCounts && Interlocked.Increment(ref counts) == 100)
            {
                enough.Set();
            }
        };
        driver.Connect();
        driver.Start(StreamMask.Counts);
        Assert.True(enough.Wait(TimeSpan.FromSeconds(20)), $"only {counts} SPIKE_COUNTS frames arrived");
        driver.Stop();
    }

    [Fact]
    public void Disabled_channels_send_no_data_samples()
    {
        var (driver, _) = Open();
        driver.Connect();
        bool[] enabled = Enumerable.Range(0, 64).Select(c => c % 3 != 0).ToArray();
        driver.ConfigureChannels(enabled);
        short[]? row = null;
        using var got = new ManualResetEventSlim();
        driver.DataFrame = (in Frame f, long receivedAt) =>
        {
            if (row is null && f.Type == FrameType.RawSamples && RawSamples.TryRead(f.Payload, out RawSamples raw, out _))
            {
                row = raw.Samples[..64].ToArray();
                got.Set();
            }
        };
        driver.Start(StreamMask.Raw);
        Assert.True(got.Wait(TimeSpan.FromSeconds(20)));
        driver.Stop();
        for (int c = 0; c < 64; c++)
        {
            Assert.Equal(!enabled[c], row![c] == RawSamples.NoData);
        }

        Assert.Equal(0b_1011_0110_1101_1011_0110_1101_1011_0110u, driver.ReadRegister(Registers.ChannelEnable(0)));
    }

    [Fact]
    public void Channel_settings_out_of_range_are_refused_on_the_host_with_the_reason()
    {
        var (driver, _) = Open();
        driver.Connect();
        var mask = Assert.Throws<ArgumentException>(() => driver.ConfigureChannels(new bool[10]));
        Assert.Contains("10 entries", mask.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => driver.SetSpikeThreshold(64, -100));
        Assert.Throws<ArgumentOutOfRangeException>(() => driver.SetSpikeThreshold(3, 0));
        var rate = Assert.Throws<ArgumentOutOfRangeException>(() => driver.SetSampleRate(12_345));
        Assert.Contains("samples at", rate.Message, StringComparison.Ordinal);

        driver.SetSpikeThreshold(3, -250);
        Assert.Equal(unchecked((uint)-250), driver.ReadRegister(Registers.SpikeThreshold(3)));
        uint other = driver.Capabilities!.SampleRatesHz[^1];
        driver.SetSampleRate(other);
        Assert.Equal(other, driver.ReadRegister((uint)Register.SampleRateHz));
    }

    [Fact]
    public void An_unsafe_program_is_refused_on_the_host_and_never_sent()
    {
        var (driver, _) = Open();
        driver.Connect();
        var unbalanced = new StimProgram(0, -20_000, 10_000, 100, 0, 100, 1, 10);
        var error = Assert.Throws<StimulationRefusedException>(() => driver.Arm(unbalanced, [1]));
        Assert.False(error.ByDevice);
        Assert.Equal(StimRefusal.NotChargeBalanced, error.Reason);
        Assert.Contains("not sent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_lowered_on_the_device_are_checked_on_the_host_too()
    {
        var (driver, _) = Open();
        driver.Connect();
        driver.WriteRegister((uint)Register.StimMaxAmplitudeNa, 10_000);
        var program = new StimProgram(0, -20_000, 20_000, 100, 0, 100, 1, 10);
        var error = Assert.Throws<StimulationRefusedException>(() => driver.Arm(program, [1]));
        Assert.Equal(StimRefusal.AmplitudeOverLimit, error.Reason);
        Assert.False(error.ByDevice);
    }

    [Fact]
    public void A_device_refusal_is_typed_and_says_why()
    {
        var (driver, _) = Open();
        driver.Connect();
        driver.Arm(new StimProgram(0, -20_000, 20_000, 100, 0, 100, 1, 10), [1]);
        var error = Assert.Throws<StimulationRefusedException>(() => driver.Trigger([0]));
        Assert.True(error.ByDevice);
        Assert.Equal(StimRefusal.StimDisabled, error.Reason);
        Assert.Contains("STIM_ENABLE is 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stimulation_is_delivered_when_enabled()
    {
        var (driver, emulator) = Open();
        driver.Connect();
        driver.WriteRegister((uint)Register.StimEnable, 1);
        driver.Arm(new StimProgram(3, -20_000, 20_000, 100, 0, 100, 2, 100), [5]);
        driver.Start(StreamMask.Counts);
        ulong at = driver.Trigger([3]);
        Assert.True(SpinWait.SpinUntil(() => emulator.Truth.Pulses().Length == 2, TimeSpan.FromSeconds(20)));
        Assert.Equal(at, emulator.Truth.Pulses()[0].Sample);
        Assert.Equal(5, emulator.Truth.Pulses()[0].Channel);
    }

    [Fact]
    public void Lost_acks_are_recovered_by_resending_safe_requests()
    {
        var (driver, emulator) = Open("ack-drop:0.5", new HeadstageDriverOptions { RequestTimeout = TimeSpan.FromMilliseconds(100), Retries = 20 });
        driver.Connect();
        for (uint i = 1; i <= 10; i++)
        {
            driver.WriteRegister((uint)Register.HeartbeatPeriodMs, 10 * i);
        }

        Assert.Equal(100u, driver.ReadRegister((uint)Register.HeartbeatPeriodMs));
        Assert.Contains(emulator.Truth.Faults(), f => f.Kind == "ack-drop");
    }

    [Fact]
    public void A_device_that_never_answers_gives_a_clear_timeout()
    {
        var (driver, _) = Open("ack-drop:1", new HeadstageDriverOptions { RequestTimeout = TimeSpan.FromMilliseconds(50), Retries = 2 });
        driver.Connect();
        var error = Assert.Throws<DeviceException>(() => driver.WriteRegister((uint)Register.SpikeBinUs, 2000));
        Assert.Contains("did not answer the write of 2000 to register 0x12 within 50 ms (3 attempt(s))", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ping_measures_a_round_trip()
    {
        var (driver, _) = Open();
        driver.Connect();
        PingResult ping = driver.Ping();
        Assert.True(ping.RoundTrip > TimeSpan.Zero);
    }

    [Fact]
    public void A_closed_link_fails_requests_with_the_device_gone()
    {
        var (driver, _) = Open("disconnect-after:50");
        driver.Connect();
        driver.Start(StreamMask.Counts);
        Assert.True(SpinWait.SpinUntil(() => driver.LinkClosed, TimeSpan.FromSeconds(20)));
        Assert.Throws<TransportClosedException>(() => driver.ReadRegister((uint)Register.ChannelCount));
    }

    [Fact]
    public void An_answer_that_arrives_just_before_the_link_closes_is_still_returned()
    {
        // The device answers and hangs up at once: the answer must win over the closed link.
        for (int round = 0; round < 50; round++)
        {
            var (host, device) = InProcessTransport.CreatePair("emu://race");
            var answerer = new Thread(() =>
            {
                using var deframer = new Deframer();
                while (true)
                {
                    int n = device.Read(deframer.GetWriteSpan(4096), CancellationToken.None);
                    deframer.Advance(n);
                    if (deframer.TryRead(out Frame request))
                    {
                        var ack = new byte[WireFormat.FrameLength(Ack.Size)];
                        FrameEncoder.Encode(ack, new Ack(FrameType.RegRead, request.Header.Sequence, (uint)Register.ChannelCount, 64, 0), FrameFlags.DeviceToHost, 0, 0, 0);
                        device.Write(ack, CancellationToken.None);
                        device.Dispose();
                        return;
                    }
                }
            });
            answerer.Start();
            using var driver = new HeadstageDriver(host);
            Assert.Equal(64u, driver.ReadRegister((uint)Register.ChannelCount));
            answerer.Join();
        }
    }
}
