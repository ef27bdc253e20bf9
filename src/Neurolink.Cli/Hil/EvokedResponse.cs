using System.Globalization;

namespace Neurolink.Cli.Hil;

/// <summary>
/// Whether spikes on a channel answer stimulation pulses, from the pulses' and the spikes'
/// sample clocks. A pulse is answered when a spike follows it within the window (10 ms). The
/// channel's own firing answers some pulses by chance, the more the busier the channel, so the
/// spikes in the windows after the pulses are compared with the count expected from the same
/// channel's spikes in the <see cref="BaselineWindows"/> windows just before each pulse: evoked
/// when at least 80 % of the pulses were answered and the count after them lies
/// <see cref="MinimumZ"/> Poisson standard deviations or more above that expectation.
/// </summary>
/// <param name="Pulses">Pulses sent.</param>
/// <param name="Answered">Pulses followed by a spike within the window.</param>
/// <param name="After">Spikes within the window after a pulse, all pulses together.</param>
/// <param name="Expected">Spikes expected in those windows from the channel's firing before the pulses.</param>
/// <param name="Delays">Delay from each answered pulse to its first spike, us, sorted.</param>
/// <param name="Window">How long after a pulse a spike counted as its answer.</param>
public sealed record class EvokedResponse(int Pulses, int Answered, int After, double Expected, IReadOnlyList<double> Delays, TimeSpan Window)
{
    /// <summary>Windows before each pulse that estimate the channel's own firing.</summary>
    public const int BaselineWindows = 4;

    /// <summary>How far above chance, in Poisson standard deviations, the count after the pulses must lie.</summary>
    public const double MinimumZ = 4;

    /// <summary>Share of pulses that must be answered.</summary>
    public const double MinimumAnswered = 0.8;

    /// <summary>(After - Expected) / sqrt(Expected), with Expected taken as at least 1 so that a silent channel does not divide by zero.</summary>
    public double Z => (After - Expected) / Math.Sqrt(Math.Max(Expected, 1));

    /// <summary>The pulses evoked a response.</summary>
    public bool Evoked => Pulses > 0 && Answered >= MinimumAnswered * Pulses && Z >= MinimumZ;

    /// <summary>Finds the response to each pulse.</summary>
    /// <param name="pulses">Sample clock of each pulse.</param>
    /// <param name="spikes">Sample clock of each spike on the stimulated (or loopback) channel, in any order.</param>
    /// <param name="sampleRateHz">The device's sample rate.</param>
    /// <param name="window">How long after a pulse a spike counts as its answer.</param>
    public static EvokedResponse Measure(IReadOnlyList<ulong> pulses, IEnumerable<ulong> spikes, double sampleRateHz, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(pulses);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRateHz);
        ulong[] sorted = [.. spikes.Order()];
        ulong w = Math.Max(1, (ulong)(window.TotalSeconds * sampleRateHz));
        var delays = new List<double>();
        int after = 0;
        double expected = 0;
        foreach (ulong p in pulses)
        {
            int first = LowerBound(sorted, p);
            int end = LowerBound(sorted, p + w);
            after += end - first;
            if (end > first)
            {
                delays.Add((sorted[first] - p) * 1e6 / sampleRateHz);
            }

            ulong from = p >= BaselineWindows * w ? p - (BaselineWindows * w) : 0;
            double covered = (p - from) / (double)w;
            if (covered > 0)
            {
                // Per window: a pulse near the start of acquisition has a shorter baseline.
                expected += (first - LowerBound(sorted, from)) / covered;
            }
        }

        delays.Sort();
        return new EvokedResponse(pulses.Count, delays.Count, after, expected, delays, window);
    }

    /// <summary>One line: the delays and the comparison with chance.</summary>
    public string Describe(int channel, double amplitudeUa)
    {
        if (Delays.Count == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"evoked response: none: no spike on channel {channel} within {Window.TotalMilliseconds} ms of any of {Pulses} pulses of {amplitudeUa} uA");
        }

        double Q(double q) => Delays[(int)Math.Clamp(Math.Ceiling(q * Delays.Count) - 1, 0, Delays.Count - 1)];
        return string.Create(CultureInfo.InvariantCulture,
            $"evoked response p50 {Q(0.5):0} us, p99 {Q(0.99):0} us, p99.9 {Q(0.999):0} us: on channel {channel}, {Answered} of {Pulses} pulses of {amplitudeUa} uA answered within {Window.TotalMilliseconds} ms; {After} spikes after the pulses against {Expected:0.#} expected from the channel's firing before them (z {Z:0.#}, needs {MinimumZ})");
    }

    private static int LowerBound(ulong[] sorted, ulong value)
    {
        int i = Array.BinarySearch(sorted, value);
        if (i < 0)
        {
            return ~i;
        }

        while (i > 0 && sorted[i - 1] == value)
        {
            i--;
        }

        return i;
    }
}
