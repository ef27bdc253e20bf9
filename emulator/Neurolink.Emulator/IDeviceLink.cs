namespace Neurolink.Emulator;

/// <summary>
/// The device's end of a link, as the emulator's thread uses it: never blocking, so that one
/// thread can make samples, answer the host and feed the link at once.
/// </summary>
public interface IDeviceLink : IDisposable
{
    /// <summary>True once the link is gone (the host closed it, or a disconnect fault).</summary>
    bool IsClosed { get; }

    /// <summary>Reads what has arrived, without waiting; 0 when nothing has.</summary>
    int TryRead(Span<byte> destination);

    /// <summary>Writes as much as the link takes now, without waiting; returns how much.</summary>
    int TryWrite(ReadOnlySpan<byte> source);

    /// <summary>Waits up to <paramref name="timeout"/> for bytes from the host, or for room to write when <paramref name="wantWrite"/>.</summary>
    void WaitForActivity(TimeSpan timeout, bool wantWrite);
}
