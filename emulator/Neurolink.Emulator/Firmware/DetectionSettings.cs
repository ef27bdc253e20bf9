namespace Neurolink.Emulator.Firmware;

/// <summary>
/// The detector's per-channel settings, as the register map holds them (SPEC section 5 and 7):
/// threshold in LSB (negative: downward crossings), enabled channels, refractory period.
/// </summary>
public sealed class DetectionSettings
{
    /// <summary>Creates settings for <paramref name="channels"/> channels, all enabled, all at <paramref name="threshold"/>.</summary>
    public DetectionSettings(int channels, short threshold, int refractorySamples)
    {
        Thresholds = new short[channels];
        Enabled = new bool[channels];
        Array.Fill(Thresholds, threshold);
        Array.Fill(Enabled, true);
        RefractorySamples = refractorySamples;
    }

    /// <summary>Threshold per channel, LSB, never 0.</summary>
    public short[] Thresholds { get; }

    /// <summary>Channel enable flags.</summary>
    public bool[] Enabled { get; }

    /// <summary>Refractory period after a detection, samples.</summary>
    public int RefractorySamples { get; set; }

    /// <summary>Bumped on every change, so detectors can rebuild their vectors lazily.</summary>
    public int Version { get; private set; }

    /// <summary>Records that a setting changed.</summary>
    public void Touch() => Version++;
}
