using Neurolink.Emulator.Tissue;

namespace Neurolink.Emulator.Firmware;

/// <summary>
/// The on-chip detector's output when raw samples are not generated (spike streams only):
/// a statistical model of <see cref="ThresholdDetector"/> on the same tissue. A spike of peak
/// amplitude A on a channel with noise sigma and threshold t is detected with probability
/// Phi((A - |t|) / sigma) at its trough; noise alone crosses at Rice's rate, about
/// fs / 6 x exp(-t^2 / 2 sigma^2) per channel. Refractoriness is applied per channel as on the chip.
/// This is what makes spike-frame mode 20 times faster than real time: no samples are made.
/// </summary>
public sealed class ModelDetector
{
    private readonly TissueModel _tissue;
    private readonly SpikeWaveforms _waveforms;
    private readonly DetectionSettings _settings;
    private readonly float _sigmaLsb;
    private readonly float _lsbPerUv;
    private readonly ulong[] _lastDetection;
    private readonly double[] _falsePositiveRate;
    private double _totalFalsePositiveRate;
    private int _version = -1;
    private Rng _rng;

    /// <summary>Creates the model for a tissue and the detector settings in force.</summary>
    public ModelDetector(TissueModel tissue, SpikeWaveforms waveforms, DetectionSettings settings, double noiseUvRms, uint scaleNvPerLsb, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(tissue);
        ArgumentNullException.ThrowIfNull(settings);
        _tissue = tissue;
        _waveforms = waveforms;
        _settings = settings;
        _lsbPerUv = 1000f / scaleNvPerLsb;
        _sigmaLsb = (float)noiseUvRms * _lsbPerUv;
        _lastDetection = new ulong[settings.Thresholds.Length];
        Array.Fill(_lastDetection, ulong.MaxValue);
        _falsePositiveRate = new double[settings.Thresholds.Length];
        _rng = Rng.For(seed, "model-detector");
    }

    /// <summary>Detects the given spikes, and noise crossings in [start, end), into <paramref name="sink"/>.</summary>
    public void Process(ReadOnlySpan<Spike> spikes, ulong start, ulong end, IDetectionSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        Refresh();
        foreach (Spike spike in spikes)
        {
            _tissue.Footprint(spike.Neuron, out ReadOnlySpan<int> channels, out ReadOnlySpan<float> peaks);
            ulong at = spike.Sample + (ulong)_waveforms.TroughOffset;
            for (int j = 0; j < channels.Length; j++)
            {
                int c = channels[j];
                float level = Math.Abs((int)_settings.Thresholds[c]);
                float amplitude = peaks[j] * _lsbPerUv;
                float z = (amplitude - level) / _sigmaLsb;
                double p = 1 / (1 + Math.Exp(-1.702 * z));
                if (_settings.Thresholds[c] > 0 || !_settings.Enabled[c] || _rng.NextDouble() >= p)
                {
                    continue;
                }

                Detect(c, at, (short)-Math.Min(amplitude + (_sigmaLsb * (float)_rng.NextGaussian()), 32767), sink);
            }
        }

        // Noise crossings: a Poisson process over all channels together, spread by each channel's rate.
        double window = (end - start) / (double)_tissue.SampleRateHz;
        double t = _rng.NextExponential() / _totalFalsePositiveRate;
        while (t < window)
        {
            double pick = _rng.NextDouble() * _totalFalsePositiveRate;
            int c = 0;
            while (c < _falsePositiveRate.Length - 1 && pick >= _falsePositiveRate[c])
            {
                pick -= _falsePositiveRate[c];
                c++;
            }

            Detect(c, start + (ulong)(t * _tissue.SampleRateHz), _settings.Thresholds[c], sink);
            t += _rng.NextExponential() / _totalFalsePositiveRate;
        }
    }

    private void Detect(int channel, ulong sample, short amplitude, IDetectionSink sink)
    {
        ulong last = _lastDetection[channel];
        if (last != ulong.MaxValue && sample >= last && sample - last <= (ulong)_settings.RefractorySamples)
        {
            return;
        }

        _lastDetection[channel] = sample;
        sink.OnDetection(channel, sample, amplitude);
    }

    private void Refresh()
    {
        if (_version == _settings.Version)
        {
            return;
        }

        _totalFalsePositiveRate = 1e-9;
        for (int c = 0; c < _falsePositiveRate.Length; c++)
        {
            double u = _settings.Thresholds[c] / (double)_sigmaLsb;
            _falsePositiveRate[c] = _settings.Enabled[c] ? _tissue.SampleRateHz / 6.0 * Math.Exp(-u * u / 2) : 0;
            _totalFalsePositiveRate += _falsePositiveRate[c];
        }

        _version = _settings.Version;
    }
}
