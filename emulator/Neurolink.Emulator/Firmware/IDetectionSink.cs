namespace Neurolink.Emulator.Firmware;

/// <summary>Receives the detector's threshold crossings, in time order per block.</summary>
public interface IDetectionSink
{
    /// <summary>A spike detected on <paramref name="channel"/> at <paramref name="sample"/> with value <paramref name="amplitude"/> (LSB).</summary>
    void OnDetection(int channel, ulong sample, short amplitude);
}
