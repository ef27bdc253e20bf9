using Xunit.Abstractions;

namespace Neurolink.Learning.Tests;

/// <summary>The decoding task through the whole stack: emulated headstage, in-process link, driver, acquisition ring, learning mass.</summary>
public sealed class DecodeTaskTests(ITestOutputHelper output)
{
    // Virtual clock: the emulator runs as fast as the mass reads, the same frames as in real time.
    private const string Device = "emu://?channels=96&clock=virtual";

    [Fact]
    public void The_mass_learns_to_report_the_hidden_signal_within_ninety_percent_of_least_squares()
    {
        DecodeResult r = new DecodeTask(new DecodeOptions { Device = Device, Seconds = 60, TestSeconds = 20, Seed = 1 }).Run();
        output.WriteLine($"mass {r.FinalR2}, least squares {r.LsqR2} ({r.LsqSmoothingMs} ms), ratio {r.Ratio}, hidden {r.HiddenRateHz} Hz, {r.WallSeconds} s; curve {string.Join(' ', r.Curve.Select(p => $"{p.SimulatedSeconds}:{p.Value}"))}");

        Assert.Equal(80, r.SimulatedSeconds);
        Assert.Equal(0, r.LostFrames);
        Assert.Equal(0, r.TissueWeightChange); // a tissue without STDP of its own
        Assert.True(r.LsqR2 > 0.6, $"the least-squares bound is {r.LsqR2}: the tissue should encode the signal");
        Assert.True(r.Ratio >= 0.9, $"held-out R^2 {r.FinalR2} is {r.Ratio:P0} of least squares' {r.LsqR2}");

        // The curve: copies of the mass taken during calibration, scored on held-out time.
        Assert.Equal(13, r.Curve.Count); // 0, 5, ..., 55 s and the final mass at 60 s
        Assert.True(r.Curve[0].Value < 0.1, $"before learning R^2 is {r.Curve[0].Value}");
        Assert.Equal(r.FinalR2, r.Curve[^1].Value);
        Assert.True(r.Curve[2].Value < r.Curve[^1].Value, "it improves with calibration");
    }

    [Fact]
    public void With_the_learning_signal_shuffled_the_score_stays_at_chance()
    {
        DecodeResult r = new DecodeTask(new DecodeOptions { Device = Device, Seconds = 60, TestSeconds = 20, Seed = 1, Shuffled = true }).Run();
        output.WriteLine($"shuffled: mass {r.FinalR2}, least squares {r.LsqR2}");

        Assert.True(r.Shuffled);
        Assert.True(r.LsqR2 > 0.6, "the bound is fitted to the real cue, not the shuffled one");
        Assert.True(r.FinalR2 < 0.1, $"a mass taught with an unrelated signal scored R^2 {r.FinalR2}");
    }

    [Fact]
    public void Devices_that_cannot_give_the_cue_and_unknown_backends_are_refused_with_what_to_do()
    {
        var e = Assert.Throws<ArgumentException>(() => new DecodeTask(new DecodeOptions { Device = "tcp://127.0.0.1:7300", Backend = "tpu", Seconds = 0 }));
        Assert.Contains("only the built-in emulator (emu://) gives it", e.Message, StringComparison.Ordinal);
        Assert.Contains("--backend tpu: write cpu, gpu (CUDA), or ilgpu-cpu", e.Message, StringComparison.Ordinal);
        Assert.Contains("--seconds 0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("emu://", "emu://?cue=1&seed=7")]
    [InlineData("emu://?channels=96", "emu://?channels=96&cue=1&seed=7")]
    [InlineData("emu://?seed=2&truth=1", "emu://?seed=2&truth=1")]
    public void The_emulator_is_asked_for_the_cue_and_the_task_seed_unless_the_uri_says_otherwise(string given, string expected)
    {
        Assert.Equal(expected, DecodeTask.DeviceWithCue(given, 7));
    }
}
