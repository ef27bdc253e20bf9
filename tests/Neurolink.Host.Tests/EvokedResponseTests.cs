using Neurolink.Cli.Hil;

namespace Neurolink.Host.Tests;

/// <summary>The rig's evoked-response statistic: a busy channel's own firing does not pass for a response, a real one does.</summary>
public class EvokedResponseTests
{
    private const double Rate = 30_000;
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(10);

    /// <summary>Pulses every 50 ms from 0.2 s on, as the rig check sends them.</summary>
    private static List<ulong> Pulses(int count) => [.. Enumerable.Range(0, count).Select(i => (ulong)((0.2 + (0.05 * i)) * Rate))];

    /// <summary>A Poisson spike train at <paramref name="hz"/> over the pulses' span.</summary>
    private static List<ulong> Spontaneous(double hz, int seed, double seconds = 2.5)
    {
        var rng = new Random(seed);
        var spikes = new List<ulong>();
        for (double t = 0; ;)
        {
            t += -Math.Log(1 - rng.NextDouble()) / hz;
            if (t >= seconds)
            {
                return spikes;
            }

            spikes.Add((ulong)(t * Rate));
        }
    }

    [Theory]
    [InlineData(20)]
    [InlineData(90)] // the rate that made the old rule (at most half as many before the pulses) fail against the emulator
    [InlineData(120)]
    public void A_response_on_top_of_the_channels_own_firing_is_found(double hz)
    {
        List<ulong> pulses = Pulses(40);
        var rng = new Random(7);
        List<ulong> spikes = Spontaneous(hz, seed: 11);
        spikes.AddRange(pulses.Select(p => p + (ulong)((2 + (3 * rng.NextDouble())) * Rate / 1000))); // 2 to 5 ms later, as the emulator's tissue answers
        EvokedResponse r = EvokedResponse.Measure(pulses, spikes, Rate, Window);
        Assert.True(r.Evoked, r.Describe(64, 50));
        Assert.Equal(40, r.Answered);
        Assert.InRange(r.Expected, hz * 0.01 * 40 * 0.6, hz * 0.01 * 40 * 1.4);
    }

    [Theory]
    [InlineData(90, 1)]
    [InlineData(90, 2)]
    [InlineData(200, 3)]
    [InlineData(400, 4)]
    public void A_busy_channels_own_firing_is_not_a_response(double hz, int seed)
    {
        EvokedResponse r = EvokedResponse.Measure(Pulses(40), Spontaneous(hz, seed), Rate, Window);
        Assert.False(r.Evoked, r.Describe(64, 50));
    }

    [Fact]
    public void A_loopback_wire_on_a_silent_channel_is_a_response_and_its_delay_is_measured()
    {
        List<ulong> pulses = Pulses(40);
        EvokedResponse r = EvokedResponse.Measure(pulses, pulses.Select(p => p + 3), Rate, Window); // 3 samples: 100 us
        Assert.True(r.Evoked);
        Assert.Equal(0, r.Expected);
        Assert.All(r.Delays, d => Assert.Equal(100, d, 6));
        Assert.Contains("p50 100 us", r.Describe(0, 20), StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_answered_pulses_fail_even_when_those_answered_stand_out()
    {
        List<ulong> pulses = Pulses(40);
        EvokedResponse r = EvokedResponse.Measure(pulses, pulses.Take(30).SelectMany(p => new[] { p + 90, p + 100, p + 110 }), Rate, Window); // 30 of 40
        Assert.Equal(30, r.Answered);
        Assert.False(r.Evoked, r.Describe(0, 20));
    }

    [Fact]
    public void No_spikes_at_all_say_so()
    {
        EvokedResponse r = EvokedResponse.Measure(Pulses(40), [], Rate, Window);
        Assert.False(r.Evoked);
        Assert.Contains("none: no spike on channel 5 within 10 ms of any of 40 pulses", r.Describe(5, 50), StringComparison.Ordinal);
    }
}
