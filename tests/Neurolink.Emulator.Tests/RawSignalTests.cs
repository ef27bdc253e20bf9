using Neurolink.Emulator.Tissue;
using Neurolink.Protocol;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Tests;

/// <summary>What the electrodes record in raw mode: noise, LFP, spikes, stimulation artefacts.</summary>
public class RawSignalTests
{
    private static short[] Channel(FirmwareDriver driver, int channel, out ulong firstClock)
    {
        var samples = new List<short>();
        firstClock = ulong.MaxValue;
        foreach (HostFrame f in driver.OfType(FrameType.RawSamples))
        {
            RawSamples.TryRead(f.Payload, out RawSamples raw, out _);
            firstClock = Math.Min(firstClock, f.Header.SampleClock);
            for (int s = 0; s < raw.SampleCount; s++)
            {
                samples.Add(raw.Samples[(s * raw.ChannelCount) + channel]);
            }
        }

        return [.. samples];
    }

    [Fact]
    public void Raw_channels_carry_thermal_noise_of_5_to_10_uV_and_a_slower_field_potential()
    {
        using var driver = new FirmwareDriver(new EmulatorOptions { Channels = 64, Seed = 2, Tissue = new() { Neurons = 100 } });
        driver.Start(StreamMask.Raw);
        driver.Run(1000);
        short[] x = Channel(driver, 10, out _);
        Assert.Equal(937 * 32, x.Length); // whole 32-sample frames in one second; the last half frame is still being filled

        // Sample-to-sample differences see the white noise (variance doubles); the LFP is slow.
        double diffRmsUv = Math.Sqrt(x.Zip(x.Skip(1), (a, b) => Math.Pow(b - a, 2)).Average() / 2) * 0.195;
        Assert.InRange(diffRmsUv, 5, 10);

        // 10 ms means vary far more than white noise alone would (its 300-sample mean is ~0.4 uV).
        double[] means = x.Chunk(300).Select(c => c.Average(v => (double)v) * 0.195).ToArray();
        double sd = Math.Sqrt(means.Select(m => Math.Pow(m - means.Average(), 2)).Average());
        Assert.True(sd > 5, $"10 ms means vary by {sd:F1} uV: no field potential");
    }

    [Fact]
    public void A_stimulation_pulse_leaves_an_artefact_on_nearby_channels_only()
    {
        using var driver = new FirmwareDriver(new EmulatorOptions { Channels = 1024, Seed = 2, Tissue = new() { Neurons = 500 } });
        driver.Start(StreamMask.Raw);
        driver.Send(new RegWrite((uint)Register.StimEnable, 1));
        var program = new StimProgram(0, -20_000, 20_000, 200, 50, 200, 1, 10);
        driver.Send(new StimArm(program, [500]), StreamKind.Stim);
        driver.Run(10);
        driver.Send(StimTrigger.At(600, [0]), StreamKind.Stim);
        driver.Run(20);

        short[] near = Channel(driver, 500, out ulong start);
        short[] far = Channel(driver, 10, out _);
        int at = (int)(600 - start);
        Assert.True(near[at..(at + 6)].All(v => v <= -20_000), "the cathodic phase should nearly saturate the stimulating channel");
        Assert.True(far[at..(at + 20)].All(v => Math.Abs((int)v) < 1_000), "a channel 8 mm away should not see the pulse");
        DeliveredPulse pulse = Assert.Single(driver.Truth.Pulses());
        Assert.Equal(600ul, pulse.Sample);
        Assert.Equal(500, pulse.Channel);
    }

    [Fact]
    public void On_a_linear_shank_each_neuron_is_seen_on_several_neighbouring_channels()
    {
        var shank = new TissueModel(ElectrodeGeometry.Shank(384), new TissueOptions { Neurons = 2000 }, seed: 5);
        double spread = Enumerable.Range(0, shank.NeuronCount).Average(n => shank.FootprintOf(n).Channels.Length);
        var grid = new TissueModel(ElectrodeGeometry.Grid(1024), new TissueOptions { Neurons = 2000 }, seed: 5);
        double gridSpread = Enumerable.Range(0, grid.NeuronCount).Average(n => grid.FootprintOf(n).Channels.Length);
        Assert.True(spread > 5, $"a shank neuron is seen on {spread:F1} channels on average");
        Assert.InRange(gridSpread, 0.5, 1.5);
    }
}
