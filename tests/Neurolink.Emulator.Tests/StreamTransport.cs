using Neurolink.Transport;

namespace Neurolink.Emulator.Tests;

/// <summary>
/// A transport over a stream (a TCP socket's or a terminal's), for tests until the driver stack
/// has its own. Disposing it disposes <paramref name="owner"/> too (the TcpClient whose socket
/// must close for a blocked read to return).
/// </summary>
public sealed class StreamTransport(Stream stream, string uri, IDisposable? owner = null) : ITransport
{
    public string Uri { get; } = uri;

    public int Read(Span<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            return stream.Read(destination);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return 0;
        }
    }

    public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
    {
        stream.Write(source);
        stream.Flush();
    }

    public void Dispose()
    {
        stream.Dispose();
        owner?.Dispose();
    }
}
