namespace Neurolink.Protocol;

/// <summary>Builds and splits 16-bit stream addresses: device index in the high byte, kind in the low.</summary>
public static class StreamAddress
{
    /// <summary>The address of <paramref name="kind"/> on device <paramref name="deviceIndex"/> (0..254).</summary>
    public static ushort Of(StreamKind kind, byte deviceIndex = 0) => (ushort)((deviceIndex << 8) | (byte)kind);

    /// <summary>The stream kind of an address.</summary>
    public static StreamKind KindOf(ushort stream) => (StreamKind)(byte)stream;

    /// <summary>The device index of an address.</summary>
    public static byte DeviceOf(ushort stream) => (byte)(stream >> 8);
}
