using Neurolink.Transport;

namespace Neurolink.Emulator;

/// <summary>The device end of an <see cref="InProcessTransport"/> pair.</summary>
public sealed class InProcessDeviceLink : IDeviceLink
{
    private readonly InProcessTransport _end;

    /// <summary>Wraps the device end of a pair.</summary>
    public InProcessDeviceLink(InProcessTransport deviceEnd)
    {
        ArgumentNullException.ThrowIfNull(deviceEnd);
        _end = deviceEnd;
    }

    /// <inheritdoc/>
    public bool IsClosed => _end.Outgoing.IsClosed || _end.Incoming.IsClosed;

    /// <inheritdoc/>
    public int TryRead(Span<byte> destination) => _end.Incoming.TryRead(destination);

    /// <inheritdoc/>
    public int TryWrite(ReadOnlySpan<byte> source)
    {
        try
        {
            return _end.Outgoing.TryWrite(source);
        }
        catch (TransportClosedException)
        {
            return 0;
        }
    }

    /// <inheritdoc/>
    public void WaitForActivity(TimeSpan timeout, bool wantWrite)
    {
        if (wantWrite && _end.Outgoing.Free > 0)
        {
            return;
        }

        _end.Incoming.WaitReadable(timeout, CancellationToken.None);
    }

    /// <inheritdoc/>
    public void Dispose() => _end.Dispose();
}
