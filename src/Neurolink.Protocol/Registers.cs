namespace Neurolink.Protocol;

/// <summary>Addresses of the per-channel registers (SPEC section 5).</summary>
public static class Registers
{
    /// <summary>The CHANNEL_ENABLE word for channels 32k..32k+31; k below ceil(channel_count / 32).</summary>
    public static uint ChannelEnable(int word)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(word);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(word, 2047);
        return (uint)Register.ChannelEnableBase + (uint)word;
    }

    /// <summary>The SPIKE_THRESHOLD register of a channel, 0..65534.</summary>
    public static uint SpikeThreshold(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channel, ushort.MaxValue - 1);
        return (uint)Register.SpikeThresholdBase + (uint)channel;
    }
}
