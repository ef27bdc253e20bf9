using System.IO.Ports;

namespace Neurolink.Transport;

/// <summary>
/// A headstage on a serial port (a USB CDC-ACM adapter, or the emulator's pseudo-terminal): 8
/// data bits, no parity, one stop bit, no flow control. On Linux the port's descriptor is read
/// and written on the caller's thread (<see cref="LinuxSerialPort"/>: System.IO.Ports' Unix
/// stream adds up to a millisecond or two to every read and write); elsewhere through
/// System.IO.Ports. Reads wait at most 50 ms at a time so that cancellation is noticed; an
/// unplugged port ends the read with 0.
/// </summary>
public sealed class SerialTransport : ITransport
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(2);
    private readonly SerialPort? _port;
    private readonly LinuxSerialPort? _linux;

    // SerialPort reads into arrays only: one buffer, reused (grown at the first read, and at most once per larger read).
    private byte[] _scratch = [];

    private SerialTransport(SerialPort port, string uri)
    {
        _port = port;
        Uri = uri;
    }

    private SerialTransport(LinuxSerialPort port, string uri)
    {
        _linux = port;
        Uri = uri;
    }

    /// <inheritdoc/>
    public string Uri { get; }

    /// <summary>Opens a serial:// device.</summary>
    /// <exception cref="TransportException">The port is missing, busy, or not ours to open; the message says which and what to do.</exception>
    public static SerialTransport Open(DeviceUri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Kind != DeviceKind.Serial)
        {
            throw new ArgumentException($"{uri} is not a serial:// device", nameof(uri));
        }

        if (OperatingSystem.IsLinux())
        {
            return new SerialTransport(LinuxSerialPort.Open(uri), uri.Text);
        }

        var port = new SerialPort(uri.Path!, uri.BaudRate, Parity.None, 8, StopBits.One)
        {
            Handshake = Handshake.None,
            ReadTimeout = 50,
            WriteTimeout = (int)WriteTimeout.TotalMilliseconds,
            ReadBufferSize = 1 << 20,
        };
        try
        {
            port.Open();
            return new SerialTransport(port, uri.Text);
        }
        catch (UnauthorizedAccessException e)
        {
            port.Dispose();
            throw new TransportException(
                $"device {uri} could not be opened: permission denied, or another program has the port. On Linux add yourself to the 'dialout' group (sudo usermod -aG dialout $USER, then log in again), and close other programs using {uri.Path}", e);
        }
        catch (IOException e)
        {
            port.Dispose();
            throw new TransportException($"device {uri} could not be opened: {e.Message}. `neurolink devices` lists the serial ports present", e);
        }
        catch (ArgumentException e)
        {
            port.Dispose();
            throw new TransportException($"device {uri} could not be opened: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public int Read(Span<byte> destination, CancellationToken cancellationToken)
    {
        if (_linux is not null)
        {
            return _linux.Read(destination, cancellationToken);
        }

        var buffer = _scratch.Length >= destination.Length ? _scratch : _scratch = new byte[destination.Length];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                int n = _port!.Read(buffer, 0, destination.Length);
                buffer.AsSpan(0, n).CopyTo(destination);
                return n;
            }
            catch (TimeoutException)
            {
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    /// <inheritdoc/>
    public void Write(ReadOnlySpan<byte> source, CancellationToken cancellationToken)
    {
        try
        {
            if (_linux is not null)
            {
                _linux.Write(source, WriteTimeout);
            }
            else
            {
                _port!.BaseStream.Write(source);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
        {
            throw new TransportClosedException($"device {Uri} is gone: writing to the port failed ({e.Message})", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _linux?.Dispose();
        _port?.Dispose();
    }
}
