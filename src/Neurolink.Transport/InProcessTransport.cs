namespace Neurolink.Transport;

/// <summary>
/// One end of an in-process link: what it writes, the other end reads. Used to attach the
/// emulator without a socket or a serial port.
/// </summary>
public sealed class InProcessTransport : ITransport
{
    private readonly BytePipe _incoming;
    private readonly BytePipe _outgoing;

    private InProcessTransport(string uri, BytePipe incoming, BytePipe outgoing)
    {
        Uri = uri;
        _incoming = incoming;
        _outgoing = outgoing;
    }

    /// <inheritdoc/>
    public string Uri { get; }

    /// <summary>The pipe this end reads from (for a device model that polls without blocking).</summary>
    public BytePipe Incoming => _incoming;

    /// <summary>The pipe this end writes to.</summary>
    public BytePipe Outgoing => _outgoing;

    /// <summary>
    /// Creates both ends of a link with <paramref name="capacity"/> bytes of buffering in each
    /// direction: the host end and the device end.
    /// </summary>
    public static (InProcessTransport Host, InProcessTransport Device) CreatePair(string uri, int capacity = 4 << 20)
    {
        var toDevice = new BytePipe(capacity);
        var toHost = new BytePipe(capacity);
        return (new InProcessTransport(uri, toHost, toDevice), new InProcessTransport(uri, toDevice, toHost));
    }

    /// <inheritdoc/>
    public int Read(Span<byte> destination, CancellationToken cancellationToken) => _incoming.Read(destination, cancellationToken);

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken) => _outgoing.Write(source, cancellationToken);

    /// <summary>Closes both directions, as unplugging a cable does.</summary>
    public void Dispose()
    {
        _incoming.Close();
        _outgoing.Close();
    }
}
