using System.Net.Sockets;

namespace Neurolink.Transport;

/// <summary>
/// A headstage (or the emulator) reached over TCP. Reads block on the caller's reader thread
/// and wake every 50 ms to honour cancellation; a device that goes away ends the read with 0.
/// </summary>
public sealed class TcpTransport : ITransport
{
    private readonly Socket _socket;

    private TcpTransport(Socket socket, string uri)
    {
        _socket = socket;
        Uri = uri;
    }

    /// <inheritdoc/>
    public string Uri { get; }

    /// <summary>Connects to a tcp:// device.</summary>
    /// <exception cref="TransportException">The device could not be reached; the message says why and what to check.</exception>
    public static TcpTransport Connect(DeviceUri uri, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Kind != DeviceKind.Tcp)
        {
            throw new ArgumentException($"{uri} is not a tcp:// device", nameof(uri));
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            socket.ConnectAsync(uri.Host!, uri.Port, limit.Token).AsTask().GetAwaiter().GetResult();
            return new TcpTransport(socket, uri.Text);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string why = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "nothing is listening there; start the device or `neurolink-emulator --listen " + uri.Text + "`, or check the port",
                SocketError.HostNotFound or SocketError.NoData => "the host name does not resolve; check the address",
                _ => e.Message,
            };
            throw new TransportException($"device {uri} could not be reached: {why}", e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TransportException($"device {uri} did not answer within {timeout.TotalSeconds:0.#} s; check that it is powered and on the network");
        }
    }

    /// <inheritdoc/>
    public int Read(Span<byte> destination, CancellationToken cancellationToken)
    {
        try
        {
            while (!_socket.Poll(50_000, SelectMode.SelectRead))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            return _socket.Receive(destination);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
    {
        try
        {
            while (!source.IsEmpty)
            {
                cancellationToken.ThrowIfCancellationRequested();
                source = source[_socket.Send(source)..];
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            throw new TransportClosedException($"device {Uri} is gone: the connection closed ({e.Message}); it will be retried if the driver reconnects", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
