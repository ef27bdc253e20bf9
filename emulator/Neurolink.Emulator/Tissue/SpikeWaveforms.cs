namespace Neurolink.Emulator.Tissue;

/// <summary>
/// Extracellular spike templates, 1.6 ms long, normalised to a trough of -1: three broad
/// (pyramidal-like) shapes and one narrow (interneuron-like) shape.
/// </summary>
public sealed class SpikeWaveforms
{
    /// <summary>Template length, ms.</summary>
    public const double LengthMs = 1.6;

    private readonly float[][] _templates;

    /// <summary>Samples the templates at <paramref name="sampleRateHz"/>.</summary>
    public SpikeWaveforms(int sampleRateHz)
    {
        Length = (int)Math.Round(LengthMs * sampleRateHz / 1000);
        (double Trough, double Width, double After, double AfterAt, double AfterWidth)[] shapes =
        [
            (0.40, 0.10, 0.30, 0.85, 0.30),
            (0.40, 0.13, 0.20, 0.95, 0.35),
            (0.45, 0.09, 0.40, 0.80, 0.25),
            (0.30, 0.06, 0.55, 0.55, 0.12),
        ];
        _templates = new float[shapes.Length][];
        for (int k = 0; k < shapes.Length; k++)
        {
            var t = new float[Length];
            var (trough, width, after, afterAt, afterWidth) = shapes[k];
            double min = 0;
            for (int i = 0; i < Length; i++)
            {
                double ms = i * 1000.0 / sampleRateHz;
                double v = -Math.Exp(-Math.Pow((ms - trough) / width, 2)) + (after * Math.Exp(-Math.Pow((ms - afterAt) / afterWidth, 2)));
                t[i] = (float)v;
                min = Math.Min(min, v);
            }

            for (int i = 0; i < Length; i++)
            {
                t[i] /= (float)-min;
            }

            _templates[k] = t;
        }

        TroughOffset = (int)Math.Round(0.4 * sampleRateHz / 1000);
    }

    /// <summary>Samples per template.</summary>
    public int Length { get; }

    /// <summary>Samples from onset to (about) the trough, where a threshold crossing is seen.</summary>
    public int TroughOffset { get; }

    /// <summary>Number of templates.</summary>
    public int Count => _templates.Length;

    /// <summary>Template <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> this[int index] => _templates[index];
}
