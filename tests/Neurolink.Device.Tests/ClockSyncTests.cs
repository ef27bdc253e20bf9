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
    public void The_drift_error_says_how_far_estimates_scatter()
    {
        // 200 runs of 5 s (500 PINGs, 10 ms apart, 1 ms of jitter either way): the spread of their
        // estimates is what the error of each run says it is.
        var random = new Random(3);
        var estimates = new List<double>();
        var errors = new List<double>();
        for (int run = 0; run < 200; run++)
        {
            var sync = new ClockSync(30_000);
            for (int i = 0; i < 500; i++)
            {
                double host = i * 0.01;
                double jitter = (random.NextDouble() - 0.5) * 2e-3;
                sync.Add(host, (ulong)((host + jitter + 1) * 30_000 * (1 + 40e-6)));
            }

            estimates.Add(sync.DriftPpm);
            errors.Add(sync.DriftErrorPpm);
        }

        double mean = estimates.Average();
        double spread = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / (estimates.Count - 1));
        Assert.InRange(mean, 40 - (3 * spread / Math.Sqrt(200)), 40 + (3 * spread / Math.Sqrt(200)));
        Assert.InRange(errors.Average(), spread * 0.8, spread * 1.25);
    }

    [Fact]
    public void Drift_error_is_unknown_with_fewer_than_three_points_and_zero_on_a_perfect_line()
    {
        var sync = new ClockSync(30_000);
        sync.Add(0, 0);
        sync.Add(1, 30_000);
        Assert.True(double.IsNaN(sync.DriftErrorPpm));
        sync.Add(2, 60_000);
        Assert.Equal(0, sync.DriftErrorPpm, 9);
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
