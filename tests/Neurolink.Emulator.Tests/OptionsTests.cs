using Neurolink.Emulator.Faults;

namespace Neurolink.Emulator.Tests;

public class OptionsTests
{
    [Fact]
    public void An_emu_uri_query_sets_every_option()
    {
        EmulatorOptions o = EmulatorOptions.FromQuery("?channels=256&seed=3&geometry=shank&neurons=500&clock=paced&faults=bitflip:1e-5,drop:1e-4&truth=1&cue=1&stdp=1");
        Assert.Equal(256, o.Channels);
        Assert.Equal(3ul, o.Seed);
        Assert.Equal("shank", o.Geometry);
        Assert.Equal(500, o.Tissue.Neurons);
        Assert.Equal(EmulatorClock.Paced, o.Clock);
        Assert.Equal(1e-5, o.Faults.BitFlipRate);
        Assert.Equal(1e-4, o.Faults.DropFrameRate);
        Assert.True(o.RecordGroundTruth);
        Assert.True(o.RecordCue);
        Assert.True(o.Tissue.Stdp);

        // stdp-rate scales both amplitudes (and turns STDP on).
        EmulatorOptions fast = EmulatorOptions.FromQuery("?stdp-rate=10");
        Assert.True(fast.Tissue.Stdp);
        Assert.Equal(0.1, fast.Tissue.StdpPotentiation, 12);
        Assert.Equal(0.105, fast.Tissue.StdpDepression, 12);
    }

    [Theory]
    [InlineData("channels=0", "channels='0' is invalid: it must be a whole number from 1 to 65535")]
    [InlineData("geometry=ring", "geometry='ring' is invalid: it must be 'grid' or 'shank'")]
    [InlineData("speed=9", "emulator setting 'speed' is unknown")]
    [InlineData("faults=drop", "fault 'drop' has no value")]
    [InlineData("faults=melt:1", "fault kind 'melt' is unknown")]
    [InlineData("faults=drop:1.5", "must be between 0 and 1")]
    [InlineData("stdp-rate=0", "stdp-rate='0' is invalid: it must be a number from 0.01 to 100")]
    [InlineData("stdp-rate=fast", "stdp-rate='fast' is invalid")]
    public void Bad_settings_are_refused_with_what_was_wrong(string query, string expected)
    {
        var error = Assert.Throws<FormatException>(() => EmulatorOptions.FromQuery(query));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_emu_uri_is_read_and_another_scheme_refused()
    {
        Assert.Equal(256, EmulatorOptions.FromUri("emu://?channels=256&seed=3&faults=bitflip:1e-5,drop:1e-4").Channels);
        Assert.Equal(1024, EmulatorOptions.FromUri("emu://").Channels);
        Assert.Contains("not an emulator URI", Assert.Throws<FormatException>(() => EmulatorOptions.FromUri("tcp://127.0.0.1:7300")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_fault_syntax_of_the_issue_parses()
    {
        FaultPlan plan = FaultPlan.Parse("bitflip:1e-5,drop:1e-4,disconnect-after:50000");
        Assert.Equal(50_000, plan.DisconnectAfterFrames);
        Assert.True(plan.Any);
        Assert.False(FaultPlan.Parse("").Any);
    }

    [Fact]
    public void A_clock_may_drift_slow_as_well_as_fast_within_reason()
    {
        Assert.Equal(-20, FaultPlan.Parse("drift-ppm:-20").DriftPpm);
        Assert.Equal(35, FaultPlan.Parse("drift-ppm:35").DriftPpm);
        Assert.Contains("-10000 to 10000", Assert.Throws<FormatException>(() => FaultPlan.Parse("drift-ppm:1e6")).Message, StringComparison.Ordinal);
    }
}
