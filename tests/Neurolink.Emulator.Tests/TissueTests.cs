using Neurolink.Emulator.Tissue;
using Xunit.Abstractions;
using Neurolink.Protocol.Payloads;

namespace Neurolink.Emulator.Tests;

public class TissueTests(ITestOutputHelper output)
{
    [Fact]
    public void Firing_rates_are_log_normal_between_about_0_1_and_50_Hz()
    {
        var tissue = new TissueModel(ElectrodeGeometry.Grid(1024), new TissueOptions(), seed: 3);
        var counts = new int[tissue.NeuronCount];
        const int Seconds = 20;
        foreach (Spike s in tissue.TakeSpikesBefore(Seconds * 30_000UL))
        {
            counts[s.Neuron]++;
        }

        double[] rates = counts.Select(c => c / (double)Seconds).Order().ToArray();
        double median = rates[rates.Length / 2];
        output.WriteLine($"rates: median {median:F2} Hz, 5th {rates[rates.Length / 20]:F2}, 95th {rates[rates.Length * 19 / 20]:F2}, 99th {rates[rates.Length * 99 / 100]:F2}");
        Assert.InRange(median, 1.5, 5);
        Assert.True(rates[(int)(0.99 * rates.Length)] < 80, $"99th percentile {rates[(int)(0.99 * rates.Length)]} Hz");
        Assert.True(rates[(int)(0.95 * rates.Length)] > 10, "the distribution should have a long upper tail");

        // ln(rate) of neurons active enough to estimate: roughly symmetric (log-normal).
        double[] logs = rates.Where(r => r >= 0.5).Select(r => Math.Log(r)).ToArray();
        double mean = logs.Average();
        double skew = logs.Select(l => Math.Pow(l - mean, 3)).Average() / Math.Pow(logs.Select(l => Math.Pow(l - mean, 2)).Average(), 1.5);
        Assert.InRange(skew, -1, 1);
    }

    [Fact]
    public void Neurons_never_fire_twice_within_the_refractory_period()
    {
        var tissue = new TissueModel(ElectrodeGeometry.Grid(256), new TissueOptions { Neurons = 2000 }, seed: 4);
        var last = new Dictionary<int, ulong>();
        foreach (Spike s in tissue.TakeSpikesBefore(5 * 30_000UL).ToArray().OrderBy(s => s.Sample))
        {
            if (last.TryGetValue(s.Neuron, out ulong previous))
            {
                Assert.True(s.Sample - previous >= 60, $"neuron {s.Neuron} fired {s.Sample - previous} samples after its last spike");
            }

            last[s.Neuron] = s.Sample;
        }
    }

    [Fact]
    public void A_least_squares_decoder_recovers_the_hidden_signal_from_1_ms_spike_counts()
    {
        using var driver = new FirmwareDriver(new EmulatorOptions { Seed = 11, RecordGroundTruth = true });
        driver.Start(StreamMask.Counts);
        driver.Run(60_000);

        // Features: each channel's 1 ms counts, smoothed with a 30 ms exponential (causal) window.
        var bins = driver.OfType(Protocol.FrameType.SpikeCounts).ToList();
        var signal = driver.Truth.Signal().ToDictionary(s => s.Sample);
        int channels = driver.Firmware.Capabilities.ChannelCount is var c ? (int)c : 0;
        var smooth = new double[channels];
        var rows = new List<double[]>();
        var targets = new List<(double X, double Y)>();
        double decay = Math.Exp(-1 / 30.0);
        foreach (HostFrame bin in bins)
        {
            SpikeCounts.TryRead(bin.Payload, out SpikeCounts counts, out _);
            for (int ch = 0; ch < channels; ch++)
            {
                smooth[ch] = (smooth[ch] * decay) + counts.Counts[ch];
            }

            // One row every 20 ms keeps the normal equations small; the features still integrate every 1 ms bin.
            if (bin.Header.SampleClock % 600 == 0 && signal.TryGetValue(bin.Header.SampleClock, out var truth))
            {
                rows.Add([.. smooth, 1.0]);
                targets.Add((truth.X, truth.Y));
            }
        }

        int train = rows.Count * 2 / 3;
        double r2x = Decoder.FitAndScore(rows, targets.Select(t => t.X).ToList(), train);
        double r2y = Decoder.FitAndScore(rows, targets.Select(t => t.Y).ToList(), train);
        output.WriteLine($"held-out R^2: x {r2x:F3}, y {r2y:F3} ({rows.Count - train} test rows, {channels} channels)");
        Assert.True(r2x >= 0.7 && r2y >= 0.7, $"held-out R^2 was {r2x:F3} (x) and {r2y:F3} (y)");
    }

    [Fact]
    public void With_stdp_the_tissue_keeps_changing_its_recurrent_weights_and_stays_reproducible()
    {
        var geometry = ElectrodeGeometry.Grid(64);
        var options = new TissueOptions { Neurons = 2000, Stdp = true };
        var a = new TissueModel(geometry, options, seed: 5);
        var b = new TissueModel(geometry, options, seed: 5);
        var still = new TissueModel(geometry, options with { Stdp = false }, seed: 5);
        double before = a.MeanExcitatoryWeightChange;
        int spikesA = a.TakeSpikesBefore(30_000 * 20).Length;
        int spikesB = b.TakeSpikesBefore(30_000 * 20).Length;
        still.TakeSpikesBefore(30_000 * 20);
        double after = a.MeanExcitatoryWeightChange;
        output.WriteLine($"mean |w - 1| {before} -> {after} after 20 s (mean weight {a.MeanExcitatoryWeight}); {spikesA} spikes");

        Assert.Equal(0, before);
        Assert.True(after > 0.01, $"the weights moved {after} from 1 on average in 20 s"); // it learnt
        Assert.InRange(a.MeanExcitatoryWeight, 0, options.StdpMaxWeight);
        Assert.Equal(after, b.MeanExcitatoryWeightChange); // same seed, same tissue, same learning
        Assert.Equal(spikesA, spikesB);
        Assert.Equal(0, still.MeanExcitatoryWeightChange);

        // Ten times the rate moves the weights several times as far in the same time, and they stay in bounds.
        var fast = new TissueModel(geometry, options.WithStdpRate(10), seed: 5);
        fast.TakeSpikesBefore(30_000 * 20);
        output.WriteLine($"stdp-rate 10: mean |w - 1| {fast.MeanExcitatoryWeightChange} after 20 s (mean weight {fast.MeanExcitatoryWeight})");
        Assert.True(fast.MeanExcitatoryWeightChange > 3 * after, $"at ten times the rate the weights moved {fast.MeanExcitatoryWeightChange}, at the default {after}");
        Assert.InRange(fast.MeanExcitatoryWeight, 0, options.StdpMaxWeight);
    }

    [Fact]
    public void The_cue_of_a_bin_is_the_signal_of_the_millisecond_that_holds_its_first_sample()
    {
        // A device started mid-millisecond bins from there: its bins straddle the tissue's milliseconds.
        var truth = new GroundTruth(recordSignal: true);
        Assert.False(truth.TrySignalAt(0, out _, out _));
        truth.AddSignal(0, 1, -1);
        truth.AddSignal(30, 2, -2);
        truth.AddSignal(60, 3, -3);

        Assert.True(truth.TrySignalAt(30, out double x, out double y));
        Assert.Equal((2.0, -2.0), (x, y));
        Assert.True(truth.TrySignalAt(47, out x, out _));
        Assert.Equal(2.0, x);
        Assert.True(truth.TrySignalAt(89, out x, out _));
        Assert.Equal(3.0, x);
        Assert.False(truth.TrySignalAt(90, out _, out _)); // not simulated that far yet
        Assert.False(new GroundTruth().RecordsSignal);
    }

    [Fact]
    public void Stimulation_recruits_neurons_near_the_electrode_and_not_distant_ones()
    {
        var geometry = ElectrodeGeometry.Grid(1024);
        var tissue = new TissueModel(geometry, new TissueOptions(), seed: 21);
        const int Electrode = 500;
        const ulong At = 30_000;
        Spike[] before = tissue.TakeSpikesBefore(At).ToArray();
        IReadOnlyList<int> recruited = tissue.Stimulate(Electrode, 20, At);

        // I = k r^2: 20 uA recruits within about 124 um.
        Assert.NotEmpty(recruited);
        Assert.All(recruited, n =>
        {
            var (x, y, z) = tissue.PositionOf(n);
            Assert.True(geometry.Distance(Electrode, x, y, z) <= 125);
        });

        var evoked = tissue.TakeSpikesBefore(At + 300).ToArray();
        var fired = evoked.Where(s => s.Sample >= At + 60 && s.Sample <= At + 150).Select(s => s.Neuron).ToHashSet();
        Assert.True(recruited.Count(fired.Contains) >= recruited.Count * 0.8, "most recruited neurons fire 2 to 5 ms after the pulse");

        // Neurons beyond 500 um fire in the 2 to 5 ms after the pulse as they did in the 3 ms before it: no volley.
        bool Far(Spike s)
        {
            var (x, y, z) = tissue.PositionOf(s.Neuron);
            return geometry.Distance(Electrode, x, y, z) > 500;
        }

        int farBefore = before.Count(s => s.Sample >= At - 90 && Far(s));
        int farAfter = evoked.Count(s => s.Sample >= At + 60 && s.Sample < At + 150 && Far(s));
        Assert.True(farAfter < (2 * farBefore) + 20, $"{farAfter} distant neurons fired 2 to 5 ms after the pulse, {farBefore} in the 3 ms before it");
    }
}

public class HiddenSignalTests
{
    [Fact]
    public void Centre_out_reaches_go_towards_one_of_eight_targets_and_back()
    {
        var signal = new HiddenSignal(HiddenSignalKind.CentreOut, seed: 1);
        var angles = new HashSet<int>();
        for (int ms = 0; ms < 40_000; ms++)
        {
            signal.Step();
            double speed = Math.Sqrt((signal.X * signal.X) + (signal.Y * signal.Y));
            Assert.InRange(speed, 0, 1.5 + 1e-9);
            if (speed > 0.5)
            {
                double degrees = Math.Atan2(signal.Y, signal.X) * 180 / Math.PI;
                int rounded = (int)Math.Round(degrees / 45) * 45;
                Assert.True(Math.Abs(degrees - rounded) < 1e-6, $"{degrees} degrees is not a target direction");
                angles.Add((rounded + 360) % 360);
            }
        }

        Assert.Equal(8, angles.Count);
    }

    [Fact]
    public void The_random_trajectory_is_smooth_with_unit_spread()
    {
        var signal = new HiddenSignal(HiddenSignalKind.RandomTrajectory, seed: 2);
        var xs = new List<double>();
        double maxStep = 0, previous = 0;
        for (int ms = 0; ms < 60_000; ms++)
        {
            signal.Step();
            maxStep = Math.Max(maxStep, Math.Abs(signal.X - previous));
            previous = signal.X;
            xs.Add(signal.X);
        }

        double sd = Math.Sqrt(xs.Select(x => x * x).Average() - Math.Pow(xs.Average(), 2));
        Assert.InRange(sd, 0.7, 1.3);
        Assert.True(maxStep < 0.3, $"the signal jumped by {maxStep} in 1 ms");
    }
}
