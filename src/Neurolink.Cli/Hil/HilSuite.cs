using System.Diagnostics;
using System.Globalization;
using Neurolink.Device;
using Neurolink.Device.Acquisition;
using Neurolink.Host;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;
using Neurolink.Transport;

namespace Neurolink.Cli.Hil;

/// <summary>One check's outcome.</summary>
/// <param name="Name">The check.</param>
/// <param name="Passed">True: passed; false: failed; null: skipped.</param>
/// <param name="Figure">Its headline figure ("58.9 MB/s", "p99 412 us").</param>
/// <param name="Detail">What it did and found, or why it was skipped.</param>
/// <param name="Seconds">How long it took.</param>
public sealed record class CheckResult(string Name, bool? Passed, string Figure, string Detail, double Seconds);

/// <summary>What the rig has, found before the checks.</summary>
/// <param name="Device">The device answered HELLO.</param>
/// <param name="Emulated">It is the built-in emulator (faults can be injected; no operator needed).</param>
/// <param name="Loopback">A loopback wire from a stimulation channel to a recording channel (the operator says so).</param>
/// <param name="Gpu">CUDA devices seen.</param>
/// <param name="Capabilities">The device's capabilities.</param>
public sealed record class RigProbe(bool Device, bool Emulated, bool Loopback, IReadOnlyList<string> Gpu, Capabilities? Capabilities);

/// <summary>Settings of a run of the suite.</summary>
public sealed record class HilOptions
{
    /// <summary>Seconds of acquisition for throughput and clock.</summary>
    public double Seconds { get; init; } = 5;

    /// <summary>PINGs for the round trip.</summary>
    public int Pings { get; init; } = 1000;

    /// <summary>Clock drift allowed, ppm (the device's specification).</summary>
    public double ClockSpecPpm { get; init; } = 50;

    /// <summary>A loopback wire is fitted (stimulation channel 0 to recording channel 0).</summary>
    public bool Loopback { get; init; }

    /// <summary>An operator is there to unplug and replug the device.</summary>
    public bool Interactive { get; init; }
}

/// <summary>
/// The rig checks (<c>hil/run</c>, <c>neurolink hil</c>): each one opens the device afresh, does
/// one thing, and says pass or fail with a figure; what this rig cannot do is skipped with the
/// reason. Against the emulator every check runs without an operator.
/// </summary>
public sealed class HilSuite(DeviceUri uri, HilOptions options)
{
    /// <summary>Every check, in the order they run.</summary>
    public static readonly string[] Checks = ["link", "registers", "throughput", "latency", "faults", "stim-safety", "clock"];

    /// <summary>PING round trips of the latency check, us (for the histogram).</summary>
    public List<double> RoundTrips { get; } = [];

    /// <summary>Says what the rig has.</summary>
    public RigProbe Probe()
    {
        IReadOnlyList<string> gpu = [];
        try
        {
            gpu = Mass.Gpu.GpuMass.CudaDevices();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException or NotSupportedException)
        {
            // No CUDA driver: no GPU.
        }

        try
        {
            using var opener = new DeviceOpener();
            using var driver = new HeadstageDriver(opener.Open(uri));
            Capabilities caps = driver.Connect();
            return new RigProbe(true, uri.Kind is DeviceKind.Emulator, options.Loopback, gpu, caps);
        }
        catch (Exception e) when (e is TransportException or DeviceException or TransportClosedException)
        {
            return new RigProbe(false, false, options.Loopback, gpu, null);
        }
    }

    /// <summary>Runs one check.</summary>
    public CheckResult Run(string name, RigProbe rig)
    {
        var watch = Stopwatch.StartNew();
        (bool? passed, string figure, string detail) = !rig.Device
            ? (false, "no device", $"{uri} did not answer HELLO: check its power, cable and URI (neurolink devices lists what is attached)")
            : name switch
            {
                "link" => Link(rig.Capabilities!),
                "registers" => Registers(),
                "throughput" => Throughput(),
                "latency" => Latency(rig),
                "faults" => Faults(rig),
                "stim-safety" => StimSafetyCheck(rig.Capabilities!),
                "clock" => Clock(),
                _ => throw new ArgumentException($"unknown check {name}; the checks are {string.Join(", ", Checks)}", nameof(name)),
            };
        return new CheckResult(name, passed, figure, detail, Math.Round(watch.Elapsed.TotalSeconds, 2));
    }

    private static (bool?, string, string) Link(Capabilities caps)
    {
        var problems = new List<string>();
        if (caps.SelectedVersion != WireFormat.Version)
        {
            problems.Add($"negotiated version {caps.SelectedVersion}, not {WireFormat.Version}");
        }

        if (caps.ChannelCount == 0)
        {
            problems.Add("0 channels");
        }

        if (caps.SampleRatesHz.Count == 0 || caps.SampleRatesHz.Any(r => r is 0 or > 1_000_000))
        {
            problems.Add($"sample rates [{string.Join(", ", caps.SampleRatesHz)}] are not sensible");
        }

        if (caps.MaxFrameBytes < 4096)
        {
            problems.Add($"max frame {caps.MaxFrameBytes} bytes is below the 4096 every device must take");
        }

        if (caps.StimChannelCount > 0 && (caps.MaxAmplitudeNa == 0 || caps.MaxPhaseWidthUs == 0 || caps.MaxChargePc == 0 || caps.MaxPulseRateHz == 0))
        {
            problems.Add("stimulation channels with a zero hardware limit");
        }

        if (string.IsNullOrWhiteSpace(caps.SerialNumber))
        {
            problems.Add("no serial number");
        }

        string figure = string.Create(CultureInfo.InvariantCulture, $"v{caps.SelectedVersion}, {caps.ChannelCount} channels, {string.Join("/", caps.SampleRatesHz)} Hz");
        return (problems.Count == 0, figure, problems.Count == 0 ? $"HELLO answered; serial {caps.SerialNumber}, firmware 0x{caps.FirmwareVersion:X}" : string.Join("; ", problems));
    }

    private (bool?, string, string) Registers()
    {
        using var opener = new DeviceOpener();
        using var driver = new HeadstageDriver(opener.Open(uri));
        Capabilities caps = driver.Connect();
        var failures = new List<string>();
        int checkedCount = 0;
        void Valid(Register r, uint value, uint address = 0)
        {
            uint at = address != 0 ? address : (uint)r;
            uint before = driver.ReadRegister(at);
            try
            {
                driver.WriteRegister(at, value);
                uint back = driver.ReadRegister(at);
                if (back != value)
                {
                    failures.Add($"{r} (0x{at:X}): wrote {value}, read back {back}");
                }
            }
            catch (RegisterRefusedException e)
            {
                failures.Add($"{r} (0x{at:X}): a valid value {value} was refused ({e.Error})");
            }
            finally
            {
                try
                {
                    driver.WriteRegister(at, before);
                }
                catch (RegisterRefusedException)
                {
                }
            }

            checkedCount++;
        }

        void Invalid(Register r, uint value, uint address = 0)
        {
            uint at = address != 0 ? address : (uint)r;
            try
            {
                driver.WriteRegister(at, value);
                failures.Add($"{r} (0x{at:X}): the invalid value {unchecked((int)value)} was accepted");
            }
            catch (RegisterRefusedException)
            {
                // As it should be.
            }

            checkedCount++;
        }

        foreach (uint rate in caps.SampleRatesHz)
        {
            Valid(Register.SampleRateHz, rate);
        }

        Invalid(Register.SampleRateHz, 12_345);
        Valid(Register.RawSamplesPerFrame, 64);
        Invalid(Register.RawSamplesPerFrame, 0);
        Valid(Register.HeartbeatPeriodMs, 500);
        Invalid(Register.HeartbeatPeriodMs, 5);
        Valid(Register.SpikeRefractoryUs, 1000);
        Invalid(Register.SpikeRefractoryUs, 20_000);
        Valid(Register.StimEnable, 1);
        Invalid(Register.StimEnable, 2);
        foreach ((Register r, uint hardware) in (ReadOnlySpan<(Register, uint)>)[(Register.StimMaxAmplitudeNa, caps.MaxAmplitudeNa), (Register.StimMaxChargePc, caps.MaxChargePc), (Register.StimMaxPulseRateHz, caps.MaxPulseRateHz), (Register.StimMaxPhaseWidthUs, caps.MaxPhaseWidthUs)])
        {
            if (hardware > 1)
            {
                Valid(r, hardware / 2);
                Invalid(r, hardware + 1);
                Invalid(r, 0);
            }
        }

        Valid(Register.ChannelEnableBase, 0, (uint)Register.ChannelEnableBase);
        Valid(Register.SpikeThresholdBase, unchecked((uint)-100), (uint)Register.SpikeThresholdBase);
        Invalid(Register.SpikeThresholdBase, 0, (uint)Register.SpikeThresholdBase);
        Invalid(Register.ChannelCount, 7);
        Invalid(Register.FirmwareVersion, 7);
        return (failures.Count == 0, $"{checkedCount} writes", failures.Count == 0 ? "every writable register took a valid value and gave it back; every invalid value and read-only register was refused" : string.Join("; ", failures));
    }

    private (bool?, string, string) Throughput()
    {
        using var opener = new DeviceOpener();
        (AcquisitionSession soaked, double seconds) = Soak.Run(() => opener.Open(uri), options.Seconds);
        using AcquisitionSession session = soaked;
        AcquisitionCounters c = session.Counters;
        double mbs = c.Bytes / 1e6 / seconds;
        bool lossless = c.FramesLost == 0 && c.CrcErrors == 0 && c.ResyncBytes == 0 && c.DeviceLostFrames == 0 && c.DeviceDroppedFrames == 0 && c.RingOverrunFrames == 0 && c.LinkDowns == 0;
        string detail = string.Create(CultureInfo.InvariantCulture,
            $"{seconds:0.#} s of every stream at the device's full channel count: {c.Frames} data frames, {c.Bytes} bytes; lost on the link {c.FramesLost}, CRC errors {c.CrcErrors}, resync bytes {c.ResyncBytes}, device gaps {c.DeviceLostFrames}, device drops {c.DeviceDroppedFrames}, ring overruns {c.RingOverrunFrames}, link downs {c.LinkDowns}");
        return (lossless && c.Frames > 0, string.Create(CultureInfo.InvariantCulture, $"{mbs:0.#} MB/s"), detail);
    }

    private (bool?, string, string) Latency(RigProbe rig)
    {
        using var opener = new DeviceOpener();
        using var driver = new HeadstageDriver(opener.Open(uri));
        driver.Connect();
        for (int i = 0; i < options.Pings; i++)
        {
            RoundTrips.Add(driver.Ping().RoundTrip.TotalMicroseconds);
        }

        double[] sorted = [.. RoundTrips.Order()];
        double Q(double q) => sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        string figure = string.Create(CultureInfo.InvariantCulture, $"PING p50 {Q(0.5):0} us, p99 {Q(0.99):0} us, p99.9 {Q(0.999):0} us");
        if (!rig.Emulated && !rig.Loopback)
        {
            return (true, figure, $"{sorted.Length} PINGs answered; stimulation-to-evoked-response delay: skipped, no loopback wire (fit one from stimulation channel 0 to recording channel 0 and pass --loopback)");
        }

        (bool evokedOk, string evoked) = Evoked(rig);
        return (evokedOk, figure + "; " + evoked.Split(':')[0], $"{sorted.Length} PINGs answered; {evoked}");
    }

    /// <summary>
    /// Stimulates one channel 40 times, 50 ms apart, and finds each pulse's first spike event on
    /// that channel within 10 ms (the emulator's tissue answers 2 to 5 ms after a pulse; a loopback
    /// wire at once). <see cref="EvokedResponse"/> says whether that is more than the channel's own
    /// firing would give: spontaneous spikes alone do not pass, however busy the channel.
    /// </summary>
    private (bool Passed, string Text) Evoked(RigProbe rig)
    {
        Capabilities caps = rig.Capabilities!;
        int channel = rig.Loopback ? 0 : (int)caps.ChannelCount / 2;
        if (!caps.CanStimulate(channel))
        {
            return (false, $"evoked response: channel {channel} cannot stimulate");
        }

        using var opener = new DeviceOpener();
        using var session = new AcquisitionSession(_ => opener.Open(uri), new AcquisitionOptions { Streams = StreamMask.Events });
        using RingConsumer consumer = session.Ring.AddConsumer("hil-evoked");
        session.Start();
        HeadstageDriver driver = session.Driver!;
        double rate = session.SampleRateHz;
        driver.WriteRegister((uint)Register.StimEnable, 1);
        int na = (int)Math.Min(caps.MaxAmplitudeNa, 50_000);
        driver.Arm(new StimProgram(0, -na, na, 200, 50, 200, 1, 100), [(ushort)channel]);
        var pulses = new List<ulong>();
        var spikes = new List<ulong>();
        void Drain()
        {
            while (consumer.TryRead(out RingItem item))
            {
                if (item.Kind == RingItemKind.Frame && item.Frame.Type == FrameType.SpikeEvents && SpikeEvents.TryRead(item.Frame.Payload, out SpikeEvents events, out _))
                {
                    foreach (SpikeEvent e in events.Events)
                    {
                        if (e.Channel == channel)
                        {
                            spikes.Add(item.Frame.Header.SampleClock + e.SampleOffset);
                        }
                    }
                }
            }
        }

        for (int t = 0; t < 40; t++)
        {
            pulses.Add(driver.Trigger([0]));
            var wait = Stopwatch.StartNew();
            while (wait.ElapsedMilliseconds < 50)
            {
                consumer.WaitForData(TimeSpan.FromMilliseconds(5));
                Drain();
            }
        }

        Thread.Sleep(100);
        Drain();
        driver.DisarmAll();
        session.Stop();
        Drain();
        EvokedResponse response = EvokedResponse.Measure(pulses, spikes, rate, TimeSpan.FromMilliseconds(10));
        return (response.Evoked, response.Describe(channel, na / 1000.0));
    }

    private (bool?, string, string) Faults(RigProbe rig)
    {
        if (!rig.Emulated)
        {
            if (!options.Interactive)
            {
                return (null, "skipped", "recovery from a disconnect needs an operator on a real rig: run with --interactive, then unplug and replug the headstage when asked");
            }

            return Interactive();
        }

        // The emulator disconnects on its own after 3000 frames; the session must come back.
        string faulty = uri.Text + (uri.Text.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "faults=disconnect-after:3000";
        DeviceUri target = DeviceUri.Parse(faulty);
        using var opener = new DeviceOpener();
        (AcquisitionSession soaked, _) = Soak.Run(() => opener.Open(target), Math.Max(3, options.Seconds), settle: true);
        using AcquisitionSession session = soaked;
        AcquisitionCounters c = session.Counters;
        bool recovered = c.LinkDowns >= 1 && c.Reconnects >= c.LinkDowns;
        return (recovered, $"{c.Reconnects} of {c.LinkDowns} recovered", string.Create(CultureInfo.InvariantCulture,
            $"disconnects injected by the emulator: the link went down {c.LinkDowns} times and acquisition resumed {c.Reconnects} times; {c.LinkDownSamples} samples not acquired while down (counted)"));
    }

    private (bool?, string, string) Interactive()
    {
        DeviceUri target = uri;
        using var opener = new DeviceOpener();
        using var session = new AcquisitionSession(_ => opener.Open(target), new AcquisitionOptions { Streams = StreamMask.Counts });
        session.Start();
        Console.Error.WriteLine("hil faults: unplug the headstage now, wait 2 s, then plug it back in (waiting up to 60 s)");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60) && session.Counters.Reconnects == 0)
        {
            Thread.Sleep(100);
        }

        AcquisitionCounters c = session.Counters;
        session.Stop();
        return (c.LinkDowns >= 1 && c.Reconnects >= 1, $"{c.Reconnects} reconnect(s)", c.LinkDowns == 0 ? "the link never went down within 60 s (was the device unplugged?)" : $"link down {c.LinkDowns}, resumed {c.Reconnects}");
    }

    private (bool?, string, string) StimSafetyCheck(Capabilities caps)
    {
        if (caps.StimChannelCount == 0 || !caps.CanStimulate(0))
        {
            return (null, "skipped", "the device cannot stimulate on channel 0");
        }

        using var opener = new DeviceOpener();
        using var driver = new HeadstageDriver(opener.Open(uri));
        driver.Connect();
        int over = checked((int)Math.Min(int.MaxValue, (long)caps.MaxAmplitudeNa + 1000));
        var tooStrong = new StimProgram(0, -over, over, 100, 50, 100, 1, 100);
        var unbalanced = new StimProgram(1, -10_000, 5_000, 100, 50, 100, 1, 100);
        var failures = new List<string>();
        foreach ((string what, StimProgram p) in (ReadOnlySpan<(string, StimProgram)>)[("amplitude above the hardware limit", tooStrong), ("charge-imbalanced phases", unbalanced)])
        {
            try
            {
                driver.Arm(p, [0]);
                failures.Add($"the host sent a program with {what}");
            }
            catch (StimulationRefusedException e) when (!e.ByDevice)
            {
            }

            try
            {
                driver.ArmWithoutHostCheck(p, [0]);
                failures.Add($"the device armed a program with {what}");
                driver.DisarmAll();
            }
            catch (StimulationRefusedException e) when (e.ByDevice)
            {
            }
        }

        return (failures.Count == 0, failures.Count == 0 ? "4 of 4 refused" : $"{failures.Count} accepted", failures.Count == 0
            ? "an amplitude above the hardware limit and charge-imbalanced phases: refused by the host before sending, and by the device when sent anyway"
            : string.Join("; ", failures));
    }

    /// <summary>
    /// The sample clock's drift against the host, with its standard error from the scatter of the
    /// PING points: out of specification only when it lies more than three errors beyond it, and
    /// inconclusive (a failure that says to run longer) when three errors are wider than the
    /// specification itself.
    /// </summary>
    private (bool?, string, string) Clock()
    {
        // At least 10 s: the error falls as the run's length to the power 1.5 (more points, longer
        // lever); over 5 s the emulator, which reads host bytes once per 1 ms bin, gave 6 to 12 ppm.
        using var opener = new DeviceOpener();
        (AcquisitionSession soaked, double seconds) = Soak.Run(() => opener.Open(uri), Math.Max(10, options.Seconds));
        using AcquisitionSession session = soaked;
        double drift = session.Clock?.DriftPpm ?? double.NaN, error = session.Clock?.DriftErrorPpm ?? double.NaN;
        long points = session.Clock?.Count ?? 0;
        if (double.IsNaN(drift) || double.IsNaN(error) || points < 10)
        {
            return (false, "no fit", string.Create(CultureInfo.InvariantCulture, $"only {points} clock points in {seconds:0.#} s: the device did not answer PINGs"));
        }

        double spec = options.ClockSpecPpm;
        string figure = string.Create(CultureInfo.InvariantCulture, $"{drift:+0.0;-0.0} +- {error:0.0} ppm");
        string measured = string.Create(CultureInfo.InvariantCulture, $"sample clock against the host over {seconds:0.#} s ({points} PINGs): {drift:0.0} ppm, standard error {error:0.0} ppm; specification +-{spec} ppm");
        if (3 * error > spec)
        {
            return (false, figure, measured + string.Create(CultureInfo.InvariantCulture,
                $": inconclusive, the PING points scatter too much to tell (three errors, {3 * error:0.0} ppm, exceed the specification); run longer (--seconds {Math.Ceiling(seconds * Math.Pow(3 * error / spec, 2) * 1.5 / 5) * 5:0}) on a quieter host"));
        }

        bool ok = Math.Abs(drift) - (3 * error) <= spec;
        return (ok, figure, measured + (ok ? ": within it" : ": outside it by more than three errors"));
    }
}
