using System.Diagnostics;

namespace Neurolink.Host.Tests;

public class WakeAheadTests
{
    private static long Us(double us) => (long)(us * Stopwatch.Frequency / 1_000_000);

    /// <summary>Frames of 30 samples at 30 kHz (1 ms bins) arriving 200-500 us after their bin ends; the share that came before the forecast, over the last <paramref name="judged"/>.</summary>
    private static double EarlyShare(FrameForecast forecast, int frames, int judged, Func<int, double> transitUs, long start = 1_000_000_000)
    {
        int early = 0;
        for (int k = 0; k < frames; k++)
        {
            ulong clock = (ulong)k * 30;
            long received = start + Us((k + 1) * 1000.0) + Us(transitUs(k));
            if (k >= frames - judged && forecast.NextDue != 0 && received < forecast.NextDue)
            {
                early++;
            }

            forecast.Arrived(received, clock, 30, 30_000);
        }

        return early / (double)judged;
    }

    [Fact]
    public void The_forecast_is_the_time_about_one_frame_in_twenty_comes_before()
    {
        var rng = new Random(5);
        var forecast = new FrameForecast();
        double share = EarlyShare(forecast, 20_000, 10_000, _ => 200 + (300 * rng.NextDouble()));
        Assert.InRange(share, 0.02, 0.10);

        // The next frame's bin (frame 20 000) ends at 20 001 ms; the forecast sits near the transit's 5th percentile (215 us).
        double dueUs = (forecast.NextDue - 1_000_000_000) * 1e6 / Stopwatch.Frequency;
        Assert.InRange(dueUs - 20_001_000, 200, 260);
    }

    [Fact]
    public void An_outlier_moves_the_forecast_little_and_drift_is_followed()
    {
        var forecast = new FrameForecast();
        EarlyShare(forecast, 2000, 1, _ => 300);
        long before = forecast.NextDue;
        forecast.Arrived(1_000_000_000 + Us(2001 * 1000.0) - Us(900), 2000 * 30, 30, 30_000); // 600 us before its bin even ended
        Assert.InRange((forecast.NextDue - before - Us(1000)) * 1e6 / Stopwatch.Frequency, -20, 0);

        // The device's clock runs 300 ppm slow: the transit grows 0.3 us a frame, and the forecast keeps up.
        var drifting = new FrameForecast();
        double share = EarlyShare(drifting, 20_000, 5000, k => 300 + (0.3 * k) + (k % 7 * 10));
        Assert.InRange(share, 0.0, 0.15);

        drifting.Reset();
        Assert.Equal(0, drifting.NextDue);
    }

    [Fact]
    public void A_loop_that_wakes_ahead_takes_frames_by_polling_and_loses_none()
    {
        using var runner = new LoopRunner(new NeurolinkOptions { Device = "emu://?channels=64", Neurons = 500, StatusIntervalMs = 0, WakeAheadMicroseconds = 200 });
        runner.Start();
        Thread.Sleep(2000);
        runner.Stop();
        LoopSummary s = runner.Summary();
        Assert.True(s.Frames > 1000, $"{s.Frames} frames");
        Assert.Equal(0, s.LostFrames);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(s.WakeAheadFrames > 0, $"{s.WakeAheadFrames} frames taken by polling");
            Assert.False(s.WakeAheadGivenUp);
        }
    }

    [Fact]
    public void Waking_ahead_is_off_by_default_and_a_lead_out_of_range_is_refused()
    {
        IReadOnlyList<string> problems = new NeurolinkOptions { WakeAheadMicroseconds = 5000 }.Problems();
        Assert.Contains(problems, p => p.Contains("WakeAheadMicroseconds is 5000: it must be 0 (off) to 1000", StringComparison.Ordinal));
        Assert.Equal(0, new NeurolinkOptions().WakeAheadMicroseconds);
    }
}
