using System.Numerics;
using System.Runtime.InteropServices;

namespace Neurolink.Emulator.Tissue;

/// <summary>
/// What each electrode records, as int16 samples: thermal noise, a local field potential
/// (1/f-like background plus an 8 Hz oscillation), the spike waveforms of the neurons near the
/// tip scaled by distance, and stimulation artefacts. Channel-interleaved, like RAW_SAMPLES.
/// </summary>
public sealed class RawSynthesizer
{
    private const int NoiseTableLength = 1 << 20;
    private const float TauArtefactMs = 0.3f;

    private readonly TissueModel _tissue;
    private readonly SpikeWaveforms _waveforms;
    private readonly int _channels;
    private readonly float _lsbPerUv;
    private readonly float[] _noise;
    private readonly float[] _lfpGain;
    private readonly List<Spike> _active = [];
    private readonly List<Artefact> _artefacts = [];
    private float[] _accumulator = [];
    private Rng _rng;

    // LFP state: three Ornstein-Uhlenbeck components (10 ms, 100 ms, 1 s) and a theta phase.
    private readonly double[] _ou = new double[3];
    private readonly double[] _ouDecay = new double[3];
    private readonly double[] _ouKick = new double[3];
    private double _thetaPhase;
    private readonly double _thetaStep;

    /// <summary>Creates the synthesizer for a tissue.</summary>
    /// <param name="tissue">The neurons and the geometry.</param>
    /// <param name="waveforms">Spike templates at the tissue's sample rate.</param>
    /// <param name="noiseUvRms">Thermal noise per channel, uV rms.</param>
    /// <param name="scaleNvPerLsb">Sample scale, nV per LSB (195 for 0.195 uV).</param>
    /// <param name="seed">Seed of the noise and LFP.</param>
    public RawSynthesizer(TissueModel tissue, SpikeWaveforms waveforms, double noiseUvRms, uint scaleNvPerLsb, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(tissue);
        ArgumentNullException.ThrowIfNull(waveforms);
        _tissue = tissue;
        _waveforms = waveforms;
        _channels = tissue.Geometry.ChannelCount;
        _lsbPerUv = 1000f / scaleNvPerLsb;
        _rng = Rng.For(seed, "raw-noise");

        _noise = new float[NoiseTableLength];
        float sigma = (float)noiseUvRms * _lsbPerUv;
        for (int i = 0; i < _noise.Length; i++)
        {
            _noise[i] = sigma * (float)_rng.NextGaussian();
        }

        // The LFP is shared, with a gain that varies smoothly across the array.
        _lfpGain = new float[_channels];
        for (int c = 0; c < _channels; c++)
        {
            ElectrodeGeometry g = tissue.Geometry;
            _lfpGain[c] = _lsbPerUv * (float)(1 + (0.4 * Math.Sin(g.X[c] / 2000.0) * Math.Cos((g.Y[c] + g.Z[c]) / 3000.0)));
        }

        double dt = 1.0 / tissue.SampleRateHz;
        double[] tau = [0.010, 0.100, 1.0];
        double[] rmsUv = [8, 15, 25];
        for (int k = 0; k < 3; k++)
        {
            _ouDecay[k] = Math.Exp(-dt / tau[k]);
            _ouKick[k] = rmsUv[k] * Math.Sqrt(1 - (_ouDecay[k] * _ouDecay[k]));
        }

        _thetaStep = 2 * Math.PI * 8 * dt;
    }

    /// <summary>
    /// Adds the artefact of a biphasic stimulation pulse on <paramref name="channel"/> starting at
    /// <paramref name="sample"/>: a square copy of the pulse, about 400 uV per uA at the tip and
    /// falling with distance, then a 0.3 ms exponential tail. Large pulses saturate nearby channels.
    /// </summary>
    public void AddArtefact(int channel, double phase1Ua, double phase2Ua, int phase1Samples, int gapSamples, int phase2Samples, ulong sample)
    {
        int tail = (int)(5 * TauArtefactMs * _tissue.SampleRateHz / 1000);
        var shape = new float[phase1Samples + gapSamples + phase2Samples + tail];
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < phase1Samples)
            {
                shape[i] = (float)phase1Ua;
            }
            else if (i >= phase1Samples + gapSamples && i < phase1Samples + gapSamples + phase2Samples)
            {
                shape[i] = (float)phase2Ua;
            }
            else if (i >= phase1Samples + gapSamples + phase2Samples)
            {
                int after = i - (phase1Samples + gapSamples + phase2Samples);
                shape[i] = (float)(phase2Ua * 0.3 * Math.Exp(-after / (TauArtefactMs * _tissue.SampleRateHz / 1000.0)));
            }
        }

        ElectrodeGeometry g = _tissue.Geometry;
        var channels = new List<int>();
        var gains = new List<float>();
        for (int c = 0; c < _channels; c++)
        {
            float d = MathF.Max(g.Distance(c, g.X[channel], g.Y[channel], g.Z[channel]), 100);
            float gain = 400f * (100f / d) * (100f / d) * _lsbPerUv;
            if (gain * MathF.Abs((float)phase1Ua) >= 1)
            {
                channels.Add(c);
                gains.Add(gain);
            }
        }

        _artefacts.Add(new Artefact(sample, shape, [.. channels], [.. gains]));
    }

    /// <summary>
    /// Renders <paramref name="rows"/> samples of every channel starting at sample clock
    /// <paramref name="start"/> into <paramref name="destination"/> (rows x channels, interleaved),
    /// with the spikes whose onsets are before the end of the block.
    /// </summary>
    public void Render(Span<short> destination, ulong start, int rows, ReadOnlySpan<Spike> newSpikes)
    {
        int count = rows * _channels;
        if (_accumulator.Length < count)
        {
            _accumulator = new float[count];
        }

        Span<float> acc = _accumulator.AsSpan(0, count);
        int noiseAt = _rng.Next(NoiseTableLength - count);
        _noise.AsSpan(noiseAt, count).CopyTo(acc);
        AddLfp(acc, rows);

        foreach (Spike s in newSpikes)
        {
            _active.Add(s);
        }

        ulong end = start + (ulong)rows;
        AddSpikes(acc, start, end);
        AddArtefacts(acc, start, end);
        Quantise(acc, destination[..count]);
    }

    private void AddLfp(Span<float> acc, int rows)
    {
        Span<float> gain = _lfpGain;
        for (int s = 0; s < rows; s++)
        {
            double lfp = 0;
            for (int k = 0; k < 3; k++)
            {
                _ou[k] = (_ou[k] * _ouDecay[k]) + (_ouKick[k] * _rng.NextGaussian());
                lfp += _ou[k];
            }

            _thetaPhase += _thetaStep;
            lfp += 20 * Math.Sin(_thetaPhase);

            var level = new Vector<float>((float)lfp);
            Span<float> row = acc.Slice(s * _channels, _channels);
            int c = 0;
            for (; c <= _channels - Vector<float>.Count; c += Vector<float>.Count)
            {
                var r = new Vector<float>(row[c..]);
                (r + (level * new Vector<float>(gain[c..]))).CopyTo(row[c..]);
            }

            for (; c < _channels; c++)
            {
                row[c] += (float)lfp * gain[c];
            }
        }
    }

    private void AddSpikes(Span<float> acc, ulong start, ulong end)
    {
        int length = _waveforms.Length;
        int keep = 0;
        Span<Spike> active = CollectionsMarshal.AsSpan(_active);
        foreach (Spike spike in active)
        {
            _tissue.Footprint(spike.Neuron, out ReadOnlySpan<int> channels, out ReadOnlySpan<float> peaks);
            ReadOnlySpan<float> template = _waveforms[_tissue.TemplateOf(spike.Neuron)];
            int first = (int)Math.Max(0, (long)start - (long)spike.Sample);
            int last = (int)Math.Min(length, (long)end - (long)spike.Sample);
            for (int k = first; k < last; k++)
            {
                int row = (int)(spike.Sample + (ulong)k - start) * _channels;
                float t = template[k] * _lsbPerUv;
                for (int j = 0; j < channels.Length; j++)
                {
                    acc[row + channels[j]] += peaks[j] * t;
                }
            }

            if (spike.Sample + (ulong)length > end)
            {
                active[keep++] = spike;
            }
        }

        _active.RemoveRange(keep, _active.Count - keep);
    }

    private void AddArtefacts(Span<float> acc, ulong start, ulong end)
    {
        for (int a = _artefacts.Count - 1; a >= 0; a--)
        {
            Artefact artefact = _artefacts[a];
            int first = (int)Math.Max(0, (long)start - (long)artefact.Sample);
            int last = (int)Math.Min(artefact.Shape.Length, (long)end - (long)artefact.Sample);
            for (int k = first; k < last; k++)
            {
                int row = (int)(artefact.Sample + (ulong)k - start) * _channels;
                for (int j = 0; j < artefact.Channels.Length; j++)
                {
                    acc[row + artefact.Channels[j]] += artefact.Gains[j] * artefact.Shape[k];
                }
            }

            if (artefact.Sample + (ulong)artefact.Shape.Length <= end)
            {
                _artefacts.RemoveAt(a);
            }
        }
    }

    private static void Quantise(ReadOnlySpan<float> acc, Span<short> destination)
    {
        var max = new Vector<float>(32767);
        var min = new Vector<float>(-32767);
        int i = 0;
        int step = 2 * Vector<float>.Count;
        for (; i <= acc.Length - step; i += step)
        {
            Vector<int> a = Vector.ConvertToInt32(Vector.Min(Vector.Max(new Vector<float>(acc[i..]), min), max));
            Vector<int> b = Vector.ConvertToInt32(Vector.Min(Vector.Max(new Vector<float>(acc[(i + Vector<float>.Count)..]), min), max));
            Vector.Narrow(a, b).CopyTo(destination[i..]);
        }

        for (; i < acc.Length; i++)
        {
            destination[i] = (short)Math.Clamp((int)acc[i], -32767, 32767);
        }
    }

    private sealed record Artefact(ulong Sample, float[] Shape, int[] Channels, float[] Gains);
}
