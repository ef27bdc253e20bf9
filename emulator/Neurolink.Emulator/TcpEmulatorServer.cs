using System.Net;
using System.Net.Sockets;

namespace Neurolink.Emulator;

/// <summary>
/// Serves an emulated headstage over TCP, one host at a time: <c>tcp://127.0.0.1:7300</c> by
/// default. After a disconnect (or a disconnect fault) it waits for the next host.
/// </summary>
public sealed class TcpEmulatorServer : IDisposable
{
    private readonly TcpListener _listener;

    /// <summary>Binds the listener; port 0 picks a free port (see <see cref="Endpoint"/>).</summary>
    /// <exception cref="SocketException">The address is in use or cannot be bound.</exception>
    public TcpEmulatorServer(EmulatorOptions options, IPEndPoint endpoint)
    {
        _listener = new TcpListener(endpoint);
        _listener.Start(1);
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
        Emulator = new HeadstageEmulator(options, Accept);
    }

    /// <summary>The address the emulator listens on.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The device URI a host uses to reach it.</summary>
    public string Uri => $"tcp://{Endpoint}";

    /// <summary>The emulator behind the socket.</summary>
    public HeadstageEmulator Emulator { get; }

    /// <summary>Starts serving.</summary>
    public void Start() => Emulator.Start();

    /// <summary>Stops the emulator and closes the listener.</summary>
    public void Dispose()
    {
        _listener.Stop();
        Emulator.Dispose();
    }

    private TcpDeviceLink? Accept(CancellationToken cancellationToken)
    {
        try
        {
            return new TcpDeviceLink(_listener.AcceptSocketAsync(cancellationToken).AsTask().GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            return null;
        }
    }
}
