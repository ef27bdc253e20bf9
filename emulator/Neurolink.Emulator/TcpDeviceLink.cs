using System.Net.Sockets;

namespace Neurolink.Emulator;

/// <summary>The device end of a TCP connection: a non-blocking socket.</summary>
public sealed class TcpDeviceLink : IDeviceLink
{
    private readonly Socket _socket;
    private bool _closed;

    /// <summary>Takes ownership of an accepted socket.</summary>
    public TcpDeviceLink(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _socket.Blocking = false;
        _socket.NoDelay = true;
    }

    /// <inheritdoc/>
    public bool IsClosed => _closed;

    /// <inheritdoc/>
    public int TryRead(Span<byte> destination)
    {
        if (_closed)
        {
            return 0;
        }

        int n = _socket.Receive(destination, SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock)
        {
            return 0;
        }

        if (error != SocketError.Success || n == 0)
        {
            // 0 bytes from a readable socket: the host closed its end.
            _closed = true;
            return 0;
        }

        return n;
    }

    /// <inheritdoc/>
    public int TryWrite(ReadOnlySpan<byte> source)
    {
        if (_closed)
        {
            return 0;
        }

        int n = _socket.Send(source, SocketFlags.None, out SocketError error);
        if (error == SocketError.WouldBlock)
        {
            return 0;
        }

        if (error != SocketError.Success)
        {
            _closed = true;
            return 0;
        }

        return n;
    }

    /// <inheritdoc/>
    public void WaitForActivity(TimeSpan timeout, bool wantWrite)
    {
        if (_closed)
        {
            return;
        }

        // Waiting to write means the host is slow to read; otherwise wait for its next bytes.
        _socket.Poll((int)timeout.TotalMicroseconds, wantWrite ? SelectMode.SelectWrite : SelectMode.SelectRead);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
    }
}
