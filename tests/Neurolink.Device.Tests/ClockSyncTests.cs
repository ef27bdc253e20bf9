namespace Neurolink.Device.Tests;

public class ClockSyncTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    [InlineData(-120)]
    public void Drift_is_recovered_from_noisy_pairs(double ppm)
    {
        var sync = new ClockSync(30_000);
        var random = new Random(1);
        for (int i = 0; i < 2000; i++)
        {
            double host = 1000 + (i * 0.01);
            double jitter = (random.NextDouble() - 0.5) * 2e-4; // 100 us either way
            ulong clock = (ulong)(((host - 1000) + jitter) * 30_000 * (1 + (ppm * 1e-6))) + 123_456;
            sync.Add(host, clock);
        }

        Assert.InRange(sync.DriftPpm, ppm - 5, ppm + 5);
    }

    [Fact]
    public void Drift_is_unknown_until_two_times_are_seen()
    {
        var sync = new ClockSync(30_000);
        Assert.True(double.IsNaN(sync.DriftPpm));
        sync.Add(1, 0);
        Assert.True(double.IsNaN(sync.DriftPpm));
    }
}
